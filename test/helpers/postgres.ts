// Each test file gets its own PostgreSQL database on the real server (created here, dropped
// after), so files can run in parallel without seeing each other's rows.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'atende_t'): Promise<TestDatabase> {
  // The creation time in the name lets a later run drop only databases that are clearly
  // abandoned, never those of a test run going on at the same time.
  const name = `${prefix}_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await dropRedisNamespace(name);
    },
  };
}

/**
 * Deletes the Redis keys of an app that ran on the database `name` (seen marks, kicks,
 * locks: src/locks/redis.ts names them `atende:<database>:…`); they would otherwise sit out
 * their TTL — benchmarks leave ~100k marks a run. Best effort: a Redis that is down (some
 * tests stop their own) is simply skipped.
 */
export async function dropRedisNamespace(name: string): Promise<void> {
  const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1_000, enableOfflineQueue: false });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `atende:${name}:*`, 'COUNT', 1_000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis away: nothing to tidy that we can reach.
  } finally {
    redis.disconnect();
  }
}

/** Drops databases left behind (over an hour ago) by test runs that were killed. */
export async function dropStaleTestDatabases(prefix = 'atende_t_', maxAgeSeconds = 3600): Promise<void> {
  const cutoff = Math.floor(Date.now() / 1000) - maxAgeSeconds;
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${prefix}%`]);
    for (const { datname } of rows) {
      const created = Number(/_(\d{10})_/.exec(datname)?.[1] ?? 0);
      if (created < cutoff) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}
