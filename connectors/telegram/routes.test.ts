// The webhook route on the app's HTTP stack (problem+json, auth guard) with an intake that
// fails the way the real one does when the database is down: Telegram must get a 503 (and
// redeliver later), not a 200 that would lose the update. Before start() the same.
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN } from '../../test/helpers/fake-telegram.ts';
import { textUpdate } from '../../test/helpers/telegram-chat.ts';
import { UnavailableError, UnauthorizedError } from '../../src/domain/errors.ts';
import { createHttpServer, type HttpServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import type { Connector, Intake } from '../types.ts';
import { createTelegramConnector } from './index.ts';

const SECRET = 'unit-secret-123';
const sink = new Writable({ write: (_c, _e, done) => done() });

async function build(): Promise<{ http: HttpServer; connector: Connector; registry: Registry }> {
  const logger = createLogger({ level: 'silent', destination: sink });
  const registry = new Registry();
  const connector = createTelegramConnector({
    config: { token: FAKE_BOT_TOKEN, botId: '123456789', apiUrl: 'http://127.0.0.1:1', mode: 'webhook', webhookSecret: SECRET, allowGroups: false },
    prisma: undefined as never,
    registry,
    logger,
  });
  const http = await createHttpServer({
    logger,
    metrics: createMetrics(),
    auth: { verifyAccessToken: async () => Promise.reject(new UnauthorizedError()), staffSessionValid: async () => false },
    bodyLimit: 1_000_000,
    version: 'test',
    trustProxy: false,
  });
  await http.register(connector.routes!);
  await http.ready();
  return { http, connector, registry };
}

const failing: Intake = {
  receive: async () => {
    throw new UnavailableError('the message could not be stored right now; send it again', 5);
  },
};

describe('telegram webhook when the intake cannot store', () => {
  let http: HttpServer | undefined;
  afterEach(async () => {
    await http?.close();
  });

  const post = (server: HttpServer) =>
    server.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'x-telegram-bot-api-secret-token': SECRET }, payload: textUpdate({ id: 5, first_name: 'Ana' }, 'oi') });

  it('answers 503 problem+json, so Telegram redelivers', async () => {
    const built = await build();
    http = built.http;
    await built.connector.start({ intake: failing, deliveryStatus: { record: async () => false }, logger: createLogger({ level: 'silent', destination: sink }), runsWorkers: true });
    const res = await post(http);
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 503, code: 'unavailable', retryAfter: 5 });
    const updates = (await built.registry.getMetricsAsJSON()).find((m) => m.name === 'atende_telegram_updates_total')!;
    expect(updates.values.map((v) => [v.labels.outcome, v.value])).toEqual([['unavailable', 1]]);
  });

  it('answers 503 before the channel started', async () => {
    const built = await build();
    http = built.http;
    expect((await post(http)).statusCode).toBe(503);
  });

  it('refuses an unauthenticated call with 401 whatever its body', async () => {
    const built = await build();
    http = built.http;
    const res = await http.inject({ method: 'POST', url: '/webhooks/telegram', payload: { blob: 'x'.repeat(100_000) } });
    expect(res.statusCode).toBe(401);
  });
});
