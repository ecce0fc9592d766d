// docs/operations.md's PGlite → PostgreSQL move, end to end: an embedded instance with users,
// contacts and audit entries is stopped, moved with `npm run db:pglite-to-postgres`, and an
// instance on PostgreSQL then has the same data, the same admin login, and keeps working
// (new rows get ids past the copied ones).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { startTestApp } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

describe('moving the embedded database to PostgreSQL', () => {
  let dataDir: string;
  let db: TestDatabase;
  const created: ContactDto[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'atende-move-'));
    db = await createTestDatabase();
    const embedded = await startTestApp({ backend: 'pglite', dataDir });
    const token = await embedded.login();
    for (const [name, phone] of [['Maria Mudança', '11 94444-0001'], ['José Mudança', '11 94444-0002']]) {
      const res = await embedded.atende.http.inject({ method: 'POST', url: '/contacts', headers: { authorization: `Bearer ${token}` }, payload: { name, phone, reason: 'mudança de banco' } });
      created.push(res.json<ContactDto>());
    }
    await embedded.close();
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('copies everything, and the PostgreSQL instance carries on', async () => {
    const run = () => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pglite-to-postgres.ts'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, DATABASE_URL: db.url }, encoding: 'utf8', timeout: 60_000 });
    const moved = run();
    expect(moved.stderr).toBe('');
    expect(moved.status).toBe(0);
    expect(moved.stdout).toMatch(/contacts\s+2 rows/);

    const onPostgres = await startTestApp({ backend: 'postgres', database: db });
    try {
      const token = await onPostgres.login();
      const list = await onPostgres.atende.http.inject({ method: 'GET', url: '/contacts', headers: { authorization: `Bearer ${token}` } });
      const items = list.json<{ items: ContactDto[] }>().items;
      expect(items.map((c) => [c.id, c.name, c.phone, c.createdAt]).sort()).toEqual(created.map((c) => [c.id, c.name, c.phone, c.createdAt]).sort());
      const audit = await onPostgres.atende.http.inject({ method: 'GET', url: '/audit?action=contact.create', headers: { authorization: `Bearer ${token}` } });
      expect(audit.json<{ items: unknown[] }>().items.length).toBe(2);
      // Sequences moved past the copied ids: new audit rows and contacts just work.
      const more = await onPostgres.atende.http.inject({ method: 'POST', url: '/contacts', headers: { authorization: `Bearer ${token}` }, payload: { name: 'Nova Pessoa', phone: '11 94444-0003', reason: 'depois da mudança' } });
      expect(more.statusCode).toBe(201);
    } finally {
      await onPostgres.close();
    }

    // A second run refuses: the target is no longer empty, and nothing is written.
    const again = run();
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
  }, 90_000);
});
