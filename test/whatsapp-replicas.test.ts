// Two whole app replicas (real composition root) on one PostgreSQL and one Redis, each with a
// fake WhatsApp socket factory: one holds the socket, the other stands by. A reply that the
// standby's worker tries first (a turn it ran, or its sweep) is not its to send: it goes back
// uncounted, and the holder's sweeper sends it through the holder's socket, once.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundRepository } from '../src/outbound/outbound-repository.ts';
import { CLAIM_MS, OutboundSender } from '../src/outbound/outbound-sender.ts';
import { createPipelineMetrics } from '../src/conversations/pipeline-metrics.ts';
import type { FakeWhatsappSocket } from './helpers/fake-whatsapp-socket.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from './helpers/postgres.ts';
import { startWhatsappApp, type WhatsappApp } from './helpers/whatsapp-rig.ts';

const ENV = { OLLAMA_HOST: 'http://127.0.0.1:9', LLM_MAX_ATTEMPTS: '1', REDIS_URL: REDIS_TEST_URL };
const LID = '203456789012345@lid';
const PN = '5511987654321@s.whatsapp.net';
const CHAT = { channel: 'whatsapp', accountId: '5511900000000', chatId: LID };

async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 12_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('WhatsApp replies with two replicas (PostgreSQL + Redis)', () => {
  let pg: TestDatabase;
  let holder: WhatsappApp;
  let standby: WhatsappApp;
  let sock: FakeWhatsappSocket;

  beforeAll(async () => {
    pg = await createTestDatabase();
    // The first app takes the lease at once; the second finds it held and stands by.
    holder = await startWhatsappApp({ backend: 'postgres', database: pg, env: ENV });
    sock = await holder.connect();
    standby = await startWhatsappApp({ backend: 'postgres', database: pg, env: ENV });
  });
  afterAll(async () => {
    await standby?.t.close();
    await holder?.t.close();
    await pg?.drop();
  });

  it('a reply first tried on the standby is sent once, through the holder’s socket, its attempts unspent', async () => {
    expect(await standby.connector.health()).toEqual({ status: 'degraded', detail: 'another replica holds the WhatsApp socket' });
    expect(standby.sockets.sockets).toHaveLength(0);

    // Maria writes; whichever replica runs the turn, the greeting leaves through the holder.
    sock.emit('messages.upsert', {
      type: 'notify',
      messages: [{ key: { remoteJid: LID, remoteJidAlt: PN, addressingMode: 'lid', fromMe: false, id: '3EB0REPLICA0001' }, messageTimestamp: Math.floor(Date.now() / 1000), pushName: 'Maria', message: { conversation: 'oi' } }],
    });
    await waitFor(() => sock.sent.length > 0, 'the greeting');
    const conversation = await holder.t.atende.db.prisma.conversation.findFirstOrThrow({ where: { chatId: LID } });

    // A turn the standby ran commits its reply claimed by itself and sends it at once.
    const prisma = standby.t.atende.db.prisma;
    const text = 'Resposta de uma réplica sem o socket';
    const row = await prisma.outboundMessage.create({
      data: { conversationId: conversation.id, ...CHAT, idempotencyKey: `replica-test:${Date.now()}`, text, status: 'sending', attempts: 1, nextAttemptAt: new Date(Date.now() + CLAIM_MS) },
    });
    const sql = standby.t.atende.db;
    const registry = new Registry();
    const sender = new OutboundSender({ outbound: new OutboundRepository(sql), connectors: standby.t.atende.connectors, metrics: createPipelineMetrics(registry, async () => 0), logger: standby.t.atende.logger });
    const sent: bigint[] = [];
    const handedBackAt = Date.now();
    expect(await sender.sendClaimed(CHAT, [{ id: String(row.id), key: row.idempotencyKey, text, conversationId: conversation.id, attempt: 1 }], sent)).toBe(false);
    expect(sent).toEqual([]);
    expect(await registry.getSingleMetricAsString('atende_outbound_messages_total')).toContain('channel="whatsapp",outcome="elsewhere"} 1');
    expect(await prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: 'pending', attempts: 0 });

    // The holder's sweeper (every 5 s) finds it due; the standby's own sweeps may try it too.
    const done = await waitFor(async () => {
      const r = await prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } });
      return r.status === 'sent' && r;
    }, 'the holder to send the reply');
    expect(Date.now() - handedBackAt).toBeLessThan(9_000);
    expect(done).toMatchObject({ attempts: 1, lastError: null, providerMessageId: expect.stringMatching(/^3EB0SENT/) });
    await Promise.all([holder.t.atende.conversations.whenIdle(), standby.t.atende.conversations.whenIdle()]);
    expect(sock.sent.filter((s) => s.text === text)).toEqual([{ jid: LID, text }]);
    expect(standby.sockets.sockets).toHaveLength(0);

    // Every reply of the chat went out through the holder exactly once, first try counted only.
    const rows = await prisma.outboundMessage.findMany({ where: { chatId: LID }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(rows.map(() => ['sent', 1]));
    // (A reply with options goes out with them numbered below its text: Baileys has no buttons.)
    expect(sock.sent.map((s) => s.text)).toEqual(rows.map((r) => expect.stringContaining(r.text)));
    // Nobody logged a failed send: handing back is not a failure.
    for (const app of [holder, standby]) expect(app.t.logs.text).not.toContain('outbound_failed');
  });
});
