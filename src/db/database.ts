// Opens the database the configuration asks for: PostgreSQL when DATABASE_URL is set,
// otherwise the embedded PGlite under DATA_DIR. This is the only place a connection is made:
// on PostgreSQL one pool per process, shared by Prisma's adapter, the SQL helper (`query`) and
// the migration runner; on PGlite its single in-process connection. Everything above sees one
// Database and does not care which.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { type DataDirLock, lockDataDir } from './data-dir-lock.ts';
import { tightenModes } from './data-dir-modes.ts';
import { type CopyFormat, copyOut } from './copy-out.ts';
import { applyMigrations } from './migrations.ts';
import { createPool, postgresRunner } from './postgres.ts';
import { PreparedNames } from './prepared-names.ts';
import { compile, type Fragment, type SqlClient } from './sql.ts';
import type { SqlRunner } from './sql-runner.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database extends SqlClient {
  kind: DatabaseKind;
  /** The embedded database's directory (absolute); undefined on PostgreSQL and in memory. */
  dataDir?: string;
  prisma: PrismaClient;
  /** Statements given as text (migrations, the export's batches): the same connections. */
  sql: SqlRunner;
  /** Runs one sql`` statement (src/db/sql.ts) — what repositories use. */
  query<T>(statement: Fragment): Promise<T[]>;
  /** PostgreSQL only: `COPY (query) TO STDOUT` as a byte stream (copy-out.ts). */
  copyOut?(query: Fragment, format?: CopyFormat): Promise<Readable>;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  /** Embedded data directory; undefined with no databaseUrl → in-memory PGlite. */
  dataDir?: string;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = createPool(options.databaseUrl, options.poolSize ?? 10);
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const sql = postgresRunner(pool);
    const preparedNames = new PreparedNames();
    return {
      kind: 'postgres',
      prisma,
      sql,
      query: async <T>(statement: Fragment) => {
        const s = compile(statement);
        if (!s.prepare) return (await pool.query(s.text, s.values)).rows as T[];
        return (await pool.query({ name: preparedNames.nameOf(s.text), text: s.text, values: s.values })).rows as T[];
      },
      copyOut: (query: Fragment, format?: CopyFormat) => copyOut(pool, query, format),
      migrate: () => applyMigrations(sql),
      ping: async () => void (await pool.query('SELECT 1')),
      close: async () => {
        try {
          await prisma.$disconnect();
        } finally {
          await pool.end();
        }
      },
    };
  }
  // The embedded engine and its adapter (~4 MB of heap, and PGlite's WASM) load only here:
  // a PostgreSQL deployment never pays for them.
  const [{ openPglite, pgliteRunner }, { PrismaPGlite }] = await Promise.all([import('./pglite.ts'), import('pglite-prisma-adapter')]);
  // Before PGlite reads a single file: a second process must not even open the directory.
  let lock: DataDirLock | undefined;
  if (options.dataDir) {
    await mkdir(path.dirname(path.resolve(options.dataDir)), { recursive: true, mode: 0o700 });
    lock = lockDataDir(options.dataDir);
  }
  try {
    const pglite = await openPglite(options.dataDir);
    // PGlite chmods the files it creates 0666 whatever the umask; ours to keep private.
    if (options.dataDir) await tightenModes(options.dataDir);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    const sql = pgliteRunner(pglite);
    return {
      kind: 'pglite',
      dataDir: options.dataDir && path.resolve(options.dataDir),
      prisma,
      sql,
      query: <T>(statement: Fragment) => {
        const s = compile(statement);
        return sql.query(s.text, s.values) as Promise<T[]>;
      },
      migrate: () => applyMigrations(sql),
      ping: async () => void (await pglite.query('SELECT 1')),
      close: async () => {
        try {
          await prisma.$disconnect();
          await pglite.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** Where the embedded database keeps its files. */
export const pgliteDir = (dataDir: string) => path.join(dataDir, 'pglite');
