// Hot statements run as named prepared statements on PostgreSQL (sql.ts `prepared`): parsed
// and planned once per connection. Checked on the server's own list of a connection's
// prepared statements, and on PGlite, which runs them as plain statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { type Database, openDatabase } from './database.ts';
import { PreparedNames } from './prepared-names.ts';
import { prepared, sql } from './sql.ts';

const byName = (n: number) => prepared(sql`SELECT ${n}::int AS n, 'by name' AS how`);
const other = (n: number) => prepared(sql`SELECT ${n}::int * 2 AS n`);

describe('prepared statements on PostgreSQL', () => {
  let pg: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    pg = await createTestDatabase();
    // One connection, so the server-side list read below is the one the statements used.
    db = await openDatabase({ databaseUrl: pg.url, poolSize: 1 });
  });
  afterAll(async () => {
    await db.close();
    await pg.drop();
  });

  it('prepares each distinct text once per connection and answers with its own values', async () => {
    expect(await db.query(byName(1))).toEqual([{ n: 1, how: 'by name' }]);
    expect(await db.query(byName(2))).toEqual([{ n: 2, how: 'by name' }]);
    // Another text gets another name: pg refuses one name for two texts.
    expect(await db.query(other(21))).toEqual([{ n: 42 }]);
    const list = await db.query<{ statement: string }>(sql`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`);
    expect(list.map((s) => s.statement)).toEqual(["SELECT $1::int AS n, 'by name' AS how", 'SELECT $1::int * 2 AS n']);
  });

  it('leaves other statements unprepared', async () => {
    await db.query(sql`SELECT ${7}::int AS plain`);
    const list = await db.query<{ statement: string }>(sql`SELECT statement FROM pg_prepared_statements`);
    expect(list.map((s) => s.statement)).not.toContain('SELECT $1::int AS plain');
  });
});

describe('prepared statements on PGlite', () => {
  it('run as plain statements', async () => {
    const db = await openDatabase({});
    try {
      expect(await db.query(byName(3))).toEqual([{ n: 3, how: 'by name' }]);
      expect(await db.query(other(4))).toEqual([{ n: 8 }]);
    } finally {
      await db.close();
    }
  });
});

describe('PreparedNames', () => {
  it('gives one name per distinct text, the same one every time', () => {
    const names = new PreparedNames();
    const a = names.nameOf('SELECT 1');
    expect(names.nameOf('SELECT 2')).not.toBe(a);
    expect(names.nameOf('SELECT 1')).toBe(a);
    expect(names.size).toBe(2);
  });
});
