// One inbox row through the conversation: pick the conversation it belongs to (the open one,
// or a new one when there is none or it went idle past the timeout), run the machine with
// the message (or with a queued admin/sweeper action), and commit the result in one statement.
import { randomUUID } from 'node:crypto';
import type { TurnScope } from './bot-actors.ts';
import type { ChatRef } from './chat-ref.ts';
import { type ConversationRow, type ConversationState, type ConversationStore, type InboxRow, isClosed } from './conversation-store.ts';
import type { ConversationEvent, ConversationInput, MachineHost, TurnResult } from './machine-host.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';
import type { ModeResolver } from './mode-resolver.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import type { CommittedReply } from './turn-commit.ts';
import { forgetsOnClose } from '../privacy/conversation-retention.ts';

export interface TurnDeps {
  store: ConversationStore;
  inbox: InboxRepository;
  host: MachineHost<TurnScope>;
  modes: ModeResolver;
  metrics: PipelineMetrics;
  timeoutMin: number;
  /** Drops the texts of a conversation that just closed declined or cancelled (the bot told
   * the person nothing was kept). A failure is the caller's to log: retention catches up. */
  forgetClosed?: (conversationId: string, closedAt: Date) => Promise<void>;
  /** The handoff inbox's view of turns (src/handoff/handoff-observer.ts). */
  observer?: TurnObserver;
}

/** What a committed turn changed, as the handoff inbox needs it. */
export interface TurnOutcome {
  chat: ChatRef;
  conversationId: string;
  /** Status before the turn (undefined: the turn created the conversation). */
  before: string | undefined;
  after: string;
  row: InboxRow;
  event: ConversationEvent;
  at: Date;
}

export interface TurnObserver {
  /** Replies to add when a turn opens a handoff (committed with the turn's own). */
  handoffReplies(at: Date): { key: string; text: string }[];
  /** After the commit; must not throw. */
  committed(outcome: TurnOutcome): Promise<void>;
}

export interface TurnDone {
  /** The chat's latest conversation after the turn (the next turn's starting point). */
  conversation: ConversationRow | null;
  replies: CommittedReply[];
}

const NO_REPLIES: CommittedReply[] = [];

/**
 * The inbox row a turn answers. For a burst (conversation-runner.ts, burst.ts) it is the
 * messages merged: the first row's id and message id, their texts joined, the last one's
 * arrival; `burst` holds the later rows as they are, marked processed in the same commit.
 */
export type TurnRow = InboxRow & { burst?: InboxRow[] };

export class TurnProcessor {
  constructor(private readonly deps: TurnDeps) {}

  /** `claimUntil`: the caller will send the replies itself right away. */
  async process(chat: ChatRef, row: TurnRow, latest: ConversationRow | null, at: Date, claimUntil: Date | null): Promise<TurnDone | 'stale'> {
    const open = latest && !isClosed(latest.status) ? latest : null;
    if (row.kind.startsWith('control:')) return this.control(chat, row, open, at, claimUntil);
    const idle = open && row.receivedAt.getTime() - open.lastActivityAt.getTime() > this.deps.timeoutMin * 60_000;
    const continuing = open && !idle ? open : null;

    let conversation: ConversationState;
    if (continuing) conversation = { ...continuing, mode: continuing.mode as ConversationState['mode'] };
    else {
      const decision = await this.deps.modes.resolve(row);
      conversation = { id: randomUUID(), mode: decision.mode, senderId: row.senderId, attendantUserId: decision.attendantUserId, createdAt: at };
    }
    const input: ConversationInput = {
      mode: conversation.mode,
      channel: chat.channel,
      chatId: chat.chatId,
      senderId: conversation.senderId,
      ...(row.senderPhone ? { senderPhone: row.senderPhone } : {}),
      ...(conversation.attendantUserId ? { attendantUserId: conversation.attendantUserId } : {}),
      now: row.receivedAt.toISOString(),
      timeoutMin: this.deps.timeoutMin,
    };
    const event: ConversationEvent = { type: 'message', text: row.text, messageId: row.messageId, at: row.receivedAt.toISOString(), kind: row.kind };
    return this.run(chat, row, conversation, continuing, input, event, at, row.receivedAt, claimUntil, idle && open ? open : undefined);
  }

  /**
   * Actions queued through the inbox so they keep their place in the chat's order: an admin's
   * resume of a handoff, and the sweeper's expiry of an idle conversation. `row.text` names
   * the conversation; one that moved on meanwhile makes the action moot.
   */
  private async control(chat: ChatRef, row: InboxRow, open: ConversationRow | null, at: Date, claimUntil: Date | null): Promise<TurnDone | 'stale'> {
    const target = open && open.id === row.text ? open : null;
    const idle = target && at.getTime() - target.lastActivityAt.getTime() >= this.deps.timeoutMin * 60_000;
    const event: ConversationEvent | null =
      (row.kind === 'control:resume' || row.kind === 'control:restart') && target?.status === 'handoff'
        ? { type: 'resume', ...(row.kind === 'control:restart' ? { restart: true } : {}) }
        : row.kind === 'control:takeover' && target?.status === 'active'
          ? { type: 'takeover' }
          : row.kind === 'control:expire' && idle
            ? { type: 'expire' }
            : null;
    if (!target || !event) {
      await this.deps.inbox.markProcessed(row.id, at, `nothing to ${row.kind.slice('control:'.length)}`);
      return { conversation: open, replies: NO_REPLIES };
    }
    const conversation: ConversationState = { ...target, mode: target.mode as ConversationState['mode'] };
    const input: ConversationInput = { mode: conversation.mode, channel: chat.channel, chatId: chat.chatId, senderId: target.senderId, now: at.toISOString(), timeoutMin: this.deps.timeoutMin };
    // An expiry is not activity: the conversation keeps its last activity time.
    return this.run(chat, row, conversation, target, input, event, at, event.type === 'expire' ? target.lastActivityAt : at, claimUntil);
  }

  private async run(
    chat: ChatRef,
    row: TurnRow,
    conversation: ConversationState,
    stored: ConversationRow | null,
    input: ConversationInput,
    event: ConversationEvent,
    at: Date,
    activityAt: Date,
    claimUntil: Date | null,
    expire?: ConversationRow,
  ): Promise<TurnDone | 'stale'> {
    let contactId: string | undefined;
    const started = performance.now();
    const result = await this.deps.host.run({
      snapshot: stored?.snapshot ?? undefined,
      ...(stored ? { snapshotKey: `${stored.id}:${stored.version}` } : {}),
      input,
      event,
      scope: { conversation: { id: conversation.id, channel: chat.channel, chatId: chat.chatId, createdAt: conversation.createdAt }, onSaved: (id) => (contactId = id) },
    });
    this.deps.metrics.stage.observe({ stage: 'turn' }, (performance.now() - started) / 1000);
    const status = event.type === 'expire' && !isClosed(result.status) ? 'expired' : result.status;
    const version = (conversation.version ?? 0) + 1;

    const committing = performance.now();
    let replies: Awaited<ReturnType<ConversationStore['commitTurn']>> = 'stale';
    try {
      replies = await this.commit(chat, row, conversation, stored?.status, result, status, contactId, at, activityAt, claimUntil, expire);
    } finally {
      result.release(replies !== 'stale' && !isClosed(status) ? `${conversation.id}:${version}` : undefined);
    }
    this.deps.metrics.stage.observe({ stage: 'commit' }, (performance.now() - committing) / 1000);
    if (replies === 'stale') return 'stale';
    if (forgetsOnClose(status)) await this.deps.forgetClosed?.(conversation.id, at);
    await this.deps.observer?.committed({ chat, conversationId: conversation.id, before: stored?.status, after: status, row, event, at });
    const next: ConversationRow = {
      ...(stored ?? ({} as ConversationRow)),
      id: conversation.id,
      ...chat,
      mode: conversation.mode,
      senderId: conversation.senderId,
      attendantUserId: conversation.attendantUserId,
      contactId: contactId ?? stored?.contactId ?? null,
      status,
      snapshot: result.snapshot as ConversationRow['snapshot'],
      version,
      lastActivityAt: activityAt,
      closedAt: isClosed(status) ? at : null,
      createdAt: conversation.createdAt,
    };
    return { conversation: next, replies };
  }

  private commit(
    chat: ChatRef,
    row: TurnRow,
    conversation: ConversationState,
    before: string | undefined,
    result: TurnResult,
    status: string,
    contactId: string | undefined,
    at: Date,
    activityAt: Date,
    claimUntil: Date | null,
    expire?: ConversationRow,
  ) {
    // Said once per handoff: only the turn that opens it adds the out-of-hours notice.
    const opened = status === 'handoff' && before !== 'handoff';
    const extra = opened && this.deps.observer ? this.deps.observer.handoffReplies(at).map((r) => ({ key: `${conversation.id}:${r.key}:${(conversation.version ?? 0) + 1}`, text: r.text })) : [];
    return this.deps.store.commitTurn({
      chat,
      inboxId: row.id,
      ...(row.burst?.length ? { burstIds: row.burst.map((r) => r.id) } : {}),
      conversation,
      snapshot: result.snapshot,
      status,
      contactId,
      at,
      activityAt,
      // The turn's last reply is the one that asks; a channel may add a control to it.
      replies: result.outbox.map((r, i, all) => ({
        key: `${conversation.id}:${r.key}`,
        text: r.text,
        ...(i === all.length - 1 && result.asking ? { asks: result.asking, asksMode: conversation.mode } : {}),
        ...(i === all.length - 1 && result.options.length ? { options: result.options } : {}),
      })).concat(extra),
      claimUntil,
      ...(expire ? { expire: { id: expire.id, version: expire.version } } : {}),
    });
  }
}
