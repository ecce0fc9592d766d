// End to end through the Telegram channel on the real app, with the Bot API replaced by a
// fake on 127.0.0.1 (test/helpers/fake-telegram.ts) and no LLM (the bot asks field by field):
// a person registers — /start, consent, name, the phone by pressing the share-contact button
// the bot offers, the reason — up to the saved contact, in webhook mode and in polling mode.
// Also: the webhook's secret check, unreadable updates, redelivered updates, and a restart
// in polling mode that resumes after the stored offset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { FAKE_BOT_ID, FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram } from './helpers/fake-telegram.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { callbackUpdate, ownContactUpdate, type TelegramChat, telegramChat, telegramFixture, textUpdate, type TelegramUser } from './helpers/telegram-chat.ts';
import { staysFor } from './helpers/quiet.ts';

const SECRET = 'tg-webhook-secret_0123456789';
const PHONE_QUESTION = 'Qual é o seu telefone com DDD? (ex.: 11 99999-8888)';
const PHONE_KEYBOARD = { keyboard: [[{ text: '📱 Enviar meu telefone', request_contact: true }]], one_time_keyboard: true, resize_keyboard: true };
const NO_LLM = { LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_THRESHOLD: '100' };

type Body = Record<string, unknown>;
const texts = (bodies: Body[]) => bodies.map((b) => b.text as string);

/** Registers `user` over Telegram, answering what the bot asks; checks every reply body. */
async function register(t: TestApp, fake: FakeTelegram, chat: TelegramChat, user: TelegramUser, phoneDigits: string, e164: string) {
  const start = await chat.say('/start');
  expect(texts(start)[0]).toMatch(/^Eu registro seu contato/);
  expect(texts(start).at(-1)).toContain('Você concorda? Responda SIM ou NÃO.');
  // The consent question carries SIM / NÃO as an inline keyboard; the person taps SIM.
  expect(start.at(-1)!.reply_markup).toEqual({ inline_keyboard: [[{ text: 'SIM', callback_data: 'SIM' }, { text: 'NÃO', callback_data: 'NÃO' }]] });
  const answered = fake.calls('answerCallbackQuery').length;
  const tap = callbackUpdate(user, 'SIM');
  expect(texts(await chat.deliver(tap)).at(-1)).toContain('Me envie seu nome completo');
  await fake.waitFor(() => fake.calls('answerCallbackQuery').length > answered, 'answerCallbackQuery');
  expect(fake.calls('answerCallbackQuery').at(-1)).toEqual({ callback_query_id: (tap.callback_query as { id: string }).id });

  let replies = await chat.say(`${user.first_name} ${user.last_name}`);
  let offeredButton = false;
  for (let turn = 0; turn < 10 && !texts(replies).at(-1)!.includes('Está correto?'); turn++) {
    const last = replies.at(-1)!;
    const text = last.text as string;
    if (text === PHONE_QUESTION) {
      // The exact request: the person gets the share-contact button, and presses it.
      expect(last).toEqual({ chat_id: user.id, text: PHONE_QUESTION, reply_markup: PHONE_KEYBOARD });
      offeredButton = true;
      replies = await chat.deliver(ownContactUpdate(user, phoneDigits));
    } else if (/nome completo/.test(text)) replies = await chat.say(`${user.first_name} ${user.last_name}`);
    else if (/motivo/.test(text)) replies = await chat.say('apoio emocional');
    else if (/e-mail/.test(text)) replies = await chat.say('pular');
    else throw new Error(`unexpected bot reply: ${text}`);
  }
  expect(offeredButton).toBe(true);
  const summary = texts(replies).at(-1)!;
  expect(summary).toContain(`• Nome: ${user.first_name} ${user.last_name}`);
  expect(summary).toContain(`• Telefone: (${e164.slice(3, 5)}) ${e164.slice(5, 10)}-${e164.slice(10)}`);
  const [saved] = texts(await chat.say('sim'));
  expect(saved).toMatch(/^Recebemos seu cadastro\. Protocolo: \w+\./);

  // Replies with options carry them as an inline keyboard; every other reply but the phone
  // question took any reply keyboard away.
  for (const body of fake.sentTo(user.id)) {
    const markup = body.reply_markup as { inline_keyboard?: unknown } | undefined;
    if (body.text !== PHONE_QUESTION && !markup?.inline_keyboard) expect(markup).toEqual({ remove_keyboard: true });
  }
  const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: e164 } });
  expect(contact).toMatchObject({ name: `${user.first_name} ${user.last_name}`, reason: 'apoio emocional', sourceChannel: 'telegram', sourceChatId: String(user.id), mode: 'contact' });
  expect(contact.consentAt).toBeInstanceOf(Date);
  // The phone came from Telegram's own contact share: the inbox row carries it as the sender's.
  const shared = await t.atende.db.prisma.inboundMessage.findFirstOrThrow({ where: { channel: 'telegram', chatId: String(user.id), senderPhone: e164 } });
  expect(shared).toMatchObject({ accountId: FAKE_BOT_ID, senderId: String(user.id), kind: 'text', text: e164 });
}

async function counter(t: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await t.atende.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

describe('telegram channel, webhook mode', () => {
  let fake: FakeTelegram;
  let ollama: FakeOllama;
  let t: TestApp;
  const post = (payload: unknown, secret: string | null = SECRET) =>
    t.atende.http.inject({ method: 'POST', url: '/webhooks/telegram', headers: secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }, payload: payload as Body });
  const deliver = async (update: Body) => {
    const res = await post(update);
    expect(res.statusCode).toBe(200);
  };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    ollama = await startFakeOllama({ fallback: behave.status(503, 'model is loading') });
    t = await startTestApp({
      backend: 'postgres',
      env: { TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_URL: fake.url, OLLAMA_HOST: ollama.url, ...NO_LLM },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await ollama?.close();
  });

  it('refuses a missing or wrong secret with 401 problem+json and stores nothing', async () => {
    const update = textUpdate({ id: 3000001, first_name: 'Eva', last_name: 'Souza' }, 'oi');
    for (const secret of [null, '', 'wrong-secret', `${SECRET}x`, SECRET.slice(0, -1)]) {
      const res = await post(update, secret);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
    // Refused before the body is read: not even unparsable JSON gets further.
    const garbage = await t.atende.http.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(garbage.statusCode).toBe(401);
    await t.atende.conversations.whenIdle();
    expect(await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram' } })).toBe(0);
    expect(fake.calls('sendMessage')).toEqual([]);
  });

  it('acknowledges updates it cannot read or does not handle, and counts them', async () => {
    const malformed = await post({ update_id: 77, message: { message_id: 'x', chat: {} } });
    expect(malformed.statusCode).toBe(200);
    expect(malformed.json()).toEqual({ ok: true, outcome: 'malformed' });
    for (const name of ['edited-message', 'channel-post', 'callback-query', 'group-message']) {
      expect((await post(telegramFixture(name))).json(), name).toEqual({ ok: true, outcome: 'ignored' });
    }
    expect(await counter(t, 'atende_telegram_updates_total', { source: 'webhook', outcome: 'malformed' })).toBe(1);
    expect(await counter(t, 'atende_telegram_updates_total', { source: 'webhook', outcome: 'ignored' })).toBe(4);
    expect(await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram' } })).toBe(0);
  });

  it('registers a person who shares their own contact for the phone', async () => {
    const user = { id: 3000002, first_name: 'Maria', last_name: 'Silva' };
    await register(t, fake, telegramChat(t.atende, fake, user, deliver), user, '5511999998888', '+5511999998888');
  });

  it('recognizes staff by the @username registered as their chat identity (attendant mode)', async () => {
    const admin = await t.login();
    const created = await t.atende.http.inject({
      method: 'POST',
      url: '/users',
      headers: { authorization: `Bearer ${admin}` },
      payload: { email: 'ana.tg@test.local', name: 'Ana', role: 'attendant', password: 'ana-password-123', identities: [{ channel: 'telegram', address: '@Ana_Atende' }] },
    });
    expect(created.statusCode).toBe(201);
    const staff = { id: 3000010, first_name: 'Ana', last_name: 'Atende', username: 'ANA_atende' };
    const [intro] = texts(await telegramChat(t.atende, fake, staff, deliver).say('oi'));
    expect(intro).toContain('Envie os dados do novo contato');
    const conversation = await t.atende.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'telegram', chatId: String(staff.id) } });
    expect(conversation).toMatchObject({ mode: 'attendant', attendantUserId: created.json<{ id: string }>().id });
  });

  it('handles a redelivered update once: one inbox row, one reply', async () => {
    const user = { id: 3000003, first_name: 'João', last_name: 'Lima' };
    const update = textUpdate(user, 'oi');
    const [first, second] = [await post(update), await post(update)];
    expect([first.json(), second.json()]).toEqual([
      { ok: true, outcome: 'accepted' },
      { ok: true, outcome: 'duplicate' },
    ]);
    await fake.waitFor(() => fake.sentTo(user.id).length >= 1, 'the reply');
    await t.atende.conversations.whenIdle();
    expect(await staysFor(() => fake.sentTo(user.id).length)).toBe(1);
    expect(await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram', chatId: String(user.id) } })).toBe(1);
  });

  it('answers a voice note with a request to write when transcription is off', async () => {
    const user = { id: 3000004, first_name: 'Ana', last_name: 'Reis' };
    const voice = telegramFixture('voice');
    const message = voice.message as Body;
    const update = { update_id: 900_000_001, message: { ...message, message_id: 9, from: { ...(message.from as Body), id: user.id }, chat: { ...(message.chat as Body), id: user.id } } };
    const replies = await telegramChat(t.atende, fake, user, deliver).deliver(update);
    expect(texts(replies)[0]).toBe('Não consegui ouvir seu áudio. Pode escrever sua mensagem, por favor?');
  });

  it('reports the channel up', async () => {
    expect((await t.atende.connectors.health()).telegram).toEqual({ status: 'up', detail: 'webhook' });
  });

  it('never logs the bot token, the secret, names, phones or texts', () => {
    for (const secret of [FAKE_BOT_TOKEN.split(':')[1]!, SECRET, 'Maria Silva', '999998888', 'apoio emocional']) expect(t.logs.text).not.toContain(secret);
  });
});

describe('telegram channel, polling mode', () => {
  let fake: FakeTelegram;
  let ollama: FakeOllama;
  let db: TestDatabase;
  let t: TestApp | undefined;
  const env = () => ({ TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_URL: fake.url, OLLAMA_HOST: ollama.url, ...NO_LLM });
  const deliver = async (update: Body) => fake.queue(update);

  beforeAll(async () => {
    fake = await startFakeTelegram();
    // A webhook left over from another deployment: polling must delete it first.
    fake.webhook = { url: 'https://old.example/webhooks/telegram', max_connections: 40 };
    ollama = await startFakeOllama({ fallback: behave.status(503, 'model is loading') });
    db = await createTestDatabase();
    t = await startTestApp({ backend: 'postgres', database: db, env: env() });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await fake?.close();
    await ollama?.close();
  });

  it('deletes the webhook, then long-polls; no webhook route is exposed', async () => {
    await fake.waitFor(() => fake.calls('getUpdates').length >= 1, 'the first long poll');
    expect(fake.requests[0]).toMatchObject({ method: 'deleteWebhook', body: { drop_pending_updates: false } });
    expect(fake.calls('getUpdates')[0]).toEqual({ timeout: 25, allowed_updates: ['message', 'callback_query'] });
    expect(fake.webhook).toBeNull();
    const res = await t!.atende.http.inject({ method: 'POST', url: '/webhooks/telegram', headers: { 'x-telegram-bot-api-secret-token': SECRET }, payload: {} });
    expect(res.statusCode).toBe(404);
  });

  it('registers a person who shares their own contact for the phone', async () => {
    const user = { id: 4000001, first_name: 'Carla', last_name: 'Mendes' };
    await register(t!, fake, telegramChat(t!.atende, fake, user, deliver), user, '5521987654321', '+5521987654321');
    expect((await t!.atende.connectors.health()).telegram).toEqual({ status: 'up', detail: 'polling' });
  });

  it('handles an update delivered twice once: one inbox row, one reply', async () => {
    const user = { id: 4000002, first_name: 'Rui', last_name: 'Costa' };
    const update = textUpdate(user, 'oi');
    fake.queue(update, update);
    await fake.waitFor(() => fake.sentTo(user.id).length >= 1, 'the reply');
    await t!.atende.conversations.whenIdle();
    expect(await staysFor(() => fake.sentTo(user.id).length)).toBe(1);
    expect(await t!.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram', chatId: String(user.id) } })).toBe(1);
  });

  it('resumes after the stored offset when restarted: nothing is processed again', async () => {
    const user = { id: 4000003, first_name: 'Lia', last_name: 'Prado' };
    const chat = telegramChat(t!.atende, fake, user, deliver);
    const update = textUpdate(user, 'oi');
    await chat.deliver(update);
    const offset = (update.update_id as number) + 1;
    await fake.waitFor(() => fake.calls('getUpdates').some((b) => b.offset === offset), 'the offset confirmed');
    const state = await t!.atende.db.prisma.channelState.findUniqueOrThrow({ where: { channel_accountId_key: { channel: 'telegram', accountId: FAKE_BOT_ID, key: 'offset' } } });
    expect(state.value).toBe(String(offset));

    const stopping = Date.now();
    await t!.close();
    t = undefined;
    // The held long poll was dropped at once, not left to its 25 s timeout.
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(fake.abortedPolls).toBeGreaterThanOrEqual(1);
    const sentBefore = fake.sentTo(user.id).length;

    // Telegram still holding the update (as after a crash before the confirmation):
    fake.queue(update);
    const pollsBefore = fake.calls('getUpdates').length;
    t = await startTestApp({ backend: 'postgres', database: db, env: env() });
    await fake.waitFor(() => fake.calls('getUpdates').length > pollsBefore, 'the restarted app polling');
    expect(fake.calls('getUpdates')[pollsBefore]).toEqual({ offset, timeout: 25, allowed_updates: ['message', 'callback_query'] });
    await t.atende.conversations.whenIdle();
    expect(await staysFor(() => t!.atende.db.prisma.inboundMessage.count({ where: { channel: 'telegram', chatId: String(user.id) } }))).toBe(1);
    expect(fake.sentTo(user.id)).toHaveLength(sentBefore);
    expect(await counter(t, 'atende_telegram_updates_total', { source: 'polling', outcome: 'accepted' })).toBe(0);

    // And the chat goes on where it was.
    const replies = await chat.say('sim');
    expect(texts(replies).at(-1)).toContain('Me envie seu nome completo');
    for (const secret of [FAKE_BOT_TOKEN.split(':')[1]!, 'Carla Mendes', '987654321']) expect(t.logs.text).not.toContain(secret);
  });
});
