// Redis connections for the scaled mode. Redis speeds things up (dedupe fast path, locks,
// queue kicks) but is never the authority — the database keys are — so every client here
// fails fast instead of queueing commands while Redis is away, and the callers fall back.
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

const COMMON: RedisOptions = {
  lazyConnect: true,
  connectTimeout: 2_000,
  // Reconnect forever, at most every 2 s: Redis coming back must be picked up by itself.
  retryStrategy: (times) => Math.min(100 * times, 2_000),
  maxRetriesPerRequest: 1,
};

export interface RedisClients {
  /**
   * Prefix of every key and channel: `atende:<database name>`. Replicas of one deployment
   * share their database, hence the prefix; two deployments (or test runs) sharing one Redis
   * do not see each other's kicks, locks and marks.
   */
  namespace: string;
  /** Short commands (dedupe, XADD, locks): fail in 1 s rather than stall a request. */
  commands: Redis;
  /** Blocking reads of the kick stream (XREADGROUP BLOCK). */
  blocking: Redis;
  /** Pub/sub subscriptions (web chat events). */
  subscriber: Redis;
  /** Whether the command connection is up right now. */
  ready(): boolean;
  close(): Promise<void>;
}

/** The key namespace for a deployment whose database is at `databaseUrl` (embedded: none). */
export function redisNamespace(databaseUrl: string | undefined): string {
  const name = databaseUrl ? decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) : '';
  return `atende:${name || 'embedded'}`;
}

export async function connectRedis(url: string, logger: Logger, namespace: string): Promise<RedisClients> {
  // Loaded here, not at start: the embedded mode runs without Redis and skips its ~80 ms.
  const { Redis } = await import('ioredis');
  // Auto-pipelining: commands issued in the same tick by concurrent workers (locks, acks,
  // marks) leave in one write — syscalls are what this path spends its time on.
  const commands = new Redis(url, { ...COMMON, commandTimeout: 1_000, enableOfflineQueue: false, enableAutoPipelining: true, connectionName: 'atende-commands' });
  const blocking = new Redis(url, { ...COMMON, enableOfflineQueue: false, connectionName: 'atende-blocking' });
  // Subscriptions are re-sent by ioredis after a reconnect; queueing them while away is fine.
  const subscriber = new Redis(url, { ...COMMON, maxRetriesPerRequest: null, connectionName: 'atende-subscriber' });
  let downSince = 0;
  for (const client of [commands, blocking, subscriber]) {
    // Without a listener, ioredis would print every reconnect failure to stderr.
    client.on('error', (err: Error) => {
      if (client === commands && Date.now() - downSince > 30_000) {
        downSince = Date.now();
        logger.warn({ event: 'redis_unavailable', err: { message: err.message } }, 'redis unavailable; running on database keys only');
      }
    });
  }
  commands.on('ready', () => {
    if (downSince) logger.info({ event: 'redis_available' }, 'redis reachable again');
    downSince = 0;
  });
  // A Redis that is down at start-up must not stop the process: it is a speed-up.
  await Promise.all([commands, blocking, subscriber].map((c) => c.connect().catch(() => {})));
  return {
    namespace,
    commands,
    blocking,
    subscriber,
    ready: () => commands.status === 'ready',
    async close() {
      // disconnect() rather than quit(): quit waits for a reply that a dead Redis never sends.
      for (const client of [commands, blocking, subscriber]) client.disconnect();
    },
  };
}
