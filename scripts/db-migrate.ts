#!/usr/bin/env tsx
// Applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR.
// (The server also does this at every start; this script is for deploy pipelines.)
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config/env.ts';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import { OWNER_ONLY_UMASK } from '../src/db/data-dir-modes.ts';
import { openDatabase, pgliteDir } from '../src/db/database.ts';

process.umask(OWNER_ONLY_UMASK);
try {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: pgliteDir(path.resolve(config.DATA_DIR)), poolSize: 1 });
  try {
    const applied = await db.migrate();
    console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
  process.exit(0);
} catch (err) {
  const known = err instanceof ConfigError || err instanceof DataDirLockedError;
  console.error(known ? `atende: ${(err as Error).message}` : `migration failed: ${(err as Error).message}`);
  process.exit(1);
}
