// Opens the database the configuration asks for: PostgreSQL when DATABASE_URL is set,
// otherwise the embedded PGlite under DATA_DIR. Everything above this file sees one
// PrismaClient and does not care which.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { type DataDirLock, lockDataDir } from './data-dir-lock.ts';
import { tightenModes } from './data-dir-modes.ts';
import { applyMigrations } from './migrations.ts';
import { postgresRunner } from './postgres.ts';
import type { SqlRunner } from './sql-runner.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  kind: DatabaseKind;
  /** The embedded database's directory (absolute); undefined on PostgreSQL and in memory. */
  dataDir?: string;
  prisma: PrismaClient;
  /** Raw SQL for the few things Prisma cannot express (migrations, cursors). */
  sql: SqlRunner;
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
    const url = options.databaseUrl;
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 }),
    });
    const sql = postgresRunner(url);
    return {
      kind: 'postgres',
      prisma,
      sql,
      migrate: () => applyMigrations(sql),
      ping: async () => void (await prisma.$queryRaw`SELECT 1`),
      close: () => prisma.$disconnect(),
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
      migrate: () => applyMigrations(sql),
      ping: async () => void (await prisma.$queryRaw`SELECT 1`),
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
