// Sending a text through the socket. The chat id is the JID the conversation is keyed on (a
// LID or a phone-number JID; Baileys 7 sends to both). Failures are sorted for the outbound
// sender: on a standby replica (another one holds the socket) the reply is left to the holder
// without counting an attempt; not connected, a closed connection or a timeout are transient
// (retried with backoff); an address that is no WhatsApp JID is permanent. The idempotency key drops a repeat of a
// reply this process already sent (the sender may resend after a crash or a lost "sent"
// mark); across processes WhatsApp offers nothing to dedupe on.
import { withDeadline } from '../../src/util/deadline.ts';
import { ConnectorSendError, type SendReceipt } from '../types.ts';
import { bareJid, isSendableJid } from './jid.ts';
import { WHATSAPP_CHANNEL } from './normalize.ts';
import type { WhatsappSocket } from './socket.ts';
import { LruMap } from '../../src/util/lru-map.ts';

// Under the outbound sender's own 15 s cut-off, so the error says what happened.
const SEND_TIMEOUT_MS = 12_000;
// Enough to cover the sender's retry window for one busy process; older keys are forgotten.
const REMEMBERED_KEYS = 5_000;

const error = (code: string, message: string, transient: boolean) => new ConnectorSendError(WHATSAPP_CHANNEL, code, message, transient);

/** Boom codes that mean "this request is wrong", not "try later". */
const PERMANENT = new Set([400, 404, 406, 413]);

export class WhatsappSender {
  private readonly sent = new LruMap<string, Promise<SendReceipt>>(REMEMBERED_KEYS);

  constructor(
    /** The open socket, or why there is none. */
    private readonly socket: () => { sock: WhatsappSocket } | { why: 'standby' | 'not-connected' },
  ) {}

  async sendText(chatId: string, text: string, idempotencyKey: string): Promise<SendReceipt> {
    const jid = bareJid(chatId);
    if (!jid || !isSendableJid(jid)) throw error('invalid-jid', 'the chat id is not a WhatsApp person or group address', false);
    const earlier = this.sent.get(idempotencyKey);
    if (earlier) return earlier;

    const current = this.socket();
    if ('why' in current) {
      // Standby: another replica holds the socket and sends it (its sweeper picks it up).
      if (current.why === 'standby') throw new ConnectorSendError(WHATSAPP_CHANNEL, 'standby', 'another replica holds the WhatsApp socket', true, undefined, { elsewhere: true });
      throw error('not-connected', 'WhatsApp is not connected', true);
    }
    const attempt = this.send(current.sock, jid, text);
    this.sent.set(idempotencyKey, attempt);
    // Only a success is remembered: a failed attempt must be retried for real.
    attempt.catch(() => this.sent.delete(idempotencyKey));
    return attempt;
  }

  private async send(sock: WhatsappSocket, jid: string, text: string): Promise<SendReceipt> {
    try {
      const result = await withDeadline(sock.sendMessage(jid, { text }), SEND_TIMEOUT_MS, () =>
        error('timeout', `WhatsApp did not accept the message within ${SEND_TIMEOUT_MS} ms`, true),
      );
      const id = result?.key?.id;
      return id ? { providerMessageId: id } : {};
    } catch (err) {
      if (err instanceof ConnectorSendError) throw err;
      const code = (err as { output?: { statusCode?: unknown } }).output?.statusCode;
      const message = ((err as Error)?.message ?? 'send failed').slice(0, 200);
      if (typeof code === 'number' && PERMANENT.has(code)) throw error(`rejected-${code}`, message, false);
      throw error(typeof code === 'number' ? `boom-${code}` : 'send-failed', message, true);
    }
  }
}
