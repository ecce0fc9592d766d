// The inbox's pending indexes hold pending messages only (migration
// 20261205041500_inbox_pending_partial_indexes): a processed message leaves them, so they stay
// the size of the backlog instead of the whole history (2M processed messages: 264 MB of full
// indexes against ~2 MB), and marking a message processed adds no entry to them. Made in SQL
// because Prisma cannot declare a partial index; this keeps a schema change from quietly
// turning them back into full ones, on both back-ends, and checks the reads still use them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/postgres.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { sql } from '../db/sql.ts';

const PENDING_INDEXES = {
  inbound_messages_chat_pending_idx: /\(channel, account_id, chat_id, id\) WHERE \(processed_at IS NULL\)$/,
  inbound_messages_pending_idx: /\(received_at\) WHERE \(processed_at IS NULL\)$/,
};

describe.each(['postgres', 'pglite'] as const)('inbox pending indexes (%s)', (backend) => {
  let pg: TestDatabase | undefined;
  let db: Database;
  beforeAll(async () => {
    pg = backend === 'postgres' ? await createTestDatabase() : undefined;
    db = await openDatabase({ databaseUrl: pg?.url, poolSize: 2 });
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    await pg?.drop();
  });

  it('hold pending messages only', async () => {
    const rows = await db.query<{ name: string; def: string }>(sql`
      SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE indexname = ANY(${Object.keys(PENDING_INDEXES)}::text[]) ORDER BY indexname`);
    expect(rows.map((r) => r.name)).toEqual(Object.keys(PENDING_INDEXES));
    for (const row of rows) expect(row.def).toMatch(PENDING_INDEXES[row.name as keyof typeof PENDING_INDEXES]);
  });

  it('serve a chat\'s pending rows and the sweeper\'s stale search; a processed message leaves them', async () => {
    await db.query(sql`
      INSERT INTO inbound_messages (channel, account_id, message_id, chat_id, sender_id, kind, text, sent_at)
      SELECT 'web', 'web', 'm' || g, 'chat-' || (g % 50), 's', 'text', 'oi', now() FROM generate_series(1, 500) g`);
    await db.query(sql`UPDATE inbound_messages SET processed_at = now() WHERE chat_id = 'chat-7' AND message_id <> 'm7'`);
    await db.sql.exec('ANALYZE inbound_messages');
    const plans = await db.sql.withExclusiveSession(async (session) => {
      // The table is tiny here: without this the planner rightly prefers reading it whole.
      await session.exec('SET enable_seqscan = off');
      try {
        const explain = async (statement: string) => (await session.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement}`)).map((r) => r['QUERY PLAN']).join('\n');
        return {
          chat: await explain(`SELECT id FROM inbound_messages WHERE channel = 'web' AND account_id = 'web' AND chat_id = 'chat-7' AND processed_at IS NULL ORDER BY id LIMIT 20`),
          stale: await explain(`SELECT DISTINCT channel, account_id, chat_id FROM inbound_messages WHERE processed_at IS NULL AND received_at < now() LIMIT 100`),
        };
      } finally {
        await session.exec('RESET enable_seqscan');
      }
    });
    expect(plans.chat).toContain('inbound_messages_chat_pending_idx');
    expect(plans.stale).toContain('inbound_messages_pending_idx');
    const pending = await db.query<{ message_id: string }>(sql`
      SELECT message_id FROM inbound_messages WHERE channel = 'web' AND account_id = 'web' AND chat_id = 'chat-7' AND processed_at IS NULL ORDER BY id`);
    expect(pending.map((r) => r.message_id)).toEqual(['m7']);
  });
});
