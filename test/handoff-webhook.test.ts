// The `conversation.handoff` webhook through the signed sync outbox, against a fake receiver
// on 127.0.0.1, on both back-ends: a person on the web chat asks for an attendant; the
// receiver gets one signed event with ids, channel and wait — none of the name, phone or
// words the person typed —, retried with the same delivery id when the receiver fails, and
// one event per handoff (a second handoff is a second event; the same one observed twice
// is not).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { BACKENDS } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startSyncApp, SYNC_SECRET, type SyncApp } from './helpers/sync-app.ts';
import { eventually, type ReceivedDelivery, startSyncReceiver, type SyncReceiver } from './helpers/sync-receiver.ts';
import { openWebChat, type WebChat } from './helpers/web-chat.ts';
import { staysFor } from './helpers/quiet.ts';

const PERSON = { name: 'Lúcia Handoff Ramos', phone: '11 98765-4321' };

interface HandoffBody {
  conversation: { id: string; channel: string; status: string; contactId: string | null; handoffAt: string; waitSeconds: number };
}
const bodyOf = (d: ReceivedDelivery) => d.json as unknown as HandoffBody;

function signatureVerifies(d: ReceivedDelivery): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SYNC_SECRET).update(d.body).digest('hex')}`);
  const got = Buffer.from(String(d.headers['x-atende-signature'] ?? ''));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe.each(BACKENDS)('conversation.handoff webhook (%s)', (backend) => {
  let db: TestDatabase | undefined;
  let receiver: SyncReceiver;
  let app: SyncApp;

  beforeAll(async () => {
    receiver = await startSyncReceiver();
    if (backend === 'postgres') db = await createTestDatabase();
    app = await startSyncApp({
      backend,
      ...(db ? { databaseUrl: db.url } : {}),
      env: { SYNC_WEBHOOK_URL: receiver.url, SYNC_WEBHOOK_SECRET: SYNC_SECRET, SYNC_MAX_ATTEMPTS: '5', SYNC_WEBHOOK_TIMEOUT_MS: '2000', OLLAMA_HOST: 'http://127.0.0.1:9' },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
    await db?.drop();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer(200);
  });

  const handoffs = () => receiver.received.filter((d) => d.headers['x-atende-event'] === 'conversation.handoff');

  /** A person who gave name and phone, then asks for an attendant. */
  async function personInHandoff(): Promise<WebChat> {
    const chat = await openWebChat(app.atende);
    await chat.say('oi');
    await chat.say('sim');
    await chat.say(PERSON.name);
    await chat.say(PERSON.phone);
    expect(await chat.say('atendente')).toEqual([catalog.handoff()]);
    return chat;
  }

  it('is signed, carries ids, channel and wait but no personal data, and is retried with the same delivery id', { timeout: 60_000 }, async () => {
    receiver.answer(503, 500, 200);
    const chat = await personInHandoff();
    await eventually(async () => handoffs().length, (n) => n === 3);
    const [first, , last] = handoffs();
    const conversation = await app.atende.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat.chatId } });
    expect(conversation.status).toBe('handoff');

    for (const d of handoffs()) expect(signatureVerifies(d)).toBe(true);
    expect(handoffs().map((d) => d.headers['x-atende-delivery'])).toEqual(Array(3).fill(first!.json.deliveryId));
    expect(handoffs().map((d) => d.json.attempt)).toEqual([1, 2, 3]);
    expect(last!.json).toMatchObject({
      event: 'conversation.handoff',
      conversation: { id: conversation.id, channel: 'web', status: 'handoff', contactId: null, handoffAt: conversation.handoffAt!.toISOString() },
    });
    const wait = bodyOf(last!).conversation.waitSeconds;
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(wait).toBeLessThan(60);

    // Nothing the person said or is: not the name, the phone (any form), the chat id, the words.
    for (const d of handoffs()) {
      const digits = d.body.replace(/\D/g, '');
      expect(d.body).not.toContain('Lúcia');
      expect(d.body).not.toContain('Ramos');
      expect(digits).not.toContain('987654321');
      expect(d.body).not.toContain(chat.chatId);
      expect(d.body).not.toContain('atendente');
      expect(Object.keys(d.json)).toEqual(['deliveryId', 'event', 'attempt', 'queuedAt', 'sentAt', 'conversation']);
    }
    const row = await eventually(() => app.atende.db.prisma.contactSyncEvent.findFirstOrThrow({ where: { conversationId: conversation.id } }), (r) => r.status === 'sent');
    expect(row).toMatchObject({ event: 'handoff', contactId: null, attempts: 3 });
    // The log lines of the sync name the conversation, never the person.
    expect(app.logs.text).not.toContain(PERSON.name);
  });

  it('is sent once per handoff: the same handoff observed again queues nothing; a second handoff is another event', { timeout: 60_000 }, async () => {
    const chat = await personInHandoff();
    await eventually(async () => handoffs().length, (n) => n === 1);
    const conversation = await app.atende.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat.chatId } });

    // A turn observed twice (a replayed commit) tells the same handoff again.
    await app.atende.sync.handoffOpened({ conversationId: conversation.id, handoffAt: conversation.handoffAt! });
    await app.atende.sync.whenIdle();
    expect(await app.atende.db.prisma.contactSyncEvent.count({ where: { conversationId: conversation.id } })).toBe(1);

    // Back to the bot, then another handoff: another event, another delivery id.
    const resumed = await app.inject({ method: 'POST', url: `/conversations/${conversation.id}/resume`, headers: { authorization: `Bearer ${app.token}` } });
    expect(resumed.statusCode).toBe(200);
    // The bot's "back" turn (greeting + the next question) is done before the person writes.
    await eventually(() => chat.replies(), (r) => r.includes(catalog.resumed()));
    await app.atende.conversations.whenIdle();
    expect(await chat.say('atendente')).toEqual([catalog.handoff()]);
    await eventually(async () => handoffs().length, (n) => n === 2);
    expect(await staysFor(() => handoffs().length)).toBe(2);
    const [a, b] = handoffs();
    expect(a!.json.deliveryId).not.toBe(b!.json.deliveryId);
    expect(bodyOf(a!).conversation.id).toBe(conversation.id);
    expect(bodyOf(b!).conversation.id).toBe(conversation.id);
  });
});
