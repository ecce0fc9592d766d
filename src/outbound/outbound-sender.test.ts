// A reply that only another replica can send (the connector says "elsewhere": it holds the
// channel's one socket) is handed back uncounted — however often a standby takes it first,
// it is never backed off nor given up on — and the standby's sweeps leave it to the holder.
// On a real (in-memory PGlite) database, with a controlled clock.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { type Connector, ConnectorSendError } from '../../connectors/types.ts';
import { createPipelineMetrics } from '../conversations/pipeline-metrics.ts';
import { type SqlClient, sql } from '../db/sql.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createLogger } from '../observability/logger.ts';
import { LogCapture } from '../../test/helpers/app.ts';
import { OutboundRepository } from './outbound-repository.ts';
import { OutboundSender } from './outbound-sender.ts';

const CHAT = { channel: 'wa', accountId: 'bot', chatId: 'maria' };

/** The channel as a replica sees it: standby (another one holds the socket) or holder. */
function channel(role: { standby: boolean }) {
  const sent: string[] = [];
  const connector: Connector = {
    channel: 'wa',
    start: async () => {},
    stop: async () => {},
    health: async () => ({ status: 'up' }),
    async sendText(_chatId, text) {
      if (role.standby) throw new ConnectorSendError('wa', 'standby', 'another replica holds the socket', true, undefined, { elsewhere: true });
      sent.push(text);
      return { providerMessageId: `id-${sent.length}` };
    },
  };
  return { connector, sent };
}

describe('OutboundSender and replies another replica must send', () => {
  let db: Database;
  let pipeline: SqlClient;
  let conversationId: string;
  let clock = new Date('2025-06-01T12:00:00Z');
  const now = () => clock;
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

  function replica(standby: boolean) {
    const role = { standby };
    const { connector, sent } = channel(role);
    const registry = new Registry();
    const logs = new LogCapture();
    const sender = new OutboundSender({
      outbound: new OutboundRepository(pipeline),
      connectors: new ConnectorRegistry().register(connector),
      metrics: createPipelineMetrics(registry, async () => 0),
      logger: createLogger({ level: 'debug', destination: logs }),
      now,
    });
    return { sender, sent, registry, logs, role };
  }
  const replies = () => db.prisma.outboundMessage.findMany({ orderBy: { id: 'asc' } });
  let seq = 0;
  const insert = (text: string, data: { status?: string; attempts?: number; nextAttemptAt?: Date } = {}) =>
    db.prisma.outboundMessage.create({ data: { conversationId, ...CHAT, idempotencyKey: `k${++seq}`, text, nextAttemptAt: clock, ...data } });

  beforeAll(async () => {
    db = await openDatabase({});
    await db.migrate();
    pipeline = db;
    const conversation = await db.prisma.conversation.create({ data: { ...CHAT, mode: 'contact', status: 'active', senderId: 'maria', snapshot: {}, lastActivityAt: clock } });
    conversationId = conversation.id;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('hands the reply back without counting the attempt, however often a standby tries, and the holder sends it once', async () => {
    const standby = replica(true);
    const holder = replica(false);
    await insert('um');
    await insert('dois');

    for (let i = 0; i < 25; i++) {
      expect(await standby.sender.deliver(CHAT)).toBe(false);
      const [first, second] = await replies();
      // Back to pending, due again in a second, no attempt spent, no error recorded.
      expect(first).toMatchObject({ status: 'pending', attempts: 0, lastError: null, nextAttemptAt: new Date(clock.getTime() + 1_000) });
      // The one behind it was not touched.
      expect(second).toMatchObject({ status: 'pending', attempts: 0 });
      advance(1_000);
    }
    expect(await standby.registry.getSingleMetricAsString('atende_outbound_messages_total')).toContain('channel="wa",outcome="elsewhere"} 25');
    // Debug lines, no warning: nothing is wrong.
    const levels = standby.logs.records.map((r) => r.level);
    expect(new Set(levels)).toEqual(new Set(['debug']));
    expect(standby.logs.records[0]).toMatchObject({ event: 'outbound_elsewhere', channel: 'wa', code: 'standby' });
    expect(standby.logs.text).not.toContain('um');

    // The standby's sweeps leave the chat to the holder's; the holder's find it.
    expect(await standby.sender.chatsWithDueReplies(10)).toEqual([]);
    expect(await holder.sender.chatsWithDueReplies(10)).toEqual([CHAT]);
    expect(await holder.sender.deliver(CHAT)).toBe(true);
    expect(holder.sent).toEqual(['um', 'dois']);
    expect((await replies()).map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
  });

  it('sweeps the channel again a while later, or as soon as a send through it works here', async () => {
    const standby = replica(true);
    await insert('três');
    await standby.sender.deliver(CHAT);
    advance(2_000);
    expect(await standby.sender.chatsWithDueReplies(10)).toEqual([]);
    // The holder is gone: after a while this replica looks again (and may hold the socket by then).
    advance(11_000);
    expect(await standby.sender.chatsWithDueReplies(10)).toEqual([CHAT]);

    await standby.sender.deliver(CHAT);
    expect(await standby.sender.chatsWithDueReplies(10)).toEqual([]);
    standby.role.standby = false;
    advance(1_000);
    expect(await standby.sender.deliver(CHAT)).toBe(true);
    await insert('quatro');
    expect(await standby.sender.chatsWithDueReplies(10)).toEqual([CHAT]);
    expect(await standby.sender.deliver(CHAT)).toBe(true);
    expect(standby.sent).toEqual(['três', 'quatro']);
  });

  it('a turn’s freshly claimed replies go back unclaimed and uncounted, in order', async () => {
    const standby = replica(true);
    const claimUntil = new Date(clock.getTime() + 20_000);
    const claimed = [await insert('cinco', { status: 'sending', attempts: 1, nextAttemptAt: claimUntil }), await insert('seis', { status: 'sending', attempts: 1, nextAttemptAt: claimUntil })];
    const sent: bigint[] = [];
    const ok = await standby.sender.sendClaimed(CHAT, claimed.map((r) => ({ id: String(r.id), key: r.idempotencyKey, text: r.text, conversationId, attempt: 1 })), sent);
    expect(ok).toBe(false);
    expect(sent).toEqual([]);
    const [five, six] = (await replies()).slice(-2);
    expect(five).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: new Date(clock.getTime() + 1_000) });
    expect(six).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: clock });

    const holder = replica(false);
    advance(1_000);
    expect(await holder.sender.deliver(CHAT)).toBe(true);
    expect(holder.sent).toEqual(['cinco', 'seis']);
  });

  // The ids were once read as text and sorted as text: "100" came before "99".
  it('sends a chat’s replies in the order they were written when their ids cross a power of ten', async () => {
    const holder = replica(false);
    await db.query(sql`SELECT setval(pg_get_serial_sequence('outbound_messages', 'id'), 997)`);
    for (const text of ['noventa e oito', 'noventa e nove', 'mil', 'mil e um']) await insert(text);
    expect((await replies()).slice(-4).map((r) => String(r.id))).toEqual(['998', '999', '1000', '1001']);
    expect(await holder.sender.deliver(CHAT)).toBe(true);
    expect(holder.sent).toEqual(['noventa e oito', 'noventa e nove', 'mil', 'mil e um']);
  });
});
