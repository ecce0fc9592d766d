// A reply left claimed ('sending') by a worker that died between its send and the "sent" mark
// holds back the chat's later replies only as long as its channel requires (issue 17): a
// channel whose delivery drops repeats of an idempotency key (the web mailbox) gets it again at
// once, in order and shown once; any other channel waits for the dead worker's claim to lapse,
// since that send may still be in flight. On a real (in-memory PGlite) database, controlled clock.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import type { Connector } from '../../connectors/types.ts';
import { createPipelineMetrics } from '../conversations/pipeline-metrics.ts';
import type { SqlClient } from '../db/sql.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createLogger } from '../observability/logger.ts';
import { OutboundRepository } from './outbound-repository.ts';
import { CLAIM_MS, OutboundSender } from './outbound-sender.ts';

/** A channel that shows each idempotency key once (like the web mailbox), or shows every send. */
function channel(name: string, idempotent: boolean) {
  const shown: string[] = [];
  const keys = new Set<string>();
  const connector: Connector = {
    channel: name,
    ...(idempotent ? { idempotentDelivery: true } : {}),
    start: async () => {},
    stop: async () => {},
    health: async () => ({ status: 'up' }),
    async sendText(_chatId, text, key) {
      if (idempotent && keys.has(key)) return;
      keys.add(key);
      shown.push(text);
    },
  };
  return { connector, shown };
}

describe('a reply a dead worker left unmarked', () => {
  let db: Database;
  let pipeline: SqlClient;
  let clock = new Date('2025-06-01T12:00:00Z');
  const now = () => clock;
  const web = channel('webby', true);
  const telegram = channel('telly', false);
  let sender: OutboundSender;
  let seq = 0;

  async function chatWithLeftover(channelName: string) {
    const chat = { channel: channelName, accountId: 'bot', chatId: `c${++seq}` };
    const conversation = await db.prisma.conversation.create({ data: { ...chat, mode: 'contact', status: 'active', senderId: chat.chatId, snapshot: {}, lastActivityAt: clock } });
    const base = { conversationId: conversation.id, ...chat };
    // The dead worker's reply: claimed for CLAIM_MS, maybe already shown to the person.
    await db.prisma.outboundMessage.create({ data: { ...base, idempotencyKey: `${chat.chatId}:1`, text: `${chat.chatId} um`, status: 'sending', attempts: 1, nextAttemptAt: new Date(clock.getTime() + CLAIM_MS), updatedAt: clock } });
    // The chat's next reply, due now.
    await db.prisma.outboundMessage.create({ data: { ...base, idempotencyKey: `${chat.chatId}:2`, text: `${chat.chatId} dois`, nextAttemptAt: clock } });
    return chat;
  }
  const statuses = (chatId: string) => db.prisma.outboundMessage.findMany({ where: { chatId }, orderBy: { id: 'asc' } }).then((rows) => rows.map((r) => r.status));

  beforeAll(async () => {
    db = await openDatabase({});
    await db.migrate();
    pipeline = db;
    sender = new OutboundSender({
      outbound: new OutboundRepository(pipeline),
      connectors: new ConnectorRegistry().register(web.connector).register(telegram.connector),
      metrics: createPipelineMetrics(new Registry(), async () => 0),
      logger: createLogger({ level: 'silent' }),
      now,
    });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('is sent again at once on an idempotent channel, then the next one, each shown once', async () => {
    const chat = await chatWithLeftover('webby');
    // The dead worker had shown it already: the resend must not show it twice.
    await web.connector.sendText(chat.chatId, `${chat.chatId} um`, `${chat.chatId}:1`);
    expect(sender.resendsAtOnce('webby')).toBe(true);

    expect(await sender.deliver(chat)).toBe(true);
    expect(web.shown.filter((t) => t.startsWith(`${chat.chatId} `))).toEqual([`${chat.chatId} um`, `${chat.chatId} dois`]);
    expect(await statuses(chat.chatId)).toEqual(['sent', 'sent']);
  });

  it('waits for the claim to lapse on a channel that would show a resend twice', async () => {
    const chat = await chatWithLeftover('telly');
    expect(sender.resendsAtOnce('telly')).toBe(false);
    expect(await sender.deliver(chat)).toBe(false);
    expect(telegram.shown).toEqual([]);
    expect(await statuses(chat.chatId)).toEqual(['sending', 'pending']);

    clock = new Date(clock.getTime() + CLAIM_MS);
    expect(await sender.deliver(chat)).toBe(true);
    expect(telegram.shown).toEqual([`${chat.chatId} um`, `${chat.chatId} dois`]);
  });

  it("is found by the sweep once unmarked for a few seconds on an idempotent channel, after the claim elsewhere", async () => {
    const start = clock;
    const webChat = await chatWithLeftover('webby');
    const tgChat = await chatWithLeftover('telly');
    // A 'sending' row is normal while its worker sends; only a stale one is a dead worker's.
    await db.prisma.outboundMessage.updateMany({ where: { chatId: { in: [webChat.chatId, tgChat.chatId] }, status: 'pending' }, data: { status: 'sent' } });
    const due = async () => (await sender.chatsWithDueReplies(100)).map((c) => c.chatId).sort();
    expect(await due()).toEqual([]);
    clock = new Date(start.getTime() + 3_500);
    expect(await due()).toEqual([webChat.chatId]);
    clock = new Date(start.getTime() + CLAIM_MS);
    expect(await due()).toEqual([webChat.chatId, tgChat.chatId].sort());
  });
});
