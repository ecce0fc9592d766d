// The worker side of a chat: under the chat's lock, take its inbox in arrival order, run each
// message through the conversation (turn-processor.ts) and deliver the replies. A kick for a
// chat with nothing to do costs one query and no lock; after releasing the lock it looks
// once more, so a message committed while it was finishing is not left for the sweeper.
import type { ChatLock } from '../locks/chat-lock.ts';
import type { Logger } from '../observability/logger.ts';
import { CLAIM_MS, type OutboundSender } from '../outbound/outbound-sender.ts';
import { type ChatRef, chatKeyOf, parseChatKey } from './chat-ref.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';
import type { ConversationRow, ConversationStore, InboxRow } from './conversation-store.ts';
import type { TurnProcessor } from './turn-processor.ts';
import { LruMap } from '../util/lru-map.ts';

export interface RunnerDeps {
  store: ConversationStore;
  inbox: InboxRepository;
  lock: ChatLock;
  sender: OutboundSender;
  turns: TurnProcessor;
  logger: Logger;
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
  async drain(chatKey: string, upTo?: bigint): Promise<void> {
    const chat = parseChatKey(chatKey);
    if (!chat) return;
    if (upTo !== undefined && (this.handled.get(chatKey) ?? -1n) >= upTo) return;
    // Bounded: a chat flooded faster than it drains yields its worker now and then.
    for (let round = 0; round < 20; round++) {
      // A kick about a row not handled here yet has work for sure; anything else is checked.
      if ((round > 0 || upTo === undefined) && !(await this.deps.store.hasWork(chat, this.now(), this.deps.sender.resendsAtOnce(chat.channel)))) return;
      const result = await this.deps.lock.tryWithLock(chatKey, () => this.drainLocked(chat));
      if (!result.ran || result.value === 'blocked') return;
    }
  }

  private async drainLocked(chat: ChatRef): Promise<'done' | 'blocked'> {
    // Older replies first; while any waits for a retry, new ones queue behind it.
    const state = await this.deps.store.chatState(chat, PAGE);
    let clear = state.unsent ? await this.deps.sender.deliver(chat) : true;
    let current: Cached = state.conversation;
    const first = state.inbox;
    // Sent replies are marked in one statement per drain, before the lock is let go.
    const sent: bigint[] = [];
    try {
      for (let rows = first; ; rows = await this.deps.store.pendingInbound(chat, PAGE)) {
        for (const row of rows) {
          const claimUntil = clear ? new Date(this.now().getTime() + CLAIM_MS) : null;
          const result = await this.handle(chat, row, current, claimUntil);
          if (result === 'blocked') return 'blocked';
          current = result.conversation;
          if (result.handled) this.remember(chat, row.id);
          if (result.claimed.length) clear = await this.deps.sender.sendClaimed(chat, result.claimed, sent);
          else if (!clear) clear = await this.deps.sender.deliver(chat);
        }
        if (rows.length < PAGE) return 'done';
      }
    } finally {
      await this.deps.sender.markSent(sent);
    }
  }

  private remember(chat: ChatRef, id: bigint) {
    const key = chatKeyOf(chat);
    this.handled.set(key, id);
  }

  /** Runs one message, re-reading the conversation if another worker moved it meanwhile. */
  private async handle(chat: ChatRef, row: InboxRow, cached: Cached, claimUntil: Date | null) {
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
