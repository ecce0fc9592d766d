// The worker side of a chat: under the chat's lock, take its inbox in arrival order, run each
// message through the conversation (turn-processor.ts) and deliver the replies. A kick for a
// chat with nothing to do costs one query and no lock; after releasing the lock it looks
// once more, so a message committed while it was finishing is not left for the sweeper.
// A drain that finds a young message in an idle chat may answer it together with the ones
// that follow within BURST_WINDOW_MS (burst.ts): it then lets go of the lock and asks to be
// run again when the window closes, holding no connection and no worker slot meanwhile.
import type { ChatLock } from '../locks/chat-lock.ts';
import type { Logger } from '../observability/logger.ts';
import { CLAIM_MS, type OutboundSender } from '../outbound/outbound-sender.ts';
import { type ChatRef, chatKeyOf, parseChatKey } from './chat-ref.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';
import type { ConversationRow, ConversationStore, InboxRow } from './conversation-store.ts';
import type { TurnProcessor, TurnRow } from './turn-processor.ts';
import { LruMap } from '../util/lru-map.ts';
import { MAX_SPAN, takeBurst } from './burst.ts';
import type { TurnPresenceHub } from './turn-presence.ts';

export interface RunnerDeps {
  store: ConversationStore;
  inbox: InboxRepository;
  lock: ChatLock;
  sender: OutboundSender;
  turns: TurnProcessor;
  logger: Logger;
  /** Messages arriving within this many ms of each other in an idle chat make one turn; 0: off. */
  burstWindowMs?: number;
  /** The channels' read/typing indicators while a turn runs. */
  presence?: TurnPresenceHub;
  /**
   * False when every new inbox row is announced to this process's scheduler (one process,
   * kicks in memory): a row committed during a drain then already asks for another drain, and
   * the second look after each drain (one query) is not needed. True (default) with Redis,
   * where such a kick may reach a worker elsewhere that finds the chat locked and drops it.
   */
  lookAgainAfterDrain?: boolean;
  now?: () => Date;
}

// A message that fails this many times (a bug, not an outage: an outage fails before it can
// even be counted) is set aside so the chat's later messages are not stuck behind it.
const MAX_ATTEMPTS = 5;
const PAGE = 20;

type Cached = ConversationRow | null | undefined;

export class ConversationRunner {
  private readonly now: () => Date;
  /** Newest inbox id handled here, per chat (the most recently active chats only). */
  private readonly handled = new LruMap<string, bigint>(10_000);

  constructor(private readonly deps: RunnerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Works on a chat. `upTo`: the kick was about inbox rows up to this id — if this process
   * already handled it, there is nothing to look at (a chat's rows commit in id order, see
   * AdaptiveBatcher, so the ones before it were handled too).
   */
  async drain(chatKey: string, upTo?: bigint): Promise<{ againInMs: number } | void> {
    const chat = parseChatKey(chatKey);
    if (!chat) return;
    if (upTo !== undefined && (this.handled.get(chatKey) ?? -1n) >= upTo) return;
    // Bounded: a chat flooded faster than it drains yields its worker now and then.
    for (let round = 0; round < 20; round++) {
      if (round > 0 && this.deps.lookAgainAfterDrain === false) return;
      // A kick about a row not handled here yet has work for sure; anything else is checked.
      if ((round > 0 || upTo === undefined) && !(await this.deps.store.hasWork(chat, this.now(), this.deps.sender.resendsAtOnce(chat.channel)))) return;
      const result = await this.deps.lock.tryWithLock(chatKey, () => this.drainLocked(chat));
      if (!result.ran || result.value === 'blocked') return;
      if (result.value !== 'done') return result.value;
    }
  }

  private async drainLocked(chat: ChatRef): Promise<'done' | 'blocked' | { againInMs: number }> {
    // Older replies first; while any waits for a retry, new ones queue behind it.
    const state = await this.deps.store.chatState(chat, PAGE);
    let clear = state.unsent ? await this.deps.sender.deliver(chat) : true;
    let current: Cached = state.conversation;
    const first = state.inbox;
    // Sent replies are marked in one statement per drain, before the lock is let go.
    const sent: bigint[] = [];
    try {
      for (let rows = first, idle = true; ; rows = await this.deps.store.pendingInbound(chat, PAGE), idle = false) {
        for (let i = 0; i < rows.length; ) {
          // Only the drain's first row can open a burst: later ones queued behind a turn.
          const next: { row: TurnRow } | { againInMs: number } = i === 0 && idle ? this.burstAt(rows) : { row: rows[i]! };
          if ('againInMs' in next) return next;
          const row = next.row;
          i += 1 + (row.burst?.length ?? 0);
          const claimUntil = clear ? new Date(this.now().getTime() + CLAIM_MS) : null;
          const result = await this.handle(chat, row, current, claimUntil);
          if (result === 'blocked') return 'blocked';
          current = result.conversation;
          if (result.handled) this.remember(chat, row.burst?.at(-1)?.id ?? row.id);
          if (result.claimed.length) clear = await this.deps.sender.sendClaimed(chat, result.claimed, sent);
          else if (!clear) clear = await this.deps.sender.deliver(chat);
        }
        if (rows.length < PAGE) return 'done';
      }
    } finally {
      await this.deps.sender.markSent(sent);
    }
  }

  /** The turn for the oldest pending row (maybe a burst), or how long to wait for its burst to end. */
  private burstAt(rows: InboxRow[]): { row: TurnRow } | { againInMs: number } {
    const windowMs = this.deps.burstWindowMs ?? 0;
    const decision = takeBurst(rows, windowMs, this.now());
    if ('row' in decision) return decision;
    // Bounded even if the database's clock (receivedAt) runs ahead of this process's.
    return { againInMs: Math.min(Math.max(1, decision.waitUntil.getTime() - this.now().getTime()), MAX_SPAN * windowMs) };
  }

  private remember(chat: ChatRef, id: bigint) {
    const key = chatKeyOf(chat);
    this.handled.set(key, id);
  }

  /** Runs one message, re-reading the conversation if another worker moved it meanwhile. */
  private async handle(chat: ChatRef, row: TurnRow, cached: Cached, claimUntil: Date | null) {
    // "Lido" / "digitando…" for the person's messages, from the turn's start to its commit —
    // not during a handoff, where the bot stays silent and an attendant will answer.
    const presence = row.kind.startsWith('control:') || cached?.status === 'handoff'
      ? undefined
      : this.deps.presence?.start(chat.channel, { accountId: chat.accountId, chatId: chat.chatId, senderId: row.senderId, messageIds: [row, ...(row.burst ?? [])].map((r) => r.messageId) });
    try {
      return await this.turn(chat, row, cached, claimUntil);
    } finally {
      presence?.stop();
    }
  }

  private async turn(chat: ChatRef, row: TurnRow, cached: Cached, claimUntil: Date | null) {
    let latest = cached;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (latest === undefined) latest = await this.deps.store.latestConversation(chat);
      try {
        const done = await this.deps.turns.process(chat, row, latest, this.now(), claimUntil);
        if (done !== 'stale') {
          const claimed = claimUntil ? done.replies.map((r) => ({ ...r, conversationId: done.conversation?.id ?? '', attempt: 1 })) : [];
          return { conversation: done.conversation as Cached, claimed, handled: true };
        }
      } catch (err) {
        // Set aside after too many failures: handled, in its way.
        return (await this.failed(row, err)) ?? { conversation: undefined, claimed: [], handled: true };
      }
      latest = undefined;
      const still = await this.deps.store.pendingInbound(chat, 1);
      // Another worker handled it.
      if (still[0]?.id !== row.id) return { conversation: undefined as Cached, claimed: [], handled: true };
    }
    return { conversation: undefined as Cached, claimed: [], handled: false };
  }

  private async failed(row: InboxRow, err: unknown): Promise<'blocked' | undefined> {
    const log = { event: 'turn_failed', channel: row.channel, inboxId: String(row.id), err };
    const attempts = await this.deps.inbox.recordFailure(row.id, (err as Error).message ?? String(err));
    if (attempts >= MAX_ATTEMPTS) {
      await this.deps.inbox.giveUp(row.id, this.now());
      this.deps.logger.error({ ...log, attempts }, 'message set aside after repeated failures');
      return undefined;
    }
    this.deps.logger.warn({ ...log, attempts }, 'message not handled; will retry');
    return 'blocked';
  }
}
