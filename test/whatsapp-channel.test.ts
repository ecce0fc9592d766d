// The WhatsApp (Baileys) channel end to end against a fake socket with Baileys' event API:
// a person registers themself over WhatsApp up to the saved contact (phone taken from the
// LID addressing's alternate JID), a message delivered twice (notify, then append after a
// reconnect) has one effect, media gets the polite "text only" reply, receipts update the
// sent reply's status, and the app's admin routes serve the QR (PNG) and a truthful status.
// The app is built through the real composition root; only the socket is a fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestApp } from './helpers/app.ts';
import type { FakeWhatsappSocket } from './helpers/fake-whatsapp-socket.ts';
import { startWhatsappApp, type WhatsappApp } from './helpers/whatsapp-rig.ts';
import { staysFor } from './helpers/quiet.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9', LLM_MAX_ATTEMPTS: '1' };
const LID = '203456789012345@lid';
const PN = '5511987654321@s.whatsapp.net';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let seq = 0;
/** A message from Maria as Baileys 7 upserts it: LID-addressed, phone in remoteJidAlt. */
function incoming(message: object, id = `3EB0E2E${String(++seq).padStart(10, '0')}`) {
  return { key: { remoteJid: LID, remoteJidAlt: PN, addressingMode: 'lid', fromMe: false, id }, messageTimestamp: Math.floor(Date.now() / 1000), pushName: 'Maria', message };
}

async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe.each(BACKENDS)('WhatsApp channel end to end on %s', (backend) => {
  let t: TestApp;
  let wa: WhatsappApp;
  let sock: FakeWhatsappSocket;

  /** Sends a text as Maria; returns the bot's replies to it once the pipeline is idle. */
  async function say(text: string): Promise<string[]> {
    const before = sock.sent.length;
    sock.emit('messages.upsert', { type: 'notify', messages: [incoming({ conversation: text })] });
    await waitFor(() => sock.sent.length > before, `a reply to "${text}"`);
    await t.atende.conversations.whenIdle();
    return sock.sent.slice(before).map((s) => s.text);
  }

  beforeAll(async () => {
    wa = await startWhatsappApp({ backend, env: NO_LLM });
    t = wa.t;
    sock = await wa.connect();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('registers a contact over WhatsApp, with the phone from the LID addressing', async () => {
    const [greeting] = await say('oi');
    expect(greeting).toContain('Você concorda? Responda SIM ou NÃO.');
    // No buttons on Baileys: the options are numbered lines.
    expect(greeting!.endsWith('\n\n1. SIM\n2. NÃO')).toBe(true);
    expect(sock.sent[0]!.jid).toBe(LID);
    let replies = await say('sim');
    const asked: string[] = [];
    for (let turn = 0; turn < 8 && !replies.at(-1)!.includes('Está correto?'); turn++) {
      const last = replies.at(-1)!;
      const answer = /nome completo/.test(last) ? 'Maria Silva' : /e-mail/.test(last) ? 'maria@exemplo.com.br' : /motivo/.test(last) ? 'apoio emocional' : /telefone/i.test(last) ? '11 98765-4321' : undefined;
      if (!answer) throw new Error(`unexpected bot reply: ${last}`);
      asked.push(answer);
      replies = await say(answer);
    }
    // The phone came with the message: the bot never asked for it.
    expect(asked).not.toContain('11 98765-4321');
    expect(replies.at(-1)).toContain('• Telefone: (11) 98765-4321');
    const [saved] = await say('sim');
    expect(saved).toMatch(/^Recebemos seu cadastro\. Protocolo: \w+\./);

    const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5511987654321' } });
    expect(contact).toMatchObject({ name: 'Maria Silva', reason: 'apoio emocional', sourceChannel: 'whatsapp', sourceChatId: LID, mode: 'contact' });
    const inbox = await t.atende.db.prisma.inboundMessage.findMany({ where: { channel: 'whatsapp' } });
    expect(new Set(inbox.map((m) => m.accountId))).toEqual(new Set(['5511900000000']));
    expect(inbox.every((m) => m.senderPhone === '+5511987654321' && m.chatId === LID)).toBe(true);
  });

  it('stores the provider id of each reply and records its receipts', async () => {
    const row = await waitFor(() => t.atende.db.prisma.outboundMessage.findFirst({ where: { channel: 'whatsapp', providerMessageId: { not: null } }, orderBy: { id: 'desc' } }), 'a sent reply with a provider id');
    sock.emit('messages.update', [{ key: { remoteJid: LID, fromMe: true, id: row.providerMessageId! }, update: { status: 4 } }]);
    sock.emit('messages.update', [{ key: { remoteJid: LID, fromMe: true, id: row.providerMessageId! }, update: { status: 3 } }]);
    const read = await waitFor(async () => (await t.atende.db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).providerStatus === 'read', 'the read receipt');
    expect(read).toBe(true);
  });

  it('a message delivered live and again as offline append has one effect', async () => {
    const msg = incoming({ conversation: 'oi de novo' });
    const before = sock.sent.length;
    sock.emit('messages.upsert', { type: 'notify', messages: [msg] });
    await waitFor(() => sock.sent.length > before, 'the reply');
    await t.atende.conversations.whenIdle();
    // The socket drops and comes back; WhatsApp redelivers the message as `append`.
    sock.close(428);
    const again = await wa.sockets.socket(1);
    again.open();
    again.emit('messages.upsert', { type: 'append', messages: [msg] });
    await t.atende.conversations.whenIdle();
    expect(await staysFor(() => t.atende.db.prisma.inboundMessage.count({ where: { channel: 'whatsapp', messageId: msg.key.id } }))).toBe(1);
    // No second reply to it, on either socket.
    expect(await staysFor(() => again.sent.length)).toBe(0);
    sock = again;
  });

  it('answers media politely and ignores edits, reactions, revokes and own messages', async () => {
    const [reply] = await say('oi');
    expect(reply).toBeDefined();
    const before = sock.sent.length;
    const inboxBefore = await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'whatsapp' } });
    sock.emit('messages.upsert', {
      type: 'notify',
      messages: [
        incoming({ protocolMessage: { key: { remoteJid: LID, id: 'X1' }, type: 'REVOKE' } }),
        incoming({ reactionMessage: { key: { remoteJid: LID, fromMe: true, id: 'X2' }, text: '👍' } }),
        incoming({ editedMessage: { message: { protocolMessage: { type: 'MESSAGE_EDIT', editedMessage: { conversation: 'x' } } } } }),
        { ...incoming({ conversation: 'eco' }), key: { remoteJid: LID, fromMe: true, id: 'OWN1' } },
        incoming({ audioMessage: { mimetype: 'audio/ogg; codecs=opus', seconds: 3, ptt: true } }),
      ],
    });
    await waitFor(() => sock.sent.length > before, 'the media reply');
    await t.atende.conversations.whenIdle();
    // One turn (the audio; no TRANSCRIPTION_URL here): the request to write, then the machine
    // repeats its pending question.
    expect(sock.sent[before]!.text).toBe('Não consegui ouvir seu áudio. Pode escrever sua mensagem, por favor?');
    const stored = await t.atende.db.prisma.inboundMessage.findMany({ where: { channel: 'whatsapp' }, orderBy: { id: 'desc' }, take: 1 });
    expect(await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'whatsapp' } })).toBe(inboxBefore + 1);
    expect(stored[0]).toMatchObject({ kind: 'audio', text: '' });
  });

  // Issue 10: the number WhatsApp delivers from is the person's own; a typed one could be
  // anyone's, so it never replaces it, and only that verified owner may update the record.
  it('keeps the verified phone against "telefone: <outro>", and lets its owner ATUALIZAR', async () => {
    await say('cancelar');
    await say('oi');
    let replies = await say('sim');
    for (let turn = 0; turn < 8 && !replies.at(-1)!.includes('Está correto?'); turn++) {
      const last = replies.at(-1)!;
      replies = await say(/nome completo/.test(last) ? 'Maria Silva' : /e-mail/.test(last) ? 'pular' : 'retorno do atendimento');
    }
    const corrected = await say('telefone: 11 98888-7777');
    expect(corrected[0]).toBe('O telefone do cadastro é o número desta conversa, (11) 98765-4321, e não pode ser trocado por aqui. Para registrar outro número, responda ATENDENTE.');
    expect(corrected.at(-1)).toContain('• Telefone: (11) 98765-4321');
    const [notice] = await say('sim');
    expect(notice).toMatch(/^Já temos um cadastro com esse telefone \(Maria Silva, desde \d{2}\/\d{2}\/\d{4}\)\. Responda ATUALIZAR/);
    const [updated] = await say('ATUALIZAR');
    expect(updated).toMatch(/^Pronto! Seu cadastro foi atualizado\. Protocolo: [2-9A-HJKMNP-Z]{8}\./);
    const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5511987654321' } });
    expect(contact.reason).toBe('retorno do atendimento');
    expect(updated).toContain(contact.protocol);
    expect(await t.atende.db.prisma.contact.count({ where: { phone: '+5511988887777' } })).toBe(0);
    expect(await t.atende.db.prisma.contactUpdateRequest.count()).toBe(0);
  });
});

describe('WhatsApp admin routes', () => {
  let t: TestApp;
  let wa: WhatsappApp;
  const get = (url: string, headers: Record<string, string> = {}) => t.atende.http.inject({ url, headers });
  beforeAll(async () => {
    wa = await startWhatsappApp({ backend: 'postgres', env: NO_LLM });
    t = wa.t;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the current QR as a PNG to admins, 404 when there is none, and a truthful status', async () => {
    const admin = { authorization: `Bearer ${await t.login()}` };
    const status = async () => (await get('/channels/whatsapp/status', admin)).json<Record<string, unknown>>();
    const sock = await wa.sockets.socket(0);
    expect(await status()).toMatchObject({ state: 'connecting', session: 'default' });
    const none = await get('/channels/whatsapp/qr', admin);
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ code: 'no-qr', state: 'connecting' });

    sock.showQr('2@Aq1W2e3R4t5Y6u7I8o9P0,abcdefghijklmnopqrstuvwxyz0123456789=,ABCDEFGHIJKLMNOPQRSTUVWXYZ=,0123456789abcdef=');
    const qr = await get('/channels/whatsapp/qr', admin);
    expect(qr.statusCode).toBe(200);
    expect(qr.headers['content-type']).toBe('image/png');
    expect(qr.headers['cache-control']).toBe('no-store');
    expect(qr.rawPayload.subarray(0, 8).equals(PNG)).toBe(true);
    expect(await status()).toMatchObject({ state: 'qr' });

    sock.open();
    const connected = await status();
    expect(connected).toMatchObject({ state: 'connected', me: '*********0000@s.whatsapp.net' });
    expect(JSON.stringify(connected)).not.toContain('5511900000000');
    expect((await get('/channels/whatsapp/qr', admin)).statusCode).toBe(404);
    expect(await wa.connector.health()).toEqual({ status: 'up' });
    expect(await t.atende.metrics.registry.getSingleMetricAsString('atende_whatsapp_connection_state')).toContain('state="connected"} 1');

    sock.close(401);
    expect(await status()).toMatchObject({ state: 'logged-out', lastDisconnect: { reason: 'loggedOut', code: 401 } });
    expect((await wa.connector.health()).status).toBe('down');
    // The stored login is cleared right after (once pending creds writes have landed).
    await waitFor(async () => (await t.atende.db.prisma.whatsappAuthKey.count()) === 0, 'the login to be cleared', 5_000);
    const fresh = await wa.sockets.socket(1);
    fresh.showQr('2@new');
    expect((await get('/channels/whatsapp/qr', admin)).statusCode).toBe(200);
  });

  it('is for admins only', async () => {
    const attendant = { authorization: `Bearer ${await t.tokenFor('attendant')}` };
    for (const url of ['/channels/whatsapp/status', '/channels/whatsapp/qr']) {
      const res = await get(url, attendant);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect((await get(url)).statusCode).toBe(401);
    }
  });
});
