// A stand-in for a Baileys socket with the same event API (sock.ev.on('connection.update' |
// 'creds.update' | 'messages.upsert' | 'messages.update')), sendMessage, end and user, so the
// WhatsApp connector runs unchanged against it. Disconnects carry real Boom errors — what
// Baileys puts in lastDisconnect.error (@hapi/boom comes with Baileys). Also: `ws` emitting
// 'frame' (what the liveness watchdog listens to), readMessages / sendPresenceUpdate /
// requestPairingCode recorded in `calls`, and the factory input, whose getMessage a test can
// call as Baileys does for a recipient's retry.
import { EventEmitter } from 'node:events';
import { Boom } from '@hapi/boom';
import type { SocketFactoryInput, WhatsappSocket, WhatsappSocketEvents, WhatsappSocketFactory } from '../../connectors/whatsapp/socket.ts';

export const BOT_JID = '5511900000000:12@s.whatsapp.net';

export class FakeWhatsappSocket implements WhatsappSocket {
  readonly emitter = new EventEmitter();
  readonly ev = {
    on: <E extends keyof WhatsappSocketEvents>(event: E, listener: (arg: WhatsappSocketEvents[E]) => void) => void this.emitter.on(event, listener),
    removeAllListeners: (event: keyof WhatsappSocketEvents) => void this.emitter.removeAllListeners(event),
  };
  user: { id: string; lid?: string } | undefined;
  readonly sent: { jid: string; text: string }[] = [];
  /** Set to make the next sendMessage calls fail with this error. */
  sendError: Error | undefined;
  /** The websocket: 'frame' for each frame received (see frame()). */
  readonly ws = new EventEmitter();
  /** readMessages, sendPresenceUpdate and requestPairingCode calls, with their arguments. */
  readonly calls: { method: 'readMessages' | 'sendPresenceUpdate' | 'requestPairingCode'; args: unknown[] }[] = [];
  /** Set to make readMessages / sendPresenceUpdate / requestPairingCode fail with this error, or 'hang' never to settle. */
  callError: Error | 'hang' | undefined;
  /** What requestPairingCode answers (Baileys: 8 Crockford base32 characters). */
  pairingCode = 'K7M2P9QX';
  ended = false;
  private seq = 0;
  readonly lids = new Map<string, string>();
  readonly signalRepository = { lidMapping: { getPNForLID: async (lid: string) => this.lids.get(lid) ?? null } };

  constructor(readonly input: SocketFactoryInput) {}

  emit<E extends keyof WhatsappSocketEvents>(event: E, arg: WhatsappSocketEvents[E]) {
    this.emitter.emit(event, arg);
  }

  showQr(qr: string) {
    this.emit('connection.update', { qr });
  }

  /** Pairing done / reconnected: the socket is open as the bot's number. */
  open(jid = BOT_JID) {
    this.user = { id: jid };
    this.input.auth.state.creds.me = { id: jid };
    this.emit('creds.update', { me: { id: jid } });
    this.emit('connection.update', { connection: 'open' });
  }

  close(statusCode: number | undefined, message = 'closed') {
    const error = statusCode === undefined ? new Error(message) : new Boom(message, { statusCode });
    this.emit('connection.update', { connection: 'close', lastDisconnect: { error, date: new Date() } });
  }

  /** A frame arrived on the websocket (a ping's answer, an ack, a notification). */
  frame() {
    this.ws.emit('frame', { tag: 'iq', attrs: { type: 'result' } });
  }

  private async call(method: FakeWhatsappSocket['calls'][number]['method'], args: unknown[]) {
    this.calls.push({ method, args });
    if (this.callError === 'hang') await new Promise(() => {});
    if (this.callError) throw this.callError;
  }

  async readMessages(keys: { remoteJid: string; id: string; fromMe?: boolean; participant?: string }[]) {
    await this.call('readMessages', [keys]);
  }

  async sendPresenceUpdate(type: 'composing' | 'paused', toJid?: string) {
    await this.call('sendPresenceUpdate', [type, toJid]);
  }

  async requestPairingCode(phoneNumber: string) {
    await this.call('requestPairingCode', [phoneNumber]);
    return this.pairingCode;
  }

  async sendMessage(jid: string, content: { text: string }) {
    if (this.sendError) throw this.sendError;
    this.sent.push({ jid, text: content.text });
    return { key: { remoteJid: jid, fromMe: true, id: `3EB0SENT${String(++this.seq).padStart(8, '0')}` } };
  }

  end() {
    this.ended = true;
  }
}

/** A socket factory that records every socket it makes. */
export function fakeSocketFactory() {
  const sockets: FakeWhatsappSocket[] = [];
  const waiters: ((s: FakeWhatsappSocket) => void)[] = [];
  const factory: WhatsappSocketFactory = async (input) => {
    const sock = new FakeWhatsappSocket(input);
    sockets.push(sock);
    waiters.splice(0).forEach((w) => w(sock));
    return sock;
  };
  return {
    factory,
    sockets,
    /** The socket number `n` (0-based), once made. */
    async socket(n: number, timeoutMs = 10_000): Promise<FakeWhatsappSocket> {
      const deadline = Date.now() + timeoutMs;
      while (!sockets[n]) {
        if (Date.now() > deadline) throw new Error(`socket ${n} was never made (${sockets.length} made)`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
      return sockets[n]!;
    },
  };
}
