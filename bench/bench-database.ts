// A benchmark's own PostgreSQL database with N seeded contacts, reused between runs when
// asked (`--reuse`): seeding 1M rows takes about a minute.
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { seedContacts } from './seed.ts';

const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export const benchDatabaseUrl = (name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function contactCount(name: string): Promise<number> {
  const exists = await withClient(adminUrl, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  if (!exists.rowCount) return 0;
  return withClient(benchDatabaseUrl(name), (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM contacts')).then(
    (r) => Number(r.rows[0]?.n),
    () => 0,
  );
}

/** Makes database `name` hold exactly `rows` seeded contacts; returns its URL. */
export async function prepareBenchDatabase(name: string, rows: number, reuse: boolean): Promise<string> {
  const url = benchDatabaseUrl(name);
  if (reuse) {
    const n = await contactCount(name);
    if (n === rows) {
      console.log(`reusing ${name}: ${n.toLocaleString('en')} contacts`);
      return url;
    }
  }
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const db = await openDatabase({ databaseUrl: url });
  await db.migrate();
  await db.close();
  let shown = 0;
  const seeded = await seedContacts(url, rows, {
    // Safe only because nobody else uses this database while it is seeded.
    rebuildIndexes: true,
    onProgress: (done) => {
      if (done - shown >= 100_000 || done === rows) {
        shown = done;
        process.stdout.write(`\rseeding… ${done.toLocaleString('en')} / ${rows.toLocaleString('en')}`);
      }
    },
  });
  console.log(`\nseeded ${seeded.inserted.toLocaleString('en')} contacts in ${(seeded.ms / 1000).toFixed(1)} s (indexes rebuilt, ANALYZE done)`);
  return url;
}
