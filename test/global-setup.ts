import pg from 'pg';
import { dropStaleTestDatabases, PG_ADMIN_URL } from './helpers/postgres.ts';

// Integration tests need the real PostgreSQL (and Redis) of ENVIRONMENT.md; fail loudly
// and early with the command that starts it instead of timing out in every test.
export default async function setup() {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message}). Start it with: ` +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: err },
    );
  } finally {
    await client.end().catch(() => {});
  }
  await dropStaleTestDatabases();
}
