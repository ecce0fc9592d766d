// Every turn rewrites its conversation's row. With no index on the columns a turn always
// changes, PostgreSQL updates the row in place (HOT: no new index entries), which is what keeps
// a turn's commit cheap (migration 20261204232941_conversations_hot_turns). An index added on
// one of them later would quietly cost every turn; this says so first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { sql } from '../db/sql.ts';

const EVERY_TURN = ['snapshot', 'version', 'last_activity_at', 'updated_at'];

describe('conversations: a turn updates its row in place', () => {
  let pg: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    pg = await createTestDatabase();
    db = await openDatabase({ databaseUrl: pg.url, poolSize: 2 });
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    await pg.drop();
  });

  it('no index holds a column every turn writes, and pages keep room for new row versions', async () => {
    const indexed = await db.query<{ index: string; column: string }>(sql`
      SELECT i.relname AS index, a.attname AS column
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey)
      WHERE x.indrelid = 'conversations'::regclass`);
    expect(indexed.filter((r) => EVERY_TURN.includes(r.column))).toEqual([]);
    const [table] = await db.query<{ options: string[] | null }>(sql`SELECT reloptions AS options FROM pg_class WHERE oid = 'conversations'::regclass`);
    expect(table?.options).toContain('fillfactor=70');
  });

  it('the sweeper finds idle open conversations through the index led by status', async () => {
    const [index] = await db.query<{ def: string }>(sql`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'conversations_status_handoff_idx'`);
    expect(index?.def).toMatch(/\(status, handoff_at\)/);
  });
});
