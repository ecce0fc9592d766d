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

/** The process's one PostgreSQL pool, shared by Prisma's adapter and the SQL helper. */
export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
  // An idle connection dropped by the server (restart, outage) must not crash the process;
  // the next query gets a fresh one or fails, and its caller handles that.
  pool.on('error', () => {});
  return pool;
}

/** Raw SQL on the pool; an exclusive session holds one of its connections for its length. */
export function postgresRunner(pool: pg.Pool): SqlRunner {
  return {
    exec: async (sql) => void (await pool.query(sql)),
    query: async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await pool.query<T>(sql, params)).rows,
    withExclusiveSession: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          return await fn(clientRunner(client));
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
  };
}
