// Baileys hardening (issue 15 part 6) against the fake socket with Baileys' API:
// - a recipient's retry ("Aguardando mensagem") is answered from the outbound store, with the
//   text we sent to that chat under that id — also from a socket opened after the one that sent;
// - POST /channels/whatsapp/pairing-code links by code: admins only, phone validated, 409 once
//   a number is connected, 404 when Baileys is off;
// - an undecryptable message gets one request to send it again, unless Baileys' retry brought
//   it readable meanwhile; never for groups, statuses or our own;
// - a silent socket is reconnected by the watchdog, health degraded until it is back.
// The app-level parts go through the real composition root; the connector-level parts run the
// connector on a real PostgreSQL (its login store) with milliseconds for minutes.
import { Boom } from '@hapi/boom';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorContext, InboundMessage } from '../connectors/types.ts';
import type { WhatsappChannelConfig } from '../connectors/whatsapp/config.ts';
import { createWhatsappConnector, type WhatsappConnector } from '../connectors/whatsapp/index.ts';
import { DEFAULT_LEASE } from '../connectors/whatsapp/lease.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { fakeSocketFactory, type FakeWhatsappSocket } from './helpers/fake-whatsapp-socket.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { staysFor } from './helpers/quiet.ts';
import { startWhatsappApp, type WhatsappApp } from './helpers/whatsapp-rig.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9', LLM_MAX_ATTEMPTS: '1' };
const LID = '203456789012345@lid';
const PN = '5511987654321@s.whatsapp.net';
const ASK_AGAIN = 'Não consegui ler sua última mensagem. Pode enviar de novo, por favor?';

let seq = 0;
const nextId = () => `3EB0F00D${String(++seq).padStart(10, '0')}`;
/** A message from Maria as Baileys 7 upserts it: LID-addressed, phone in remoteJidAlt. */
const incoming = (message: object, id = nextId()) => ({ key: { remoteJid: LID, remoteJidAlt: PN, addressingMode: 'lid', fromMe: false, id }, messageTimestamp: Math.floor(Date.now() / 1000), pushName: 'Maria', message });
/** What Baileys upserts when it could not decrypt a message: a CIPHERTEXT stub, no content. */
const stub = (id = nextId(), key: object = {}) => ({
  key: { remoteJid: LID, remoteJidAlt: PN, addressingMode: 'lid', fromMe: false, id, ...key },
  messageTimestamp: Math.floor(Date.now() / 1000),
  pushName: 'Maria',
  messageStubType: 2,
  messageStubParameters: ['Bad MAC'],
});

async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const samples = async (registry: Registry, name: string) => (await registry.getSingleMetricAsString(name)).split('\n').filter((l) => l && !l.startsWith('#'));

describe.each(BACKENDS)('WhatsApp retry of a sent message (getMessage) on %s', (backend) => {
  let t: TestApp;
  let wa: WhatsappApp;
  let sock: FakeWhatsappSocket;

  beforeAll(async () => {
    wa = await startWhatsappApp({ backend, env: NO_LLM });
    t = wa.t;
    sock = await wa.connect();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers with the text sent to that chat under that id; nothing for another id or chat', async () => {
    sock.emit('messages.upsert', { type: 'notify', messages: [incoming({ conversation: 'oi' })] });
    const row = await waitFor(() => t.atende.db.prisma.outboundMessage.findFirst({ where: { channel: 'whatsapp', providerMessageId: { not: null } }, orderBy: { id: 'asc' } }), 'a sent reply with its WhatsApp id');
    const id = row.providerMessageId!;
    // Exactly what went out: the consent question with its numbered options.
    const sent = sock.sent[0]!;
    expect(sent.text.endsWith('\n\n1. SIM\n2. NÃO')).toBe(true);
    const getMessage = sock.input.getMessage!;
    // Baileys asks with the key of the retry receipt: the chat (here with a device suffix), our id.
    expect(await getMessage({ remoteJid: '203456789012345:7@lid', id })).toEqual({ conversation: sent.text });
    expect(await getMessage({ remoteJid: LID, id: '3EB0SENT99999999' })).toBeUndefined();
    expect(await getMessage({ remoteJid: '209876543210987@lid', id })).toBeUndefined();
    expect(await getMessage({ remoteJid: '5511911112222@s.whatsapp.net', id })).toBeUndefined();
    expect(await getMessage({ remoteJid: LID, id: '' })).toBeUndefined();
    // The same person by phone JID is the same chat once Baileys knows the LID→PN mapping.
    expect(await getMessage({ remoteJid: PN, id })).toBeUndefined();
    sock.lids.set(LID, PN);
    expect(await getMessage({ remoteJid: PN, id })).toEqual({ conversation: sent.text });
  });

  it('answers from the store on a socket opened after the one that sent it', async () => {
    const row = await t.atende.db.prisma.outboundMessage.findFirstOrThrow({ where: { channel: 'whatsapp', providerMessageId: { not: null } }, orderBy: { id: 'asc' } });
    const text = sock.sent[0]!.text;
    sock.close(428);
    const again = await wa.sockets.socket(1);
    again.open();
    expect(await again.input.getMessage!({ remoteJid: LID, id: row.providerMessageId! })).toEqual({ conversation: text });
    // An erased text is never given out again.
    await t.atende.db.prisma.outboundMessage.update({ where: { id: row.id }, data: { text: '' } });
    expect(await again.input.getMessage!({ remoteJid: LID, id: row.providerMessageId! })).toBeUndefined();
    sock = again;
  });
});

describe('WhatsApp pairing code', () => {
  let t: TestApp;
  let wa: WhatsappApp;
  let admin: Record<string, string>;
  const post = (body: unknown, headers: Record<string, string> = {}) => t.atende.http.inject({ method: 'POST', url: '/channels/whatsapp/pairing-code', payload: body as object, headers });

  beforeAll(async () => {
    wa = await startWhatsappApp({ backend: 'postgres', env: NO_LLM });
    t = wa.t;
    admin = { authorization: `Bearer ${await t.login()}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives an admin the code for the bot number while the socket waits to be linked', async () => {
    const sock = await wa.sockets.socket(0);
    // Connecting: WhatsApp cannot take the request yet.
    const early = await post({ phone: '+55 11 98765-0000' }, admin);
    expect(early.statusCode).toBe(503);
    expect(early.headers['content-type']).toContain('application/problem+json');
    expect(early.headers['retry-after']).toBe('2');
    expect(early.json()).toMatchObject({ code: 'not-ready' });
    expect(sock.calls).toEqual([]);

    sock.showQr('2@waiting-for-a-scan');
    const res = await post({ phone: '+55 11 98765-0000' }, admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ code: 'K7M2P9QX' });
    // A Brazilian number without country code is the same number.
    expect((await post({ phone: '(11) 98765-0000' }, admin)).json()).toEqual({ code: 'K7M2P9QX' });
    expect(sock.calls).toEqual([
      { method: 'requestPairingCode', args: ['5511987650000'] },
      { method: 'requestPairingCode', args: ['5511987650000'] },
    ]);

    sock.callError = new Boom('Timed Out', { statusCode: 408 });
    const failed = await post({ phone: '+55 11 98765-0000' }, admin);
    sock.callError = undefined;
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toMatchObject({ code: 'pairing-failed' });
    // No phone number in the logs.
    expect(t.logs.text).not.toContain('98765');
  });

  it.each([[{ phone: '' }], [{ phone: '123' }], [{ phone: 'abc' }], [{ phone: '+55 11 1234' }], [{ phone: '9'.repeat(41) }], [{}], [{ phone: 5511987650000 }]])('refuses %j with 400 problem+json on the phone field', async (body) => {
    const sock = await wa.sockets.socket(0);
    const before = sock.calls.length;
    const res = await post(body, admin);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'validation', errors: [expect.objectContaining({ field: 'phone' })] });
    expect(sock.calls.length).toBe(before);
  });

  it('is for admins only', async () => {
    const attendant = await post({ phone: '+55 11 98765-0000' }, { authorization: `Bearer ${await t.tokenFor('attendant')}` });
    expect(attendant.statusCode).toBe(403);
    expect(attendant.headers['content-type']).toContain('application/problem+json');
    const anonymous = await post({ phone: '+55 11 98765-0000' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
  });

  it('409 once a number is linked and connected', async () => {
    const sock = await wa.sockets.socket(0);
    sock.open();
    const before = sock.calls.length;
    const res = await post({ phone: '+55 11 98765-0000' }, admin);
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'already-connected' });
    expect(sock.calls.length).toBe(before);
  });
});

describe('WhatsApp pairing code with Baileys off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'postgres', env: NO_LLM });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('404 like the QR route', async () => {
    const admin = { authorization: `Bearer ${await t.login()}` };
    for (const [method, url] of [['POST', '/channels/whatsapp/pairing-code'], ['GET', '/channels/whatsapp/qr']] as const) {
      const res = await t.atende.http.inject({ method, url, headers: admin, ...(method === 'POST' ? { payload: { phone: '+55 11 98765-0000' } } : {}) });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});

describe('WhatsApp connector: undecryptable messages and the liveness watchdog', () => {
  let pg: TestDatabase;
  let db: Database;
  const running: WhatsappConnector[] = [];
  let sessions = 0;

  async function start(extra: Partial<WhatsappChannelConfig>) {
    const sockets = fakeSocketFactory();
    const registry = new Registry();
    const received: InboundMessage[] = [];
    const context: ConnectorContext = {
      intake: { receive: async (messages) => (received.push(...messages), messages.map(() => ({ accepted: true, duplicate: false }))) },
      deliveryStatus: { record: async () => true },
      logger: pino({ level: 'silent' }),
      runsWorkers: true,
    };
    const connector = createWhatsappConnector({
      prisma: db.prisma,
      config: { session: `hardening-${++sessions}`, allowGroups: true, printQr: false, backoff: { baseMs: 20, capMs: 80 }, lease: DEFAULT_LEASE, ...extra },
      logger: pino({ level: 'silent' }),
      registry,
      socketFactory: sockets.factory,
      random: () => 1,
    });
    running.push(connector);
    await connector.start(context);
    const sock = await sockets.socket(0);
    sock.open();
    return { connector, sockets, sock, registry, received };
  }

  beforeAll(async () => {
    pg = await createTestDatabase();
    db = await openDatabase({ databaseUrl: pg.url, poolSize: 2 });
    await db.migrate();
  });
  afterAll(async () => {
    for (const c of running) await c.stop().catch(() => {});
    await db?.close();
    await pg?.drop();
  });

  it('asks once to send again a message that could not be decrypted, starting no turn', async () => {
    const { sock, registry, received } = await start({ undecryptableGraceMs: 60 });
    const broken = stub();
    sock.emit('messages.upsert', { type: 'notify', messages: [broken] });
    await waitFor(() => sock.sent.length > 0, 'the request to send again');
    expect(sock.sent).toEqual([{ jid: LID, text: ASK_AGAIN }]);
    // Baileys' further retries upsert the stub again; after a reconnect it comes as append.
    sock.emit('messages.upsert', { type: 'notify', messages: [broken] });
    sock.emit('messages.upsert', { type: 'append', messages: [broken] });
    expect(await staysFor(() => sock.sent.length, 300)).toBe(1);
    expect(received).toEqual([]);
    expect(await samples(registry, 'atende_whatsapp_undecryptable_total')).toEqual(['atende_whatsapp_undecryptable_total{outcome="asked"} 1']);
    expect(await samples(registry, 'atende_whatsapp_inbound_skipped_total')).toEqual(['atende_whatsapp_inbound_skipped_total{reason="undecryptable"} 3']);
  });

  it('asks nothing when Baileys\' retry brings the message readable within the grace period', async () => {
    const { sock, registry, received } = await start({ undecryptableGraceMs: 200 });
    const id = nextId();
    sock.emit('messages.upsert', { type: 'notify', messages: [stub(id)] });
    sock.emit('messages.upsert', { type: 'notify', messages: [incoming({ conversation: 'oi' }, id)] });
    await waitFor(() => received.length > 0, 'the readable message');
    expect(received.map((m) => [m.messageId, m.text])).toEqual([[id, 'oi']]);
    expect(await staysFor(() => sock.sent.length, 400)).toBe(0);
    expect(await samples(registry, 'atende_whatsapp_undecryptable_total')).toEqual(['atende_whatsapp_undecryptable_total{outcome="recovered"} 1']);
  });

  it('never asks in a group, a status or about our own message', async () => {
    const { sock } = await start({ undecryptableGraceMs: 30 });
    sock.emit('messages.upsert', {
      type: 'notify',
      messages: [
        stub(nextId(), { remoteJid: '120363041234567890@g.us', remoteJidAlt: undefined, participant: LID, participantAlt: PN }),
        stub(nextId(), { remoteJid: 'status@broadcast', remoteJidAlt: undefined, participant: PN }),
        stub(nextId(), { fromMe: true }),
      ],
    });
    expect(await staysFor(() => sock.sent.length, 300)).toBe(0);
  });

  it('counts a request that could not be sent (socket gone), without retrying it', async () => {
    const { sock, sockets, registry } = await start({ undecryptableGraceMs: 80 });
    sock.emit('messages.upsert', { type: 'notify', messages: [stub()] });
    sock.close(428);
    await waitFor(async () => (await samples(registry, 'atende_whatsapp_undecryptable_total')).includes('atende_whatsapp_undecryptable_total{outcome="failed"} 1'), 'the failed request');
    const next = await sockets.socket(1);
    next.open();
    expect(await staysFor(() => [sock.sent.length, next.sent.length], 200)).toEqual([0, 0]);
  });

  it('reconnects a silent socket, health degraded until the new one is open', async () => {
    const { connector, sock, sockets, registry } = await start({ watchdog: { idleMs: 100, checkEveryMs: 10 } });
    expect(await connector.health()).toEqual({ status: 'up' });
    const next = await sockets.socket(1, 2_000);
    expect(sock.ended).toBe(true);
    expect(await connector.health()).toEqual({ status: 'degraded', detail: 'WhatsApp connecting after the socket went silent (watchdog)' });
    expect(await samples(registry, 'atende_whatsapp_watchdog_reconnects_total')).toEqual(['atende_whatsapp_watchdog_reconnects_total 1']);
    next.open();
    expect(await connector.health()).toEqual({ status: 'up' });
    // Alive as long as frames keep coming.
    const heart = setInterval(() => next.frame(), 20);
    try {
      expect(await staysFor(() => sockets.sockets.length, 400)).toBe(2);
    } finally {
      clearInterval(heart);
    }
  });
});
