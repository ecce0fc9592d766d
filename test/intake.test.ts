// The intake path under failure (SPEC §4): a database that cannot store a message answers 503
// and leaves it unmarked, so its redelivery is processed, not dropped as a duplicate; Redis
// going away mid-run slows nothing that matters and loses nothing (the database keys are the
// authority); and the ack never waits for the LLM.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from './helpers/postgres.ts';
import { ownRedis, type OwnRedis } from './helpers/redis-server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { openWebChat } from './helpers/web-chat.ts';
import { staysFor } from './helpers/quiet.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };

describe('intake with PostgreSQL unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy('127.0.0.1', 5432);
    const url = new URL(db.url);
    url.port = String(proxy.port);
    t = await startTestApp({ backend: 'postgres', database: { ...db, url: url.toString() }, env: { ...NO_LLM, REDIS_URL: REDIS_TEST_URL } });
    redis = new Redis(REDIS_TEST_URL);
  });
  afterAll(async () => {
    await proxy?.restore().catch(() => {});
    await t?.close();
    await proxy?.close();
    await db?.drop();
    redis?.disconnect();
  });

  it('answers 503 and stores nothing, then accepts the redelivery as new once the database is back', async () => {
    const chat = await openWebChat(t.atende);
    await proxy.cut();
    const refused = await t.atende.http.inject({ method: 'POST', url: '/channels/web/messages', headers: { authorization: `Bearer ${chat.token}` }, payload: { messageId: 'first', text: 'oi' } });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'unavailable', retryAfter: expect.any(Number) });
    const ready = await t.atende.http.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(503);

    await proxy.restore();
    expect(await chat.send('oi', 'first')).toEqual({ accepted: true, duplicate: false });
    const [greeting] = await chat.waitReplies(1);
    expect(greeting).toContain('Olá!');
    // Seen = committed: the redelivery is a duplicate by the inbox key, and Redis holds no
    // dedupe state that could disagree with it.
    expect(await chat.send('oi', 'first')).toEqual({ accepted: true, duplicate: true });
    expect(await redis.keys(`atende:${db.name}:seen:*`)).toEqual([]);
    const metrics = (await t.atende.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/atende_inbound_messages_total\{channel="web",outcome="unavailable"\} 1/);
  });
});

describe('intake with Redis stopped mid-run', () => {
  let redis: OwnRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await ownRedis();
    t = await startTestApp({ backend: 'postgres', env: { ...NO_LLM, REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('keeps accepting, deduplicating, answering in order — and recovers when Redis returns', async () => {
    const chat = await openWebChat(t.atende);
    expect(await chat.say('oi')).toHaveLength(1);
    await redis.stop();

    const started = performance.now();
    expect(await chat.send('sim', 'consent')).toEqual({ accepted: true, duplicate: false });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await chat.send('sim', 'consent')).toEqual({ accepted: true, duplicate: true });
    const replies = await chat.waitReplies(2);
    expect(replies[1]).toContain('Obrigado!');
    expect((await t.atende.http.inject({ url: '/health/ready' })).json().checks.redis.status).toBe('degraded');

    await redis.start();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await chat.send('sim', 'consent')).toEqual({ accepted: true, duplicate: true });
    await chat.send('Maria Silva', 'name');
    const after = await chat.waitReplies(3);
    // The name was read without the model; the phone comes next.
    expect(after[2]).toContain('Qual é o seu telefone');
    await t.atende.conversations.whenIdle();
    const rows = await t.atende.db.prisma.inboundMessage.findMany({ where: { chatId: chat.chatId }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.text)).toEqual(['oi', 'sim', 'Maria Silva']);
    expect(rows.every((r) => r.processedAt)).toBe(true);
  });
});

describe('the ack path never waits for the LLM', () => {
  let ollama: FakeOllama;
  let t: TestApp;
  beforeAll(async () => {
    ollama = await startFakeOllama({ fallback: behave.hang() });
    t = await startTestApp({ backend: 'pglite', env: { OLLAMA_HOST: ollama.url, LLM_TIMEOUT_MS: '1500', LLM_MAX_ATTEMPTS: '1' } });
  });
  afterAll(async () => {
    await t?.close();
    await ollama?.close();
  });

  it('acknowledges messages at once while an extraction hangs, and answers them after it gives up', async () => {
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    await chat.say('sim');
    const started = performance.now();
    await chat.send('Sou a Maria Silva, 11 99999-8888, apoio emocional');
    await chat.send('alô?');
    expect(performance.now() - started).toBeLessThan(500);
    expect(await staysFor(() => ollama.chatRequests().length)).toBe(1);
    expect(await chat.replies()).toHaveLength(2);
    const replies = await chat.waitReplies(3, 10_000);
    // After the model gave up, the rules kept the listed name, phone and reason: only the
    // optional e-mail is offered.
    expect(replies[2]).toBe('Quer informar um e-mail? Envie o endereço ou responda PULAR.');
  });
});
