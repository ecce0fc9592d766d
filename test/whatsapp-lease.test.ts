// Two replicas with REDIS_URL share one WhatsApp login: only the lease holder opens a socket;
// the other stands by (and says so) and takes over when the holder stops or goes silent.
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsappConnector } from '../connectors/whatsapp/index.ts';
import { DEFAULT_BACKOFF } from '../connectors/whatsapp/reconnect-policy.ts';
import type { Connector, ConnectorContext } from '../connectors/types.ts';
import { ConnectorSendError } from '../connectors/types.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { connectRedis, type RedisClients } from '../src/locks/redis.ts';
import { fakeSocketFactory } from './helpers/fake-whatsapp-socket.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from './helpers/postgres.ts';

const logger = pino({ level: 'silent' });
const LEASE = { leaseMs: 1_500, extendEveryMs: 400, retryMs: 200 };
const context: ConnectorContext = { intake: { receive: async () => [] }, deliveryStatus: { record: async () => true }, logger, runsWorkers: true };

interface Replica {
  connector: Connector;
  sockets: ReturnType<typeof fakeSocketFactory>;
  redis: RedisClients;
}

async function waitFor(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What GET /channels/whatsapp/{status,qr} answer on that replica. */
const ask = async (r: Replica, what: 'status' | 'qr') => {
  const app = Fastify().setValidatorCompiler(validatorCompiler).setSerializerCompiler(serializerCompiler);
  await app.register(r.connector.routes!);
  const res = await app.inject({ url: `/channels/whatsapp/${what}` });
  await app.close();
  return res;
};
const stateOf = async (r: Replica) => (await ask(r, 'status')).json<{ state: string; source: string }>();

describe('WhatsApp socket lease over Redis', () => {
  let pg: TestDatabase;
  let db: Database;
  const namespace = `atende:wa-lease-${process.pid}-${Date.now()}`;
  const replicas: Replica[] = [];

  async function replica(): Promise<Replica> {
    const sockets = fakeSocketFactory();
    const redis = await connectRedis(REDIS_TEST_URL, logger, namespace);
    const connector = createWhatsappConnector({
      prisma: db.prisma,
      config: { session: 'shared', allowGroups: false, printQr: false, backoff: DEFAULT_BACKOFF, lease: LEASE },
      logger,
      registry: new Registry(),
      redis,
      socketFactory: sockets.factory,
    });
    const r = { connector, sockets, redis };
    replicas.push(r);
    await connector.start(context);
    return r;
  }

  beforeAll(async () => {
    pg = await createTestDatabase();
    db = await openDatabase({ databaseUrl: pg.url, poolSize: 2 });
    await db.migrate();
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.connector.stop().catch(() => {});
      await r.redis.close();
    }
    await db?.close();
    await pg?.drop();
  });

  it('one holder at a time; the standby takes over when the holder stops', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    await waitFor(() => a.sockets.sockets.length + b.sockets.sockets.length > 0, 'a socket');
    await new Promise((r) => setTimeout(r, 3 * LEASE.retryMs));
    const [holder, standby] = a.sockets.sockets.length ? [a, b] : [b, a];
    expect(holder.sockets.sockets).toHaveLength(1);
    expect(standby.sockets.sockets).toHaveLength(0);
    // Any replica answers the admin routes with the holder's state and QR.
    holder.sockets.sockets[0]!.showQr('2@shared-qr');
    await waitFor(async () => (await stateOf(standby)).state === 'qr', 'the relayed QR state');
    expect(await stateOf(standby)).toMatchObject({ state: 'qr', source: 'lease-holder' });
    const qr = await ask(standby, 'qr');
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toBe('image/png');
    holder.sockets.sockets[0]!.open();
    expect(await stateOf(holder)).toMatchObject({ state: 'connected', source: 'local' });
    await waitFor(async () => (await stateOf(standby)).state === 'connected', 'the relayed connected state');
    expect(await standby.connector.health()).toEqual({ status: 'degraded', detail: 'another replica holds the WhatsApp socket' });
    const refused = await standby.connector.sendText('203456789012345@lid', 'oi', 'k1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectorSendError);
    expect(refused).toMatchObject({ code: 'standby', transient: true, elsewhere: true });

    await holder.connector.stop();
    expect(holder.sockets.sockets[0]!.ended).toBe(true);
    await waitFor(() => standby.sockets.sockets.length === 1, 'the standby to connect', 3_000);
    standby.sockets.sockets[0]!.open();
    expect(await stateOf(standby)).toMatchObject({ state: 'connected', source: 'local' });
    await expect(standby.connector.sendText('203456789012345@lid', 'oi', 'k1')).resolves.toMatchObject({ providerMessageId: expect.any(String) });
  });

  it('a holder that goes silent (no Redis) drops its socket, and another replica takes over after the lease expires', async () => {
    const current = replicas.find((r) => r.sockets.sockets.length === 1 && !r.sockets.sockets[0]!.ended)!;
    const fresh = await replica();
    await new Promise((r) => setTimeout(r, 3 * LEASE.retryMs));
    expect(fresh.sockets.sockets).toHaveLength(0);

    const cutAt = Date.now();
    current.redis.commands.disconnect();
    await waitFor(() => fresh.sockets.sockets.length === 1, 'the takeover', 6_000);
    // Not before the old lease ran out: never two sockets at once.
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(LEASE.leaseMs - LEASE.extendEveryMs - 100);
    await waitFor(() => current.sockets.sockets[0]!.ended, 'the silent holder to close its socket', 3_000);
    expect(await current.connector.health()).toMatchObject({ status: 'degraded' });
    expect(await current.connector.sendText('203456789012345@lid', 'oi', 'k9').catch((e: unknown) => e)).toMatchObject({ code: 'standby' });
  });
});
