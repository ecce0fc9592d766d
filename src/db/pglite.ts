import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { SqlRunner } from './sql-runner.ts';

/**
 * Opens the embedded database. `dataDir` undefined → in memory (tests, throwaway diffs).
 * PGlite is single-connection and single-process: two processes must never open one dir.
 */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = new PGlite({ dataDir, extensions: { pg_trgm } });
  await db.waitReady;
  return db;
}

export function pgliteRunner(db: PGlite): SqlRunner {
  const runner: SqlRunner = {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    // One connection, one process: PGlite already serializes everything.
    withExclusiveSession: (fn) => fn(runner),
  };
  return runner;
}
