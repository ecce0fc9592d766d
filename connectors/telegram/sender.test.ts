// sendMessage against a fake Bot API on 127.0.0.1: the exact request bodies (keyboard or
// not), the receipt, and how each provider error becomes a ConnectorSendError — without the
// bot token ever appearing in an error.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram, telegramErrors } from '../../test/helpers/fake-telegram.ts';
import { ConnectorSendError } from '../types.ts';
import { TelegramBotApi } from './bot-api.ts';
import { createTelegramMetrics } from './metrics.ts';
import { TelegramOutbound } from './sender.ts';

const PHONE_KEYBOARD = { keyboard: [[{ text: '📱 Enviar meu telefone', request_contact: true }]], one_time_keyboard: true, resize_keyboard: true };

describe('telegram sendMessage', () => {
  let fake: FakeTelegram;
  let registry: Registry;
  let outbound: TelegramOutbound;
  const build = (apiUrl: string, timeoutMs = 2_000) => {
    registry = new Registry();
    return new TelegramOutbound(new TelegramBotApi({ apiUrl, token: FAKE_BOT_TOKEN, requestTimeoutMs: timeoutMs }), createTelegramMetrics(registry));
  };
  const failure = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorSendError);
    expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).not.toContain(FAKE_BOT_TOKEN.split(':')[1]);
    return err as ConnectorSendError;
  };

  beforeAll(async () => {
    fake = await startFakeTelegram();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    outbound = build(fake.url);
  });
  afterAll(() => fake?.close());

  it('sends the text to the chat, removes any reply keyboard, and returns the message id', async () => {
    const receipt = await outbound.sendText('1111111', 'Qual é o seu nome completo?', 'k1', { asks: 'name', mode: 'contact' });
    expect(fake.calls('sendMessage')).toEqual([{ chat_id: 1111111, text: 'Qual é o seu nome completo?', reply_markup: { remove_keyboard: true } }]);
    expect(receipt).toEqual({ providerMessageId: expect.stringMatching(/^\d+$/) });
  });

  it('offers the share-contact button when it asks the person for their own phone', async () => {
    await outbound.sendText('1111111', 'Qual é o seu telefone com DDD? (ex.: 11 99999-8888)', 'k2', { asks: 'phone', mode: 'contact' });
    expect(fake.calls('sendMessage')).toEqual([{ chat_id: 1111111, text: 'Qual é o seu telefone com DDD? (ex.: 11 99999-8888)', reply_markup: PHONE_KEYBOARD }]);
  });

  it("does not offer it to staff asking for someone else's phone, nor in groups", async () => {
    await outbound.sendText('1111111', 'Qual é o telefone da pessoa, com DDD?', 'k3', { asks: 'phone', mode: 'attendant' });
    await outbound.sendText('-1001319789908', 'Olá', 'k4', { asks: 'phone', mode: 'contact' });
    expect(fake.calls('sendMessage')).toEqual([
      { chat_id: 1111111, text: 'Qual é o telefone da pessoa, com DDD?', reply_markup: { remove_keyboard: true } },
      { chat_id: -1001319789908, text: 'Olá' },
    ]);
  });

  it('does not send a reply twice for one idempotency key', async () => {
    const first = await outbound.sendText('1111111', 'Oi', 'same-key');
    const again = await outbound.sendText('1111111', 'Oi', 'same-key');
    expect(again).toEqual(first);
    expect(fake.calls('sendMessage')).toHaveLength(1);
  });

  it('429 is transient and carries retry_after', async () => {
    fake.failNext('sendMessage', telegramErrors.tooManyRequests(7));
    const err = await failure(outbound.sendText('1111111', 'Oi', 'k5'));
    expect(err).toMatchObject({ channel: 'telegram', transient: true, retryAfterMs: 7_000, code: 'Too Many Requests: retry after 7' });
  });

  it.each([
    ['a 500', telegramErrors.internal(), 'Internal Server Error'],
    ['a proxy error page', telegramErrors.badGateway(), 'unexpected answer (HTTP 502)'],
  ])('%s is transient', async (_label, answer, code) => {
    fake.failNext('sendMessage', answer);
    expect(await failure(outbound.sendText('1111111', 'Oi', `k-${code}`))).toMatchObject({ transient: true, code });
  });

  it.each([
    ['a blocked bot', telegramErrors.blocked(), 'Forbidden: bot was blocked by the user'],
    ['an unknown chat', telegramErrors.chatNotFound(), 'Bad Request: chat not found'],
    ['a revoked token', telegramErrors.unauthorized(), 'Unauthorized'],
  ])('%s is permanent, with the description as code', async (_label, answer, code) => {
    fake.failNext('sendMessage', answer);
    expect(await failure(outbound.sendText('1111111', 'Oi', `k-${code}`))).toMatchObject({ transient: false, code });
  });

  it('a hung Telegram times out as a transient failure', async () => {
    const slow = build(fake.url, 200);
    fake.failNext('sendMessage', { status: 200, body: { ok: true, result: { message_id: 1 } }, delayMs: 1_000 });
    const started = Date.now();
    expect(await failure(slow.sendText('1111111', 'Oi', 'k-timeout'))).toMatchObject({ transient: true, code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('an unreachable Telegram is a transient network failure', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const nowhere = build(`http://127.0.0.1:${port}`);
    expect(await failure(nowhere.sendText('1111111', 'Oi', 'k-down'))).toMatchObject({ transient: true, code: 'network: ECONNREFUSED' });
  });

  it('counts sends by outcome', async () => {
    await outbound.sendText('1111111', 'Oi', 'k-m1');
    fake.failNext('sendMessage', telegramErrors.blocked());
    await outbound.sendText('1111111', 'Oi', 'k-m2').catch(() => {});
    const metrics = await registry.getMetricsAsJSON();
    const sends = metrics.find((m) => m.name === 'atende_telegram_sends_total')!.values.map((v) => [v.labels.outcome, v.value]);
    expect(Object.fromEntries(sends)).toEqual({ sent: 1, permanent: 1 });
  });
});
