// The handoff inbox on the channels where staff have no other way to reach the person: the
// WhatsApp Cloud API (fake Graph API) and Telegram (fake Bot API). A staff reply posted three
// times with one messageId reaches the person exactly once, as the provider's real request;
// its delivery status shows on the staff stream; outside WhatsApp's 24-hour window the reply
// is refused with when the window closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { type FakeGraph, graph, startFakeGraph } from './helpers/fake-graph.ts';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from './helpers/fake-telegram.ts';
import { openSse } from './helpers/sse-client.ts';
import { telegramChat } from './helpers/telegram-chat.ts';
import { cloudChat, cloudEnv, postWebhook, statusWebhook, textWebhook } from './helpers/whatsapp-cloud.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };

async function queued(t: TestApp, admin: string, channel: string, chatId: string): Promise<string> {
  const queue = (await apiOf(t)('GET', `/conversations?status=handoff&channel=${channel}`, admin)).json();
  const item = queue.items.find((c: { chatId: string }) => c.chatId === chatId);
  expect(item, `${channel} chat ${chatId} in the handoff queue`).toBeDefined();
  return item.id;
}

describe.each(BACKENDS)('handoff inbox on the WhatsApp Cloud API (%s)', (backend) => {
  let t: TestApp;
  let fake: FakeGraph;
  let admin: string;
  let address: string;
  beforeAll(async () => {
    fake = await startFakeGraph();
    fake.fallback = graph.ok();
    t = await startTestApp({ backend, env: { ...cloudEnv(fake.url), ...NO_LLM } });
    address = await t.atende.http.listen({ port: 0, host: '127.0.0.1' });
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('a staff reply posted three times reaches the person once; its delivery shows on the stream', async () => {
    const maria = { waId: '5511977776666', name: 'Maria Souza' };
    const chat = cloudChat(t.atende, fake, maria);
    await chat.say('oi');
    expect(await chat.say('atendente')).toEqual([catalog.handoff()]);
    const id = await queued(t, admin, 'whatsapp-cloud', maria.waId);
    const queue = (await apiOf(t)('GET', '/conversations?status=handoff&channel=whatsapp-cloud', admin)).json();
    expect(queue.items.find((c: { id: string }) => c.id === id).person).toMatchObject({ name: 'Maria Souza', phone: '+5511977776666' });
    const attendant = await t.tokenFor('attendant');
    const stream = await openSse(`${address}/conversations/events`, { authorization: `Bearer ${attendant}` });
    expect((await apiOf(t)('POST', `/conversations/${id}/claim`, attendant)).json()).toMatchObject({ id, claimedBy: { id: userIdOf(attendant) } });

    const body = { messageId: 'wa-1', text: 'Oi Maria, aqui é o João da equipe.' };
    const posts = await Promise.all([1, 2, 3].map(() => apiOf(t)('POST', `/conversations/${id}/messages`, attendant, body)));
    expect(posts.map((p) => p.json().duplicate).sort()).toEqual([false, true, true]);
    const sent = await stream.waitFor((e) => e.event === 'message.status' && e.data.conversationId === id && e.data.status === 'sent');
    await t.atende.conversations.whenIdle();
    const toMaria = chat.requests().filter((r) => (r.text as { body: string } | undefined)?.body === body.text);
    expect(toMaria).toEqual([{ messaging_product: 'whatsapp', recipient_type: 'individual', to: maria.waId, type: 'text', text: { preview_url: false, body: body.text } }]);

    // Meta reports it delivered: the console hears it.
    const row = await t.atende.db.prisma.outboundMessage.findFirstOrThrow({ where: { id: BigInt(sent.data.id as string) } });
    await postWebhook(t.atende, statusWebhook([{ id: row.providerMessageId!, status: 'delivered', at: new Date(), recipient: maria.waId }]));
    await stream.waitFor((e) => e.event === 'message.status' && e.data.conversationId === id && e.data.status === 'delivered');
    stream.close();
  });

  it('refuses a reply outside the 24-hour window, saying when it closed', async () => {
    const lia = { waId: '5521966665555', name: 'Lia Prado' };
    const chat = cloudChat(t.atende, fake, lia);
    const dayAndHourAgo = new Date(Date.now() - 25 * 3600_000);
    // The person wrote 25 hours ago (Meta delivers the message's own timestamp).
    await postWebhook(t.atende, textWebhook(lia, 'wamid.HBgNOLD1', 'oi', dayAndHourAgo));
    await postWebhook(t.atende, textWebhook(lia, 'wamid.HBgNOLD2', 'atendente', new Date(dayAndHourAgo.getTime() + 60_000)));
    await t.atende.conversations.whenIdle();
    const id = await queued(t, admin, 'whatsapp-cloud', lia.waId);
    const before = chat.requests().length;

    const res = await apiOf(t)('POST', `/conversations/${id}/messages`, admin, { messageId: 'late-1', text: 'Oi Lia!' });
    expect(res.statusCode).toBe(409);
    const problem = res.json();
    expect(problem.type).toMatch(/window-closed$/);
    const closedAt = new Date(dayAndHourAgo.getTime() + 60_000 + 24 * 3600_000);
    expect(Math.abs(new Date(problem.closedAt).getTime() - closedAt.getTime())).toBeLessThan(1_000);
    expect(problem.detail).toContain(problem.closedAt);
    await t.atende.conversations.whenIdle();
    expect(chat.requests()).toHaveLength(before);
  });
});

describe('handoff inbox on Telegram', () => {
  let t: TestApp;
  let fake: FakeTelegram;
  const SECRET = 'handoff-telegram-secret';
  beforeAll(async () => {
    fake = await startFakeTelegram();
    t = await startTestApp({ backend: 'postgres', env: { TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_URL: fake.url, ...NO_LLM } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('a staff reply posted three times reaches the person once, after the bot’s replies', async () => {
    const deliver = async (update: unknown) => {
      const res = await t.atende.http.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'x-telegram-bot-api-secret-token': SECRET }, payload: update as object });
      expect(res.statusCode).toBe(200);
    };
    const user = { id: 5550001, first_name: 'Caio', last_name: 'Lima' };
    const chat = telegramChat(t.atende, fake, user, deliver);
    await chat.say('oi');
    const handoff = await chat.say('atendente');
    expect(handoff.map((m) => m.text)).toEqual([catalog.handoff()]);
    const admin = await t.login();
    const id = await queued(t, admin, 'telegram', String(user.id));
    const attendant = await t.tokenFor('attendant');
    expect((await apiOf(t)('POST', `/conversations/${id}/claim`, attendant)).json()).toMatchObject({ id, claimedBy: { id: userIdOf(attendant) } });
    const posts = await Promise.all([1, 2, 3].map(() => apiOf(t)('POST', `/conversations/${id}/messages`, attendant, { messageId: 'tg-1', text: 'Olá Caio, sou a Rita.' })));
    expect(posts.map((p) => p.json().duplicate).sort()).toEqual([false, true, true]);
    await fake.waitFor(() => fake.sentTo(user.id).some((m) => m.text === 'Olá Caio, sou a Rita.'), 'the staff reply');
    await t.atende.conversations.whenIdle();
    const texts = fake.sentTo(user.id).map((m) => m.text);
    expect(texts.filter((x) => x === 'Olá Caio, sou a Rita.')).toHaveLength(1);
    expect(texts.slice(-2)).toEqual([catalog.handoff(), 'Olá Caio, sou a Rita.']);
  });
});
