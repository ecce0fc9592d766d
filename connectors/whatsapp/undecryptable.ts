// A message Baileys could not decrypt reaches us as a stub with no content. Left alone, the
// person waits for an answer that never comes. Baileys first asks the sender's phone to send
// it again (a retry receipt), which usually works within seconds and brings the same message
// id, readable; so the request to send again waits a grace period and is dropped if the
// message turned up readable meanwhile. Each message id is asked about once: the retries of
// one message upsert the stub again, and an offline append repeats it.
//
// Remembered in this process only (like the sender's idempotency keys): the socket, and so
// every upsert, lives in one process at a time; a stub seen again after a takeover may be
// asked about twice.
import { channelTexts } from '../../fsm/catalog.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { LruMap } from '../../src/util/lru-map.ts';
import type { WhatsappMetrics } from './metrics.ts';
import type { Undecryptable } from './normalize.ts';

// Long enough for Baileys' retry receipt and the phone's re-encrypted resend (seconds when the
// phone is online), short enough that the person is not left waiting.
export const UNDECRYPTABLE_GRACE_MS = 10_000;
// Far more distinct stubs than one process sees within a retry cycle.
const REMEMBERED_IDS = 5_000;

export interface UndecryptableRepliesDeps {
  /** Sends a text to a chat (the connector's sender; the key makes a repeat a no-op). */
  send(chatId: string, text: string, idempotencyKey: string): Promise<unknown>;
  metrics: Pick<WhatsappMetrics, 'undecryptable'>;
  logger: Logger;
  graceMs?: number;
}

const keyOf = (chatId: string, messageId: string) => `${chatId} ${messageId}`;

export class UndecryptableReplies {
  private readonly seen = new LruMap<string, true>(REMEMBERED_IDS);
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly deps: UndecryptableRepliesDeps) {}

  /** A stub arrived: ask the person to send again after the grace period, once per message. */
  received(stub: Undecryptable): void {
    const key = keyOf(stub.chatId, stub.messageId);
    if (this.seen.has(key)) return;
    this.seen.set(key, true);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.ask(stub);
    }, this.deps.graceMs ?? UNDECRYPTABLE_GRACE_MS);
    timer.unref();
    this.waiting.set(key, timer);
  }

  /** A readable message arrived: if it is one we were about to ask about, nothing is asked. */
  readable(chatId: string, messageId: string): void {
    const key = keyOf(chatId, messageId);
    const timer = this.waiting.get(key);
    if (!timer) return;
    clearTimeout(timer);
    this.waiting.delete(key);
    this.deps.metrics.undecryptable.inc({ outcome: 'recovered' });
  }

  /** Drops what is still waiting and lets the sends in flight finish. */
  async stop(): Promise<void> {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    await Promise.all([...this.sending]);
  }

  private ask(stub: Undecryptable) {
    const attempt = this.deps
      .send(stub.chatId, channelTexts.undecryptable, `undecryptable:${stub.messageId}`)
      .then(() => {
        this.deps.metrics.undecryptable.inc({ outcome: 'asked' });
        this.deps.logger.info({ event: 'whatsapp_undecryptable_asked' }, 'asked a person to send again a WhatsApp message that could not be decrypted');
      })
      .catch((err: Error) => {
        // A courtesy message: not retried (the person may well write again by then).
        this.deps.metrics.undecryptable.inc({ outcome: 'failed' });
        this.deps.logger.warn({ event: 'whatsapp_undecryptable_ask_failed', err: { message: err.message } }, 'could not ask for an undecryptable WhatsApp message again');
      })
      .finally(() => this.sending.delete(attempt));
    this.sending.add(attempt);
  }
}
