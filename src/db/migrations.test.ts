import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { openDatabase } from './database.ts';
import { applyMigrations, readMigrations } from './migrations.ts';
import { openPglite, pgliteRunner } from './pglite.ts';
import { createPool, postgresRunner } from './postgres.ts';

const TABLES = ['_prisma_migrations', 'audit_log', 'chat_identities', 'contacts', 'refresh_tokens', 'users'];

describe('migrations on an empty PostgreSQL database', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase();
  });
  afterAll(() => pg.drop());

  it('apply every migration once, then nothing the second time', async () => {
    const runner = postgresRunner(createPool(pg.url, 2));
    const all = await readMigrations();
    expect(await applyMigrations(runner)).toEqual(all.map((m) => m.name));
    expect(await applyMigrations(runner)).toEqual([]);
    const tables = await runner.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(TABLES));
    const rows = await runner.query<{ migration_name: string; checksum: string }>(`SELECT migration_name, checksum FROM _prisma_migrations`);
    expect(rows).toEqual(all.map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  it('lets several replicas migrate at once (advisory lock): each migration applied exactly once', async () => {
    const fresh = await createTestDatabase();
    try {
      const results = await Promise.all([1, 2, 3].map(() => applyMigrations(postgresRunner(createPool(fresh.url, 2)))));
      expect(results.flat().sort()).toEqual((await readMigrations()).map((m) => m.name));
    } finally {
      await fresh.drop();
    }
  });

  it('refuses to start when an applied migration was edited', async () => {
    const [first, ...rest] = await readMigrations();
    await expect(applyMigrations(postgresRunner(createPool(pg.url, 2)), [{ ...first!, checksum: 'edited' }, ...rest])).rejects.toThrow(/modified after it was applied/);
  });

  it('rolls back a failing migration completely and reports it by name', async () => {
    const runner = postgresRunner(createPool(pg.url, 2));
    const broken = { name: '29990101000000_broken', sql: 'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;', checksum: 'x' };
    await expect(applyMigrations(runner, [...(await readMigrations()), broken])).rejects.toThrow(/29990101000000_broken failed/);
    const leftovers = await runner.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`);
    expect(leftovers).toEqual([]);
  });
});

describe('migrations on a fresh PGlite directory', () => {
  it('apply once, survive a restart, and are not re-applied', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/atende-mig-`);
    try {
      const first = await openDatabase({ dataDir: `${dir}/pglite` });
      expect(await first.migrate()).toHaveLength((await readMigrations()).length);
      await first.prisma.user.create({ data: { email: 'x@y.zz', passwordHash: 'h', role: 'admin' } });
      await first.close();

      const second = await openDatabase({ dataDir: `${dir}/pglite` });
      expect(await second.migrate()).toEqual([]);
      expect(await second.prisma.user.count()).toBe(1);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('match what the schema declares (no drift between schema.prisma and migrations)', async () => {
    const { diffSchemaAgainstMigrations } = await import('../../scripts/db-migration-new.ts');
    expect(await diffSchemaAgainstMigrations()).toMatch(/^(|-- This is an empty migration\.)$/);
  });

  it('in memory: the same tables as on PostgreSQL', async () => {
    const pglite = await openPglite();
    try {
      await applyMigrations(pgliteRunner(pglite));
      const rows = await pgliteRunner(pglite).query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      );
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
    } finally {
      await pglite.close();
    }
  });
});
