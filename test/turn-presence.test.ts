// "Lido" / "digitando…" while a turn runs (issue 15 part 4), through the real app and fake
// providers speaking their real protocols: Telegram sendChatAction typing, the Cloud API's
// mark-read with the typing indicator, and the web chat's SSE `typing` event. Each shows before
// the reply; a provider that fails or hangs on it delays and fails nothing — the tests are
// bounded by the reply arriving well inside the indicator's own timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type FakeGraph, graph, startFakeGraph } from './helpers/fake-graph.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram, telegramErrors } from './helpers/fake-telegram.ts';
import { REDIS_TEST_URL } from './helpers/postgres.ts';
import { openSse } from './helpers/sse-client.ts';
import { telegramChat, textUpdate } from './helpers/telegram-chat.ts';
import { catalog } from '../fsm/catalog.ts';
import { CLOUD, cloudChat, cloudEnv } from './helpers/whatsapp-cloud.ts';
import { openWebChat } from './helpers/web-chat.ts';
import type { FakeWhatsappSocket } from './helpers/fake-whatsapp-socket.ts';
import { startWhatsappApp } from './helpers/whatsapp-rig.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9', LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_THRESHOLD: '100' };
// Well under the indicators' own timeouts (Telegram 4 s, Graph 5 s): a reply inside it did not wait for them.
const REPLY_WITHIN_MS = 3_000;
const SECRET = 'tg-webhook-secret_presence_0123';

async function presenceCount(t: TestApp, channel: string, outcome: 'ok' | 'failed'): Promise<number> {
  const metric = (await t.atende.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'atende_presence_updates_total');
  return metric?.values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;
}

describe('typing on Telegram', () => {
  let fake: FakeTelegram;
  let t: TestApp;
  let nextUser = 5_100_000;
  const say = async (text: string) => {
    const user = { id: ++nextUser, first_name: 'Ana', last_name: 'Lima' };
    const res = await t.atende.http.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'x-telegram-bot-api-secret-token': SECRET }, payload: textUpdate(user, text) });
    expect(res.statusCode).toBe(200);
    await fake.waitFor(() => fake.sentTo(user.id).length > 0, 'the reply', REPLY_WITHIN_MS);
    return user;
  };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    t = await startTestApp({ backend: 'postgres', env: { TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_URL: fake.url, ...NO_LLM } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('sends typing to the chat before the reply', async () => {
    const user = await say('oi');
    const mine = fake.requests.filter((r) => r.body.chat_id === user.id);
    expect(mine[0]).toMatchObject({ method: 'sendChatAction', body: { chat_id: user.id, action: 'typing' } });
    expect(fake.calls('sendChatAction').filter((b) => b.chat_id === user.id)[0]).toEqual({ chat_id: user.id, action: 'typing' });
    expect(mine.findIndex((r) => r.method === 'sendMessage')).toBeGreaterThan(0);
    await t.atende.conversations.whenIdle();
    expect(await presenceCount(t, 'telegram', 'ok')).toBeGreaterThan(0);
  });

  it('answers at once when sendChatAction fails with 500, and counts the failure', async () => {
    const failed = await presenceCount(t, 'telegram', 'failed');
    fake.failNext('sendChatAction', telegramErrors.internal());
    const user = await say('oi');
    expect(fake.sentTo(user.id)[0]!.text).toMatch(/^Olá!/);
    await t.atende.conversations.whenIdle();
    expect(await presenceCount(t, 'telegram', 'failed')).toBe(failed + 1);
    // Nothing personal in what was logged about it.
    expect(t.logs.text).not.toContain(String(user.id));
  });

  it('shows no typing during a handoff: the bot stays silent there, an attendant answers', async () => {
    const user = { id: ++nextUser, first_name: 'Caio', last_name: 'Lima' };
    const post = async (update: Record<string, unknown>) => {
      const res = await t.atende.http.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'x-telegram-bot-api-secret-token': SECRET }, payload: update });
      expect(res.statusCode).toBe(200);
    };
    const chat = telegramChat(t.atende, fake, user, post);
    await chat.say('oi');
    expect((await chat.say('atendente')).map((m) => m.text)).toEqual([catalog.handoff()]);
    const typings = fake.calls('sendChatAction').filter((b) => b.chat_id === user.id).length;
    expect(typings).toBeGreaterThanOrEqual(2);
    const before = await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram', chatId: String(user.id), processedAt: { not: null } } });
    // No reply comes in a handoff: the row being processed is what shows the turn ran.
    await post(textUpdate(user, 'alô, tem alguém?'));
    await expect.poll(() => t.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram', chatId: String(user.id), processedAt: { not: null } } })).toBe(before + 1);
    await t.atende.conversations.whenIdle();
    expect(fake.calls('sendChatAction').filter((b) => b.chat_id === user.id)).toHaveLength(typings);
  });

  it('answers at once when sendChatAction hangs', async () => {
    fake.failNext('sendChatAction', { status: 200, body: { ok: true, result: true }, delayMs: 30_000 });
    const user = await say('oi');
    expect(fake.sentTo(user.id)[0]!.text).toMatch(/^Olá!/);
  });
});

describe('read and typing on the WhatsApp Cloud API', () => {
  let fake: FakeGraph;
  let t: TestApp;
  let nextUser = 0;
  const person = () => ({ waId: `55119${String(70_000_000 + ++nextUser)}`, name: 'Bia Souza' });
  const say = async (wamid: string) => {
    const from = person();
    const chat = cloudChat(t.atende, fake, from);
    await chat.send('oi', wamid);
    const deadline = Date.now() + REPLY_WITHIN_MS;
    while (!chat.requests().length) {
      if (Date.now() > deadline) throw new Error('no reply in time');
      await new Promise((r) => setTimeout(r, 10));
    }
    return fake.requests.find((r) => (r.body as { to?: string }).to === from.waId)!;
  };

  beforeAll(async () => {
    fake = await startFakeGraph();
    t = await startTestApp({ backend: 'pglite', env: { ...cloudEnv(fake.url), ...NO_LLM } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('marks the message read with the typing indicator before the reply', async () => {
    const wamid = 'wamid.HBgNNTUxMTk3MDAwMDAwMRUCABIYFjNFQjBGRjk0MUI1QjdBQkM4QkQ3AA==';
    const reply = await say(wamid);
    const read = fake.readRequests.find((r) => (r.body as { message_id?: string }).message_id === wamid)!;
    expect(read.path).toBe(`/v23.0/${CLOUD.phoneNumberId}/messages`);
    expect(read.headers.authorization).toBe(`Bearer ${CLOUD.token}`);
    expect(read.body).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: wamid, typing_indicator: { type: 'text' } });
    expect(read.order).toBeLessThan(reply.order);
  });

  it('answers at once when the read call fails or hangs', async () => {
    fake.readQueue.push(graph.error(500, 131000, '(#131000) Something went wrong'));
    await say('wamid.HBgNNTUxMTk3MDAwMDAwMhUCABIYFjNFQjBGRjk0MUI1QjdBQkM4QkQ4AA==');
    fake.readQueue.push(graph.hang());
    const reply = await say('wamid.HBgNNTUxMTk3MDAwMDAwMxUCABIYFjNFQjBGRjk0MUI1QjdBQkM4QkQ5AA==');
    expect(reply.body).toMatchObject({ messaging_product: 'whatsapp', type: 'interactive' });
    await t.atende.conversations.whenIdle();
    expect(await presenceCount(t, 'whatsapp-cloud', 'failed')).toBeGreaterThanOrEqual(1);
  });
});

describe('typing in the web chat (Redis pub/sub)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', env: { ...NO_LLM, REDIS_URL: REDIS_TEST_URL } });
  });
  afterAll(() => t?.close());

  it('streams typing true, the reply, and typing false', async () => {
    const address = await t.atende.http.listen({ port: 0, host: '127.0.0.1' });
    const chat = await openWebChat(t.atende);
    const stream = await openSse(`${address}/channels/web/chats/${chat.chatId}/events`, { authorization: `Bearer ${chat.token}` });
    try {
      expect(stream.status).toBe(200);
      await chat.send('oi');
      const reply = await stream.waitFor((e) => e.event === 'reply');
      await stream.waitFor((e) => e.event === 'typing' && e.data.typing === false);
      const typing = stream.events.filter((e) => e.event === 'typing');
      expect(typing.map((e) => e.data)).toEqual([{ typing: true }, { typing: false }]);
      // Passing states carry no cursor: a reconnect resumes after the last reply only.
      expect(typing.every((e) => e.id === '')).toBe(true);
      expect(stream.events.indexOf(typing[0]!)).toBeLessThan(stream.events.indexOf(reply));
      expect(reply.data).toMatchObject({ text: expect.stringMatching(/^Olá!/) });
    } finally {
      stream.close();
    }
  });
});

describe('read and typing on WhatsApp (Baileys)', () => {
  const LID = '203456789012345@lid';
  let t: TestApp;
  let sock: FakeWhatsappSocket;
  let seq = 0;
  const say = async (text: string) => {
    const id = `3EB0PRES${String(++seq).padStart(10, '0')}`;
    const before = sock.sent.length;
    const started = Date.now();
    sock.emit('messages.upsert', {
      type: 'notify',
      messages: [{ key: { remoteJid: LID, remoteJidAlt: '5511987654321@s.whatsapp.net', addressingMode: 'lid', fromMe: false, id }, messageTimestamp: Math.floor(Date.now() / 1000), pushName: 'Maria', message: { conversation: text } }],
    });
    while (sock.sent.length === before) {
      if (Date.now() - started > REPLY_WITHIN_MS) throw new Error('no reply in time');
      await new Promise((r) => setTimeout(r, 10));
    }
    return { id, calls: [...sock.calls] };
  };

  beforeAll(async () => {
    const wa = await startWhatsappApp({ backend: 'pglite', env: NO_LLM });
    t = wa.t;
    sock = await wa.connect();
  });
  afterAll(() => t?.close());

  it('marks the message read and shows composing before the reply, paused once the turn is committed', async () => {
    const { id, calls } = await say('oi');
    expect(calls).toEqual([
      { method: 'readMessages', args: [[{ remoteJid: LID, id, fromMe: false }]] },
      { method: 'sendPresenceUpdate', args: ['composing', LID] },
      { method: 'sendPresenceUpdate', args: ['paused', LID] },
    ].slice(0, calls.length));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    await t.atende.conversations.whenIdle();
    expect(sock.calls.at(-1)).toEqual({ method: 'sendPresenceUpdate', args: ['paused', LID] });
  });

  it('answers at once when the socket hangs on them', async () => {
    sock.callError = 'hang';
    try {
      await say('oi');
    } finally {
      sock.callError = undefined;
    }
  });
});
