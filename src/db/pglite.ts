import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { SqlRunner } from './sql-runner.ts';

// PostgreSQL's defaults size shared_buffers for a server (128 MB); in PGlite that is WASM
// memory the one process keeps resident. 16 MB holds this app's hot pages (contacts index,
// pipeline rows) and halves the idle RSS of a warm start (315 → 164 MB measured, PGlite alone);
// cold pages still come from the OS page cache. Passed at every start, so existing data
// directories get it too (postgresql.conf is only written at initdb).
const MEMORY_PARAMS = ['-c', 'shared_buffers=16MB', '-c', 'temp_buffers=4MB', '-c', 'wal_buffers=1MB', '-c', 'maintenance_work_mem=16MB'];

/**
 * Opens the embedded database. `dataDir` undefined → in memory (tests, throwaway diffs).
 * PGlite is single-connection and single-process: two processes must never open one dir.
 */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = new PGlite({ dataDir, extensions: { pg_trgm, btree_gin }, startParams: [...PGlite.defaultStartParams, ...MEMORY_PARAMS] });
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
