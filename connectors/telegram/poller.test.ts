// Long polling against a fake Bot API on 127.0.0.1 (real long polls, real timeouts) with an
// in-memory intake and offset store: the order of calls and their exact bodies, offsets that
// advance only after the intake stored the updates, conflicts, rate limits, a prompt stop,
// and — on the real Redis — one poller among replicas, with takeover when it stops.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_ID, FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram, telegramErrors } from '../../test/helpers/fake-telegram.ts';
import { textUpdate } from '../../test/helpers/telegram-chat.ts';
import { UnavailableError } from '../../src/domain/errors.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { InboundMessage, Intake } from '../types.ts';
import { TelegramBotApi } from './bot-api.ts';
import { DEFAULT_TIMINGS, type TelegramTimings } from './config.ts';
import { createTelegramMetrics } from './metrics.ts';
import { LocalPollerLease, type PollerLease, RedisPollerLease } from './poller-lease.ts';
import { TelegramPoller } from './poller.ts';
import { TelegramUpdateIntake } from './update-intake.ts';

const TIMINGS: TelegramTimings = {
  ...DEFAULT_TIMINGS,
  pollTimeoutS: 1,
  pollRequestTimeoutMs: 3_000,
  requestTimeoutMs: 2_000,
  backoffMinMs: 20,
  backoffMaxMs: 100,
  conflictBackoffMs: 150,
  leaseMs: 600,
  leaseRetryMs: 100,
};
const MARIA = { id: 1111111, first_name: 'Maria', last_name: 'Silva' };

class LogLines extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString('utf8');
    done();
  }
}

class RecordingIntake implements Intake {
  received: InboundMessage[] = [];
  failures = 0;
  async receive(messages: InboundMessage[]) {
    if (this.failures > 0) {
      this.failures--;
      throw new UnavailableError('the message could not be stored right now; send it again', 5);
    }
    this.received.push(...messages);
    return messages.map(() => ({ accepted: true, duplicate: false }));
  }
}

interface Rig {
  poller: TelegramPoller;
  intake: RecordingIntake;
  saved: number[];
  calls: string[];
  logs: LogLines;
  registry: Registry;
}

function rig(fake: FakeTelegram, options: { lease?: PollerLease; offset?: number; timings?: Partial<TelegramTimings> } = {}): Rig {
  const logs = new LogLines();
  const logger = createLogger({ level: 'debug', destination: logs });
  const registry = new Registry();
  const metrics = createTelegramMetrics(registry);
  const intake = new RecordingIntake();
  const saved: number[] = options.offset !== undefined ? [options.offset] : [];
  const calls: string[] = [];
  const timings = { ...TIMINGS, ...options.timings };
  const api = new TelegramBotApi({
    apiUrl: fake.url,
    token: FAKE_BOT_TOKEN,
    requestTimeoutMs: timings.requestTimeoutMs,
    fetch: (url, init) => (calls.push(String(url).split('/').pop()!), fetch(url, init)),
  });
  const poller = new TelegramPoller({
    api,
    updates: new TelegramUpdateIntake({ botId: FAKE_BOT_ID, allowGroups: false, metrics, logger, intake: () => intake }),
    offsets: { load: async () => saved.at(-1), save: async (n) => void saved.push(n) },
    lease: options.lease ?? new LocalPollerLease(),
    timings,
    metrics,
    logger,
  });
  return { poller, intake, saved, calls, logs, registry };
}

describe('telegram long polling', () => {
  let fake: FakeTelegram;
  let running: TelegramPoller[] = [];
  const start = (r: Rig) => (running.push(r.poller), r.poller.start(), r);

  beforeEach(async () => {
    fake = await startFakeTelegram();
  });
  afterEach(async () => {
    await Promise.all(running.map((p) => p.stop()));
    running = [];
    await fake.close();
  });

  it('deletes the webhook first, then long-polls and confirms updates only after storing them', async () => {
    fake.webhook = { url: 'https://old.example/webhooks/telegram', max_connections: 40 };
    const r = start(rig(fake));
    await fake.waitFor(() => fake.calls('getUpdates').length === 1, 'the first long poll');
    const first = textUpdate(MARIA, 'oi');
    const second = textUpdate(MARIA, 'sim');
    fake.queue(first, second);
    await fake.waitFor(() => r.intake.received.length === 2 && fake.calls('getUpdates').length >= 2, 'the updates stored');

    expect(fake.requests.slice(0, 3).map((q) => [q.method, q.body])).toEqual([
      ['deleteWebhook', { drop_pending_updates: false }],
      ['getUpdates', { timeout: 1, allowed_updates: ['message', 'callback_query'] }],
      ['getUpdates', { offset: (second.update_id as number) + 1, timeout: 1, allowed_updates: ['message', 'callback_query'] }],
    ]);
    expect(fake.webhook).toBeNull();
    expect(r.intake.received.map((m) => m.text)).toEqual(['oi', 'sim']);
    expect(r.saved).toEqual([(second.update_id as number) + 1]);
    expect(fake.pending()).toEqual([]);
    expect(r.poller.health()).toEqual({ status: 'up', detail: 'polling' });
  });

  it('resumes from the saved offset', async () => {
    start(rig(fake, { offset: 4242 }));
    await fake.waitFor(() => fake.calls('getUpdates').length === 1, 'the first long poll');
    expect(fake.calls('getUpdates')[0]).toEqual({ offset: 4242, timeout: 1, allowed_updates: ['message', 'callback_query'] });
  });

  it('stop() ends a held long poll at once', async () => {
    const r = start(rig(fake, { timings: { pollTimeoutS: 20, pollRequestTimeoutMs: 25_000 } }));
    await fake.waitFor(() => fake.calls('getUpdates').length === 1, 'the long poll');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await r.poller.stop();
    expect(Date.now() - started).toBeLessThan(500);
    await fake.waitFor(() => fake.abortedPolls === 1, 'the held poll to be dropped by the client', 2_000);
    expect(fake.calls('getUpdates')).toHaveLength(1);
  });

  it('keeps the offset when the intake cannot store the updates, and fetches them again', async () => {
    const r = rig(fake);
    r.intake.failures = 1;
    const update = textUpdate(MARIA, 'oi');
    fake.queue(update);
    start(r);
    await fake.waitFor(() => r.intake.received.length === 1, 'the update stored on the second try');
    const polls = fake.calls('getUpdates');
    expect(polls[0]).toEqual({ timeout: 1, allowed_updates: ['message', 'callback_query'] });
    expect(polls[1]).toEqual({ timeout: 1, allowed_updates: ['message', 'callback_query'] });
    await fake.waitFor(() => r.saved.length === 1, 'the offset saved');
    expect(r.saved).toEqual([(update.update_id as number) + 1]);
  });

  it('skips updates it cannot read or does not handle, moving past them', async () => {
    const r = start(rig(fake));
    const good = textUpdate(MARIA, 'oi');
    fake.queue({ update_id: (good.update_id as number) - 2, message: { message_id: 'garbled' } }, { update_id: (good.update_id as number) - 1, edited_message: {} }, good);
    await fake.waitFor(() => r.saved.length === 1, 'the offset saved');
    expect(r.intake.received.map((m) => m.text)).toEqual(['oi']);
    expect(r.saved).toEqual([(good.update_id as number) + 1]);
    const updates = (await r.registry.getMetricsAsJSON()).find((m) => m.name === 'atende_telegram_updates_total')!;
    expect(Object.fromEntries(updates.values.map((v) => [v.labels.outcome, v.value]))).toEqual({ accepted: 1, ignored: 1, malformed: 1 });
    expect(r.logs.text).toContain('telegram_update_malformed');
  });

  it('deletes a webhook set while polling (409) and goes on', async () => {
    const r = start(rig(fake));
    await fake.waitFor(() => fake.calls('getUpdates').length === 1, 'the first long poll');
    fake.webhook = { url: 'https://other.example/hook', max_connections: 40 };
    fake.queue(textUpdate(MARIA, 'oi'));
    // The held poll answers with the update; the next one meets the webhook.
    await fake.waitFor(() => fake.calls('deleteWebhook').length === 2, 'the webhook deleted again');
    fake.queue(textUpdate(MARIA, 'sim'));
    await fake.waitFor(() => r.intake.received.length === 2, 'polling resumed');
  });

  it('backs off while another process polls the bot (409), reports it, and recovers', async () => {
    fake.failNext('getUpdates', telegramErrors.otherPoller(), telegramErrors.otherPoller());
    const r = start(rig(fake));
    await fake.waitFor(() => fake.calls('getUpdates').length >= 2, 'the conflicting polls');
    expect(r.poller.health()).toEqual({ status: 'degraded', detail: 'another process is polling this bot (409 Conflict)' });
    fake.queue(textUpdate(MARIA, 'oi'));
    await fake.waitFor(() => r.intake.received.length === 1, 'polling resumed');
    const at = fake.requests.filter((q) => q.method === 'getUpdates').map((q) => q.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(140);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(140);
    expect(r.poller.health()).toEqual({ status: 'up', detail: 'polling' });
    const polls = (await r.registry.getMetricsAsJSON()).find((m) => m.name === 'atende_telegram_polls_total')!;
    expect(polls.values.find((v) => v.labels.outcome === 'conflict')?.value).toBe(2);
  });

  it('reports degraded health while Telegram keeps failing, without the token in any log line', async () => {
    const r = start(rig(fake, { timings: { pollRequestTimeoutMs: 100, backoffMinMs: 50, backoffMaxMs: 50 } }));
    fake.failNext('getUpdates', ...Array.from({ length: 200 }, () => telegramErrors.internal()));
    await fake.waitFor(() => fake.calls('getUpdates').length >= 3, 'failed polls');
    const health = r.poller.health();
    expect(health).toEqual({ status: 'degraded', detail: 'telegram getUpdates: 500 Internal Server Error' });
    expect(r.logs.text).toContain('telegram_poll_failed');
    expect(r.logs.text).not.toContain(FAKE_BOT_TOKEN.split(':')[1]);
  });

  it('waits as long as a 429 says before polling again', async () => {
    fake.failNext('getUpdates', telegramErrors.tooManyRequests(1));
    start(rig(fake));
    await fake.waitFor(() => fake.calls('getUpdates').length === 2, 'the poll after the wait', 5_000);
    const at = fake.requests.filter((q) => q.method === 'getUpdates').map((q) => q.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
  });
});

describe('telegram poller lease on Redis', () => {
  let fake: FakeTelegram;
  let redis: Redis;
  const namespace = `atende:test-telegram-${randomUUID()}`;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await fake?.close();
    await redis?.quit();
  });

  it('lets one replica poll; another takes over when it stops', async () => {
    const a = rig(fake, { lease: new RedisPollerLease(redis, namespace, FAKE_BOT_ID, TIMINGS.leaseMs) });
    const b = rig(fake, { lease: new RedisPollerLease(redis, namespace, FAKE_BOT_ID, TIMINGS.leaseMs) });
    a.poller.start();
    await fake.waitFor(() => a.calls.includes('getUpdates'), 'the first replica polling');
    b.poller.start();
    // Longer than two lease lengths: the lease is renewed, the second replica stays out.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(b.calls).toEqual([]);
    expect(b.poller.health()).toEqual({ status: 'up', detail: 'standby: another replica polls Telegram' });
    expect(fake.pollConflicts).toBe(0);

    fake.queue(textUpdate(MARIA, 'oi'));
    await fake.waitFor(() => a.intake.received.length === 1, 'the holder to take the update');
    await a.poller.stop();
    await fake.waitFor(() => b.calls.includes('getUpdates'), 'the second replica taking over', 3_000);
    fake.queue(textUpdate(MARIA, 'sim'));
    await fake.waitFor(() => b.intake.received.length === 1, 'the new holder to take the next update');
    expect(b.intake.received.map((m) => m.text)).toEqual(['sim']);
    expect(fake.pollConflicts).toBe(0);
    await b.poller.stop();
  });
});
