// `npm run telegram:set-webhook` as a user runs it (a child process), against the fake Bot
// API: the exact setWebhook/deleteWebhook bodies, what it prints (never the token), and the
// messages naming a missing variable.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from './helpers/fake-telegram.ts';

const SCRIPT = new URL('../scripts/telegram-set-webhook.ts', import.meta.url).pathname;
const TSX = new URL('../node_modules/.bin/tsx', import.meta.url).pathname;

function run(env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only PATH from the parent: the test decides every TELEGRAM_* variable.
  return new Promise((resolve) => {
    execFile(TSX, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run telegram:set-webhook', () => {
  let fake: FakeTelegram;
  const secretPart = FAKE_BOT_TOKEN.split(':')[1]!;
  beforeAll(async () => {
    fake = await startFakeTelegram();
  });
  afterAll(() => fake?.close());

  it('sets the webhook with the secret and prints what Telegram reports, without the token', async () => {
    const result = await run({
      TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN,
      TELEGRAM_API_URL: fake.url,
      TELEGRAM_WEBHOOK_URL: 'https://atende.example.org/webhooks/telegram',
      TELEGRAM_WEBHOOK_SECRET: 'hook-secret_42',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(fake.calls('setWebhook')).toEqual([
      { url: 'https://atende.example.org/webhooks/telegram', secret_token: 'hook-secret_42', allowed_updates: ['message', 'callback_query'], drop_pending_updates: false },
    ]);
    expect(fake.webhook).toMatchObject({ url: 'https://atende.example.org/webhooks/telegram', secret_token: 'hook-secret_42' });
    expect(result.stdout).toContain('Webhook set: https://atende.example.org/webhooks/telegram');
    expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))).toMatchObject({ url: 'https://atende.example.org/webhooks/telegram', pending_update_count: 0, allowed_updates: ['message', 'callback_query'] });
    expect(result.stdout + result.stderr).not.toContain(secretPart);
  });

  it('--delete removes it', async () => {
    const result = await run({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_URL: fake.url }, ['--delete']);
    expect(result.code, result.stderr).toBe(0);
    expect(fake.calls('deleteWebhook')).toEqual([{ drop_pending_updates: false }]);
    expect(fake.webhook).toBeNull();
    expect(result.stdout).toContain('Webhook removed');
  });

  it('names what is missing, and reports a refusal without the token', async () => {
    const none = await run({ TELEGRAM_API_URL: fake.url });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('TELEGRAM_BOT_TOKEN is not set');

    const noUrl = await run({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_URL: fake.url, TELEGRAM_WEBHOOK_SECRET: 'hook-secret_42' });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain('TELEGRAM_WEBHOOK_URL is not set');
    expect(noUrl.stderr).not.toContain('TELEGRAM_WEBHOOK_SECRET is 1-256');

    const badToken = await run({ TELEGRAM_BOT_TOKEN: 'not-a-token', TELEGRAM_API_URL: fake.url }, ['--delete']);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toContain('TELEGRAM_BOT_TOKEN: expected a bot token like 123456:ABC-DEF');

    const wrongToken = `${FAKE_BOT_TOKEN.split(':')[0]}:wrongwrongwrong`;
    const refused = await run({ TELEGRAM_BOT_TOKEN: wrongToken, TELEGRAM_API_URL: fake.url }, ['--delete']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Telegram refused: telegram deleteWebhook: 401 Unauthorized');
    expect(refused.stderr).not.toContain('wrongwrongwrong');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
