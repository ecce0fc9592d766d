// npm run db:pglite-to-postgres — moves the embedded database (DATA_DIR/pglite) into the empty
// PostgreSQL database at DATABASE_URL. Stop atende first (PGlite allows one process).
// See docs/operations.md, "Moving from the embedded PGlite to PostgreSQL".
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import { OWNER_ONLY_UMASK } from '../src/db/data-dir-modes.ts';
import { pgliteDir } from '../src/db/database.ts';
import { movePgliteToPostgres } from '../src/db/pglite-to-postgres.ts';

process.umask(OWNER_ONLY_UMASK);
const dataDir = path.resolve(process.env.DATA_DIR || './data');
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to the (empty) PostgreSQL database to move into.');
  process.exit(1);
}
if (!existsSync(pgliteDir(dataDir))) {
  console.error(`No embedded database at ${pgliteDir(dataDir)} (set DATA_DIR).`);
  process.exit(1);
}
try {
  const report = await movePgliteToPostgres(pgliteDir(dataDir), url);
  for (const t of report.tables) console.log(`  ${t.name.padEnd(28)} ${t.rows} rows`);
  console.log('Done. Start atende with this DATABASE_URL (keep JWT_SECRET = the contents of DATA_DIR/jwt-secret to keep sessions).');
  process.exit(0);
} catch (err) {
  if (err instanceof DataDirLockedError) {
    console.error(`atende: ${err.message}`);
    process.exit(1);
  }
  console.error(`Move failed, nothing was written: ${(err as Error).message}`);
  process.exit(1);
}
