import pg from 'pg';
import type { SqlRunner } from './sql-runner.ts';

// Arbitrary but fixed: every replica migrating the same database takes this advisory lock.
const MIGRATION_LOCK_KEY = 7_274_823_551;

function clientRunner(client: pg.ClientBase): SqlRunner {
  const runner: SqlRunner = {
    async exec(sql) {
      await client.query(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query<T>(sql, params)).rows;
    },
    withExclusiveSession: (fn) => fn(runner),
  };
  return runner;
}

/** Raw SQL on a PostgreSQL URL, one short-lived connection per exclusive session. */
export function postgresRunner(connectionString: string): SqlRunner {
  const withClient = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    exec: (sql) => withClient(async (c) => void (await c.query(sql))),
    query: <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      withClient(async (c) => (await c.query<T>(sql, params)).rows),
    withExclusiveSession: (fn) =>
      withClient(async (client) => {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          return await fn(clientRunner(client));
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      }),
  };
}
