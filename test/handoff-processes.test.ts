// A staff message and a worker killed (kill -9, real processes on one PostgreSQL + Redis)
// after the message was committed to the outbox and claimed, before its send finished: the
// next worker delivers it, once, with the same idempotency key.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { type AppProcess, httpWebChat, startAppProcess } from './helpers/app-process.ts';
import { eventually } from './helpers/pipeline-rig.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from './helpers/postgres.ts';

describe('handoff inbox with a worker killed between commit and send', () => {
  let db: TestDatabase;
  const running: AppProcess[] = [];
  const start = async () => {
    const p = await startAppProcess({
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_TEST_URL,
      JWT_SECRET: 'handoff-secret-0123456789abcdefghijklmnop',
      ADMIN_EMAIL: 'admin@test.local',
      ADMIN_PASSWORD: 'admin-password-123',
      OLLAMA_HOST: 'http://127.0.0.1:9',
    });
    running.push(p);
    return p;
  };
  const query = async <T extends pg.QueryResultRow>(sql: string) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    for (const p of running.splice(0)) await p.stop();
    await db?.drop();
  });

  it('the staff reply reaches the person once, sent by the next worker', async () => {
    db = await createTestDatabase();
    const first = await start();
    const chat = await httpWebChat(first.url);
    await chat.send('oi', 'm1');
    await chat.send('atendente', 'm2');
    await eventually(async () => (await chat.replies()).length === 2, 30_000);
    expect((await chat.replies())[1]).toBe(catalog.handoff());
    const [conversation] = await query<{ id: string }>("SELECT id FROM conversations WHERE status = 'handoff'");
    const login = await fetch(`${first.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@test.local', password: 'admin-password-123' }) });
    const { accessToken } = (await login.json()) as { accessToken: string };

    // The web channel's delivery (its mailbox insert) waits on a lock; the outbox commit does not.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE web_chat_messages IN ACCESS EXCLUSIVE MODE');
    const post = await fetch(`${first.url}/conversations/${conversation!.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: 'console-1', text: 'Oi, aqui é a equipe.' }),
    });
    expect(post.status).toBe(202);
    await eventually(async () => (await query("SELECT 1 FROM outbound_messages WHERE author_user_id IS NOT NULL AND status = 'sending'")).length === 1, 20_000);
    await first.kill9();
    await locker.query('ROLLBACK');
    await locker.end();

    const second = await start();
    await eventually(async () => (await query("SELECT 1 FROM outbound_messages WHERE author_user_id IS NOT NULL AND status = 'sent'")).length === 1, 60_000);
    const replies = await chat.replies(second.url);
    expect(replies).toEqual([expect.stringContaining('Olá!'), catalog.handoff(), 'Oi, aqui é a equipe.']);
  }, 150_000);
});
