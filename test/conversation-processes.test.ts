// Replicas and crashes, with real processes (src/server.ts) on one PostgreSQL + Redis:
// two replicas fed the same chat at once give the same conversation as one process would;
// kill -9 of a worker after the inbox commit, during extraction, or after the turn's commit
// but before the reply is sent loses nothing and sends no reply twice.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, httpWebChat, startAppProcess } from './helpers/app-process.ts';
import { startTestApp } from './helpers/app.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from './helpers/postgres.ts';
import { eventually } from './helpers/pipeline-rig.ts';
import { openWebChat } from './helpers/web-chat.ts';

// A whole registration without LLM, with commands and a `campo: valor` correction in between.
const SCRIPT = ['oi', 'sim', 'Maria Silva', 'Maria Silva', 'ajuda', '11 99999-8888', 'ajuda', 'apoio emocional', 'pular', 'telefone: 11 98888-7777', 'ajuda', 'sim'];

function envFor(db: TestDatabase, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: db.url,
    REDIS_URL: REDIS_TEST_URL,
    // Replicas share the secret, so a session opened on one is valid on the other.
    JWT_SECRET: 'replica-secret-0123456789abcdefghijklmnop',
    ADMIN_EMAIL: 'admin@test.local',
    ADMIN_PASSWORD: 'admin-password-123',
    OLLAMA_HOST: 'http://127.0.0.1:9',
    WEB_CHAT_RATE_LIMIT_PER_MIN: '1000',
    ...extra,
  };
}

async function query<T extends pg.QueryResultRow>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('two replicas on one PostgreSQL + Redis', () => {
  let db: TestDatabase;
  let a: AppProcess;
  let b: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startAppProcess(envFor(db));
    b = await startAppProcess(envFor(db));
  }, 120_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('gives one chat fed through both at once the same conversation one process gives', async () => {
    // What one embedded process answers to the script, one message at a time.
    const reference = await startTestApp({ backend: 'pglite', env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
    const expected: string[] = [];
    try {
      const chat = await openWebChat(reference.atende);
      for (const text of SCRIPT) expected.push(...(await chat.say(text)));
    } finally {
      await reference.close();
    }
    expect(expected.at(-1)).toMatch(/Protocolo/);

    // Each message posted to both replicas at the same moment (a provider redelivering to
    // another replica), and the next one only after both acknowledged.
    const chat = await httpWebChat(a.url);
    for (const [i, text] of SCRIPT.entries()) {
      const outcomes = await Promise.all([chat.send(text, `m${i}`, a.url), chat.send(text, `m${i}`, b.url)]);
      expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    }
    const replies = await eventually(async () => {
      const got = await chat.replies(b.url);
      return got.length >= expected.length && got;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    // The protocol is derived from the new contact's id: the one thing allowed to differ.
    const same = (texts: string[]) => texts.map((x) => x.replace(/Protocolo: \w+/, 'Protocolo: …'));
    expect(same(await chat.replies(a.url))).toEqual(same(expected));
    expect(same(replies)).toEqual(same(expected));

    const inbound = await query<{ message_id: string; processed_at: Date }>(db, 'SELECT message_id, processed_at FROM inbound_messages WHERE chat_id = $1 ORDER BY id', [chat.chatId]);
    expect(inbound.map((r) => r.message_id)).toEqual(SCRIPT.map((_, i) => `${chat.chatId}:m${i}`));
    const processed = inbound.map((r) => r.processed_at.getTime());
    expect(processed).toEqual([...processed].sort((x, y) => x - y));
    expect(await query(db, "SELECT 1 FROM contacts WHERE phone = '+5511988887777'")).toHaveLength(1);
  });
});

describe('ROLE=api and ROLE=worker processes', () => {
  let db: TestDatabase;
  let api: AppProcess;
  let worker: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase();
    [api, worker] = await Promise.all([startAppProcess(envFor(db, { ROLE: 'api' })), startAppProcess(envFor(db, { ROLE: 'worker' }))]);
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.drop();
  });

  it('answers through the worker what the API accepted, readable through the API', async () => {
    const chat = await httpWebChat(api.url);
    await chat.send('oi', 'm1');
    const replies = await eventually(async () => {
      const got = await chat.replies(api.url);
      return got.length === 1 && got;
    }, 20_000);
    expect(replies[0]).toContain('Olá!');
  });
});

describe('kill -9 of a worker', () => {
  let db: TestDatabase;
  let ollama: FakeOllama;
  const running: AppProcess[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const p = await startAppProcess(envFor(db, { OLLAMA_HOST: ollama.url, LLM_MAX_ATTEMPTS: '1', LLM_TIMEOUT_MS: '60000', ...extra }));
    running.push(p);
    return p;
  };
  beforeAll(async () => {
    ollama = await startFakeOllama({ fallback: behave.status(503, 'loading') });
  });
  afterEach(async () => {
    for (const p of running.splice(0)) await p.stop();
    await db?.drop();
  });
  afterAll(() => ollama?.close());

  const freshDb = async () => {
    db = await createTestDatabase();
  };

  /** Holds an exclusive lock on a table until released: whoever touches it waits. */
  async function lockTable(table: string) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  }

  it('(a) after the inbox commit: the message is handled once by the next worker', async () => {
    await freshDb();
    const first = await start();
    const chat = await httpWebChat(first.url);
    // The worker will block on its first read of the conversation, right after the commit.
    const release = await lockTable('conversations');
    expect(await chat.send('oi', 'm1')).toEqual({ accepted: true, duplicate: false });
    await new Promise((r) => setTimeout(r, 500));
    await first.kill9();
    await release();
    expect(await query(db, 'SELECT 1 FROM inbound_messages WHERE processed_at IS NULL')).toHaveLength(1);

    const second = await start();
    const replies = await eventually(async () => {
      const got = await chat.replies(second.url);
      return got.length >= 1 && got;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await chat.replies(second.url)).toEqual(replies);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('Olá!');
  }, 90_000);

  it('(b) during extraction: the next worker extracts again and answers once', async () => {
    await freshDb();
    ollama.queue = [];
    ollama.fallback = behave.hang();
    const first = await start();
    const chat = await httpWebChat(first.url);
    await chat.send('oi', 'm1');
    await chat.send('sim', 'm2');
    await eventually(async () => (await chat.replies()).length === 2, 20_000);
    const calls = ollama.chatRequests().length;
    await chat.send('Sou a Maria Silva, 11 99999-8888, preciso de apoio emocional', 'm3');
    await eventually(() => ollama.chatRequests().length > calls, 20_000);
    await first.kill9();

    ollama.fallback = behave.json({ name: 'Maria Silva', phone: '11 99999-8888', email: null, reason: 'apoio emocional' });
    const second = await start();
    const replies = await eventually(async () => {
      const got = await chat.replies(second.url);
      return got.length >= 3 && got;
    }, 40_000);
    await new Promise((r) => setTimeout(r, 6_000));
    const final = await chat.replies(second.url);
    expect(final).toEqual(replies);
    expect(final).toHaveLength(3);
    expect(final[2]).toMatch(/e-mail/);
    expect(await query(db, 'SELECT 1 FROM inbound_messages WHERE processed_at IS NULL')).toHaveLength(0);
  }, 120_000);

  it('(c) after the commit, before the send: the reply is delivered once by the next worker', async () => {
    await freshDb();
    const first = await start();
    const chat = await httpWebChat(first.url);
    // The web channel's delivery (its mailbox insert) waits; the turn's commit does not.
    const release = await lockTable('web_chat_messages');
    await chat.send('oi', 'm1');
    const [claim] = await eventually(async () => {
      const rows = await query<{ next_attempt_at: Date }>(db, "SELECT next_attempt_at FROM outbound_messages WHERE status = 'sending'");
      return rows.length === 1 && rows;
    }, 20_000);
    await first.kill9();
    await release();

    // The web channel's delivery is idempotent (its mailbox keeps one row per key), so the next
    // worker sends the reply again at once, with the same key — which the dead one's delivery
    // may or may not have used — instead of waiting out the dead worker's 20 s claim.
    const second = await start();
    const [sent] = await eventually(async () => {
      const rows = await query<{ sent_at: Date }>(db, "SELECT sent_at FROM outbound_messages WHERE status = 'sent'");
      return rows.length === 1 && rows;
    }, 60_000);
    expect(sent!.sent_at.getTime()).toBeLessThan(claim!.next_attempt_at.getTime());
    const replies = await chat.replies(second.url);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('Olá!');
  }, 120_000);
});
