// "lido" (blue ticks) and "digitando…" on WhatsApp through Baileys: readMessages([key]) sends
// the read receipt of a received message, sendPresenceUpdate('composing' | 'paused', jid)
// shows or stops the typing indicator in a chat (WhatsApp drops it by itself after ~25 s, so a
// caller repeats it for long turns). Both are courtesies: without an open socket, on an error
// or past the deadline they answer false and never throw, so a turn never fails for them.
import { withDeadline } from '../../src/util/deadline.ts';
import type { ChannelPresence, InboundMessage } from '../types.ts';
import { bareJid, jidKind } from './jid.ts';
import type { WhatsappSocket } from './socket.ts';

// Baileys' queries wait up to 30 s (defaultQueryTimeoutMs); an indicator that late is useless.
const PRESENCE_TIMEOUT_MS = 5_000;

/** What marking a message read needs from it: the chat, its id and (groups) who sent it. */
export type ReadableMessage = Pick<InboundMessage, 'chatId' | 'messageId'> & { sender?: Pick<InboundMessage['sender'], 'id'> };

export class WhatsappPresence {
  constructor(
    /** The open socket, if this process has one. */
    private readonly socket: () => WhatsappSocket | undefined,
    private readonly timeoutMs = PRESENCE_TIMEOUT_MS,
  ) {}

  /** Sends the read receipt of a received message. */
  async markRead(message: ReadableMessage): Promise<boolean> {
    const remoteJid = bareJid(message.chatId);
    if (!remoteJid || !message.messageId) return false;
    // In a group the receipt names the member whose message it was.
    const participant = jidKind(remoteJid) === 'group' ? bareJid(message.sender?.id) : undefined;
    return this.call((sock) => sock.readMessages([{ remoteJid, id: message.messageId, fromMe: false, ...(participant ? { participant } : {}) }]));
  }

  /** Shows (`on`) or stops "digitando…" in a chat. */
  async typing(chatJid: string, on: boolean): Promise<boolean> {
    const jid = bareJid(chatJid);
    if (!jid) return false;
    return this.call((sock) => sock.sendPresenceUpdate(on ? 'composing' : 'paused', jid));
  }

  private async call(action: (sock: WhatsappSocket) => Promise<void>): Promise<boolean> {
    const sock = this.socket();
    if (!sock) return false;
    try {
      await withDeadline(Promise.resolve().then(() => action(sock)), this.timeoutMs, () => new Error('WhatsApp presence timed out'));
      return true;
    } catch {
      return false;
    }
  }
}

// WhatsApp drops "digitando…" after ~25 s: renewed well before that while a turn runs.
const COMPOSING_REPEAT_MS = 20_000;

/**
 * The connector's turn hook (connectors/types.ts ChannelPresence): the turn's messages read,
 * "digitando…" on at once and renewed while it runs, "paused" when it is committed. Each call
 * is bounded by the presence timeout and never throws; outcomes go to the core's counter.
 */
export function whatsappTurnPresence(presence: WhatsappPresence, repeatMs = COMPOSING_REPEAT_MS): ChannelPresence {
  return {
    turnStarted({ chatId, senderId, messageIds }, outcome) {
      for (const messageId of messageIds) void presence.markRead({ chatId, messageId, sender: { id: senderId } }).then(outcome);
      const composing = () => void presence.typing(chatId, true).then(outcome);
      composing();
      const timer = setInterval(composing, repeatMs);
      // A forgotten stop must not keep the process alive.
      timer.unref();
      return {
        stop: () => {
          clearInterval(timer);
          void presence.typing(chatId, false).then(outcome);
        },
      };
    },
  };
}
