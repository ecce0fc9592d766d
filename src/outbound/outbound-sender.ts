// Delivers the replies a turn committed, through the chat's connector, in order. A reply is
// claimed before it is sent (so two workers never send one reply at once): the worker that
// commits a turn inserts its replies already claimed and sends them at once; older replies
// (retries, a dead worker's) are claimed here first. Each send carries the reply's
// idempotency key; a transient failure is retried with exponential backoff and holds back the
// chat's later replies (order); a permanent one is given up on. A crash between the send and
// the "sent" mark resends with the same key once the claim lapses. A reply only another
// replica can send (it holds the channel's one socket: WhatsApp Baileys) is handed back at
// once, uncounted, for that replica's sweeper to pick up.
import type { ReplyOption } from '../../fsm/reply-options.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { ConnectorSendError, type SendOptions } from '../../connectors/types.ts';
import type { ChatRef } from '../conversations/chat-ref.ts';
import type { OutboundRepository } from './outbound-repository.ts';
import type { OutboundOutcome, PipelineMetrics } from '../conversations/pipeline-metrics.ts';
import { withDeadline } from '../util/deadline.ts';
import type { Logger } from '../observability/logger.ts';

export interface OutboundSenderDeps {
  outbound: OutboundRepository;
  connectors: ConnectorRegistry;
  metrics: PipelineMetrics;
  logger: Logger;
  now?: () => Date;
  /** Told when a staff-written message (handoff inbox) is sent or given up on. */
  onStaffStatus?: (update: StaffMessageStatus) => void;
}

export interface StaffMessageStatus {
  conversationId: string;
  outboundId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
}

/** A reply as the sender needs it. */
export interface Reply {
  id: string;
  key: string;
  text: string;
  conversationId: string;
  /** This attempt's number (1 for a fresh reply). */
  attempt: number;
  /** Hints for the channel (SendOptions). */
  asks?: string | null;
  asksMode?: string | null;
  /** Fixed answers the reply offers (SendOptions.options). */
  options?: ReplyOption[] | null;
}

// One send may take this long before it counts as a transient failure.
const SEND_TIMEOUT_MS = 15_000;
/** A claim outlives a send that hangs until its timeout; after it, the reply is due again. */
export const CLAIM_MS = SEND_TIMEOUT_MS + 5_000;
// 1 s, 2 s, 4 s … capped at 5 min: 10 attempts span about 15 minutes of provider trouble.
const MAX_ATTEMPTS = 10;
const backoffMs = (attempt: number) => Math.min(1_000 * 2 ** (attempt - 1), 300_000) * (0.8 + Math.random() * 0.4);
// The sweeper's view of a claimed reply on an idempotent channel: unmarked this long, its
// worker is gone (a live one sends and marks in well under a second). The chat lock's reaper
// usually finds such a chat sooner; this is the fallback when no lock was involved.
const SENDING_STALE_MS = 3_000;
// A reply that must go out from another replica is due again this soon: long enough that this
// process does not spin on it, short enough that the holder's sweeper (every 5 s) finds it due
// at its next look.
const ELSEWHERE_DELAY_MS = 1_000;
// Meanwhile this process's sweeper leaves that channel's due replies alone: sweeping at the
// same pace as the holder's, it could otherwise take them back just before each of the
// holder's sweeps, for ever. Two sweep periods: the holder looks at least once in between.
const ELSEWHERE_SKIP_MS = 12_000;

type Outcome = OutboundOutcome;

export class OutboundSender {
  private readonly now: () => Date;
  /** Channels whose replies another replica sends, until when (epoch ms): not swept here. */
  private readonly elsewhere = new Map<string, number>();

  constructor(private readonly deps: OutboundSenderDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Sends the chat's due replies, oldest first; a reply waiting for its retry holds back the
   * ones after it. Returns true when nothing is left unsent (new replies may go out at once).
   */
  async deliver(chat: ChatRef): Promise<boolean> {
    const rows = await this.deps.outbound.dueOf(chat, 50);
    const resend = this.resendsAtOnce(chat.channel);
    for (const row of rows) {
      const now = this.now();
      // A reply still claimed ('sending') here, under the chat's lock, was left by a worker
      // that died (or lost the lock) between its send and the "sent" mark. On a channel that
      // drops repeats by the idempotency key, sending it again at once is safe; elsewhere the
      // claim is waited out, so a send still in flight is never doubled.
      const takeOver = resend && row.status === 'sending';
      if (row.nextAttemptAt > now && !takeOver) return false;
      // Claimed only if nobody changed it since it was read.
      if (!(await this.deps.outbound.claim(row, now, new Date(now.getTime() + CLAIM_MS)))) return false;
      const sent: bigint[] = [];
      const ok = await this.sendClaimed(chat, [{ id: row.id, key: row.key, text: row.text, conversationId: row.conversationId, attempt: Number(row.attempts) + 1, asks: row.asks, asksMode: row.asksMode, options: row.options }], sent);
      await this.markSent(sent);
      if (!ok) return false;
    }
    return rows.length < 50;
  }

  /**
   * Sends replies this worker has claimed, in order; true when all went out. The ids of those
   * sent are added to `sent` for the caller to mark in one statement (markSent): a crash
   * before that only resends them, with the same keys, once their claim lapses.
   */
  async sendClaimed(chat: ChatRef, replies: Reply[], sent: bigint[]): Promise<boolean> {
    for (const [i, reply] of replies.entries()) {
      const outcome = await this.send(chat, reply);
      if (outcome === 'sent') sent.push(BigInt(reply.id));
      if (outcome === 'retry' || outcome === 'elsewhere') {
        // The ones after it wait for it: unclaimed (never tried, so their claim's attempt is
        // taken back), due at once but behind it in order.
        const rest = replies.slice(i + 1).map((r) => BigInt(r.id));
        await this.deps.outbound.unclaim(rest, this.now());
        return false;
      }
    }
    return true;
  }

  async markSent(ids: bigint[]): Promise<void> {
    if (!ids.length) return;
    const rows = await this.deps.outbound.markSent(ids, this.now());
    for (const r of rows) if (r.staff) this.deps.onStaffStatus?.({ conversationId: r.conversationId, outboundId: r.id, status: 'sent' });
  }

  /**
   * Whether a reply of this channel left claimed by a dead worker may be sent again at once:
   * the connector says its delivery drops repeats of an idempotency key.
   */
  resendsAtOnce(channel: string): boolean {
    return this.deps.connectors.get(channel)?.idempotentDelivery === true;
  }

  /** Chats with replies due (new, retried, or claimed by a worker that died), except on
   * channels another replica delivers for (recently told so by the connector). A claimed reply
   * of an idempotent channel is due once it sat unmarked past SENDING_STALE_MS (a live worker
   * marks it within a send); the others, when their claim lapses. */
  async chatsWithDueReplies(limit: number): Promise<ChatRef[]> {
    const now = this.now();
    const skip = [...this.elsewhere].filter(([, until]) => until > now.getTime()).map(([channel]) => channel);
    const idempotent = this.deps.connectors.list().filter((c) => c.idempotentDelivery).map((c) => c.channel);
    return this.deps.outbound.chatsWithDue(now, skip, idempotent, new Date(now.getTime() - SENDING_STALE_MS), limit);
  }

  private async send(chat: ChatRef, reply: Reply): Promise<Outcome> {
    const connector = this.deps.connectors.get(chat.channel);
    const started = performance.now();
    try {
      if (!connector) throw new ConnectorSendError(chat.channel, 'no-connector', `no connector for channel ${chat.channel} in this process`, false);
      const options = reply.asks || reply.options?.length ? sendOptionsOf(reply) : undefined;
      const receipt = await withDeadline(connector.sendText(chat.chatId, reply.text, reply.key, options), SEND_TIMEOUT_MS, () => new Error(`send took over ${SEND_TIMEOUT_MS} ms`));
      // Kept so the provider's delivery statuses (which name this id) find the row.
      if (receipt?.providerMessageId) {
        await this.deps.outbound.setProviderId(reply.id, receipt.providerMessageId);
      }
      this.elsewhere.delete(chat.channel);
      this.count(chat, 'sent');
      return 'sent';
    } catch (err) {
      if (err instanceof ConnectorSendError && err.elsewhere) return await this.handBack(chat, reply, err);
      const transient = !(err instanceof ConnectorSendError) || err.transient;
      const detail = (err instanceof ConnectorSendError ? `${err.code}: ${err.message}` : (err as Error).message).slice(0, 200);
      const log = { event: 'outbound_failed', channel: chat.channel, outboundId: reply.id, conversationId: reply.conversationId, attempt: reply.attempt, transient };
      if (transient && reply.attempt < MAX_ATTEMPTS) {
        const delay = err instanceof ConnectorSendError && err.retryAfterMs ? err.retryAfterMs : backoffMs(reply.attempt);
        await this.mark(reply, 'pending', detail, new Date(this.now().getTime() + delay));
        this.deps.logger.warn({ ...log, retryInMs: Math.round(delay), err: { message: detail } }, 'reply not delivered; will retry');
        this.count(chat, 'retry');
        return 'retry';
      }
      await this.mark(reply, 'failed', detail, this.now());
      this.deps.logger.error({ ...log, err: { message: detail } }, 'reply not delivered; gave up');
      this.count(chat, 'failed');
      return 'failed';
    } finally {
      this.deps.metrics.stage.observe({ stage: 'send' }, (performance.now() - started) / 1000);
    }
  }

  /**
   * Another replica can send it: back to pending, due again shortly, and this try not counted
   * (the claim's attempt is taken back) — however many workers take it first, the reply is
   * never held back by backoff nor given up on because of them.
   */
  private async handBack(chat: ChatRef, reply: Reply, err: ConnectorSendError): Promise<'elsewhere'> {
    const now = this.now();
    const delay = err.retryAfterMs ?? ELSEWHERE_DELAY_MS;
    this.elsewhere.set(chat.channel, now.getTime() + ELSEWHERE_SKIP_MS);
    await this.deps.outbound.handBack(reply.id, now, new Date(now.getTime() + delay));
    this.deps.logger.debug({ event: 'outbound_elsewhere', channel: chat.channel, outboundId: reply.id, conversationId: reply.conversationId, code: err.code, retryInMs: delay }, 'reply left to the replica that can send it');
    this.count(chat, 'elsewhere');
    return 'elsewhere';
  }

  private async mark(reply: Reply, status: 'pending' | 'failed', error: string, nextAttemptAt: Date) {
    const row = await this.deps.outbound.markFailed(reply.id, status, error, nextAttemptAt, this.now());
    if (status === 'failed' && row.staff) this.deps.onStaffStatus?.({ conversationId: reply.conversationId, outboundId: reply.id, status: 'failed' });
  }

  private count(chat: ChatRef, outcome: Outcome) {
    this.deps.metrics.outbound.inc({ channel: chat.channel, outcome });
  }
}

/** The channel-neutral hints stored with a reply, as SendOptions. */
function sendOptionsOf(reply: Reply): SendOptions {
  return {
    ...(reply.asks ? { asks: reply.asks } : {}),
    ...(reply.asks && reply.asksMode ? { mode: reply.asksMode } : {}),
    ...(reply.options?.length ? { options: reply.options } : {}),
  };
}
