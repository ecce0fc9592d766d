// Retention: the texts of closed conversations are purged after CONVERSATION_RETENTION_DAYS
// (time advanced through the job's `now`, never by sleeping), their chat addresses become
// pseudonyms, and the saved contact is untouched. With Redis, one replica at a time runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisNamespace } from '../src/locks/redis.ts';
import { answerUntilSummary } from './helpers/answer-until-summary.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient } from './helpers/contacts.ts';
import { type FakeGraph, graph, startFakeGraph } from './helpers/fake-graph.ts';
import { needlesOf, personalDataScan } from './helpers/personal-data-scan.ts';
import { REDIS_TEST_URL } from './helpers/postgres.ts';
import { cloudChat, cloudEnv } from './helpers/whatsapp-cloud.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };
const DAY = 86_400_000;

async function registerOnWhatsapp(t: TestApp, fake: FakeGraph, person: { name: string; phone: string; email: string; reason: string }) {
  const wa = cloudChat(t.atende, fake, { waId: person.phone.slice(1), name: person.name.split(' ')[0]! });
  await wa.say('oi');
  await wa.say('sim');
  const first = await wa.say(person.name);
  await answerUntilSummary(wa.say, first, person);
  await wa.say('sim');
  const [contact] = (await contactsClient(t, await t.login()).list({ q: person.name.split(' ')[1]! })).json<{ items: { id: string }[] }>().items;
  if (!contact) throw new Error('not saved');
  return contact.id;
}

describe.each(BACKENDS)('conversation retention on %s', (backend) => {
  let t: TestApp;
  let fake: FakeGraph;

  beforeAll(async () => {
    fake = await startFakeGraph();
    fake.fallback = graph.ok();
    t = await startTestApp({ backend, env: { ...NO_LLM, ...cloudEnv(fake.url), CONVERSATION_RETENTION_DAYS: '30' } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('keeps texts for the retention period, then purges them and pseudonymizes the chat; the contact stays', async () => {
    const person = { name: 'Genoveva Albuquerque', phone: '+5511912345678', email: 'genoveva.a@exemplo.com.br', reason: 'orçamento' };
    const contactId = await registerOnWhatsapp(t, fake, person);
    const needles = needlesOf(person);
    const before = await personalDataScan(t, needles);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['inbound_messages.text', 'outbound_messages.text', 'conversations.snapshot', 'conversations.chat_id', 'contacts.name']));

    const job = t.atende.conversations.retentionJob;
    await job.runOnce(new Date(Date.now() + 29 * DAY));
    expect(await personalDataScan(t, needles)).toEqual(before);

    await job.runOnce(new Date(Date.now() + 31 * DAY));
    const after = await personalDataScan(t, needles);
    expect(Object.keys(after).filter((column) => !column.startsWith('contacts.'))).toEqual([]);
    expect(after['contacts.name']).toBe(1);

    const admin = contactsClient(t, await t.login());
    const contact = (await admin.get(contactId)).json<{ name: string; phone: string }>();
    expect(contact).toMatchObject({ name: person.name, phone: person.phone });
    // The purged conversation has nothing left to hand out.
    expect((await admin.data(contactId)).json<{ conversations: unknown[] }>().conversations).toEqual([]);
    const purged = await t.atende.db.prisma.conversation.findMany({ where: { contactId } });
    expect(purged).toHaveLength(1);
    expect(purged[0]).toMatchObject({ status: 'saved', chatId: expect.stringMatching(/^erased:/), purgedAt: expect.any(Date) });
    expect(t.logs.records.some((r) => r.event === 'retention_purge')).toBe(true);
  });

  it('purges messages that never joined a conversation, and a later pass finds nothing more', async () => {
    await t.atende.db.prisma.inboundMessage.create({
      data: { channel: 'web', accountId: 'web', messageId: 'loose-1', chatId: 'c-loose', senderId: 'c-loose', senderName: 'Clarimunda Reis', kind: 'text', text: 'Clarimunda Reis, 11 93333-2222', sentAt: new Date(), processedAt: new Date(), error: 'set aside' },
    });
    await t.atende.conversations.retentionJob.runOnce(new Date(Date.now() + 31 * DAY));
    expect(await personalDataScan(t, ['Clarimunda', '933332222'])).toEqual({});
    expect(await t.atende.conversations.retention.purge(new Date(Date.now() + 31 * DAY))).toEqual({ expired: 0, forgotten: 0, loose: 0 });
  });

  it('after a cancel, the next pass once the goodbye went out leaves no trace of the WhatsApp number either', async () => {
    const wa = cloudChat(t.atende, fake, { waId: '5511966667777', name: 'Cremilda' });
    await wa.say('oi');
    await wa.say('sim');
    await wa.say('Cremilda Bittencourt');
    expect((await wa.say('cancelar')).at(-1)).toContain('Nenhum dado foi salvo');
    expect(await personalDataScan(t, ['Bittencourt', 'Cremilda'])).toEqual({});
    expect(Object.keys(await personalDataScan(t, ['5511966667777'])).length).toBeGreaterThan(0);

    const job = t.atende.conversations.retentionJob;
    // Too soon: the goodbye might still be on its way to that address.
    await job.runOnce(new Date(Date.now() + 5 * 60_000));
    expect(Object.keys(await personalDataScan(t, ['5511966667777'])).length).toBeGreaterThan(0);
    await job.runOnce(new Date(Date.now() + 11 * 60_000));
    expect(await personalDataScan(t, ['5511966667777', '966667777'])).toEqual({});
    // The number may come back: a new conversation, as for anyone.
    expect((await wa.say('oi'))[0]).toContain('Você concorda?');
  });
});

describe('conversation retention across replicas (PostgreSQL + Redis)', () => {
  let t: TestApp;
  let fake: FakeGraph;
  let redis: Redis;

  beforeAll(async () => {
    fake = await startFakeGraph();
    fake.fallback = graph.ok();
    t = await startTestApp({ backend: 'postgres', env: { ...NO_LLM, ...cloudEnv(fake.url), REDIS_URL: REDIS_TEST_URL } });
    redis = new Redis(REDIS_TEST_URL);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    redis?.disconnect();
  });

  it('skips a pass while another replica holds the retention lease, and runs once it is free', async () => {
    const person = { name: 'Leopoldina Mascarenhas', phone: '+5511955554444', email: 'leo.m@exemplo.com', reason: 'suporte' };
    await registerOnWhatsapp(t, fake, person);
    const key = `${redisNamespace(t.atende.config.DATABASE_URL)}:lock:retention`;
    await redis.set(key, 'another-replica', 'PX', 60_000);
    await t.atende.conversations.retentionJob.runOnce(new Date(Date.now() + 31 * DAY));
    expect(await personalDataScan(t, ['Mascarenhas'])).toHaveProperty(['inbound_messages.text']);

    await redis.del(key);
    await t.atende.conversations.retentionJob.runOnce(new Date(Date.now() + 31 * DAY));
    expect(Object.keys(await personalDataScan(t, ['Mascarenhas'])).filter((c) => !c.startsWith('contacts.'))).toEqual([]);
    // The lease is let go after the pass.
    expect(await redis.exists(key)).toBe(0);
  });
});
