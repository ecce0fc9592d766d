// Opens the database the configuration asks for: PostgreSQL when DATABASE_URL is set,
// otherwise the embedded PGlite under DATA_DIR. Everything above this file sees one
// PrismaClient and does not care which.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { applyMigrations } from './migrations.ts';
import { postgresRunner } from './postgres.ts';
import type { SqlRunner } from './sql-runner.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  kind: DatabaseKind;
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
  const pglite = await openPglite(options.dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const sql = pgliteRunner(pglite);
  return {
    kind: 'pglite',
    prisma,
    sql,
    migrate: () => applyMigrations(sql),
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/** Where the embedded database keeps its files. */
export const pgliteDir = (dataDir: string) => path.join(dataDir, 'pglite');
