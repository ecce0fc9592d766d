// The conversation runtime's database work. A turn commits in ONE statement (turn-commit.ts):
// the inbox row marked processed (only if it still is unprocessed), the conversation snapshot
// (only if it still has the version the turn started from) and the turn's replies. Either
// condition failing changes nothing — another worker got there first — and the caller re-reads.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { ChatRef } from './chat-ref.ts';
import { type CommittedReply, commitTurnStatement } from './turn-commit.ts';

export type InboxRow = Prisma.InboundMessageGetPayload<object>;
export type ConversationRow = Prisma.ConversationGetPayload<object>;

/** The machine's end states (fsm/types.ts Status), plus 'completed' for a final state without one. */
export const CLOSED_STATUSES = ['saved', 'cancelled', 'declined', 'expired', 'completed'] as const;
export const isClosed = (status: string) => (CLOSED_STATUSES as readonly string[]).includes(status);

export interface ConversationState {
  id: string;
  /** undefined: not stored yet (the turn creates it). */
  version?: number;
  mode: 'contact' | 'attendant';
  senderId: string;
  attendantUserId: string | null;
  createdAt: Date;
}

export interface TurnCommit {
  chat: ChatRef;
  inboxId: bigint;
  conversation: ConversationState;
  snapshot: unknown;
  status: string;
  contactId?: string | null;
  /** When it was handled (processed mark). */
  at: Date;
  /** When the message arrived: the conversation's last activity, for expiry. */
  activityAt: Date;
  replies: { key: string; text: string }[];
  /** An open conversation this turn found expired: closed in the same transaction. */
  expire?: { id: string; version: number };
  /** Set when this worker sends the replies itself right after the commit. */
  claimUntil?: Date | null;
}

export class ConversationStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Unprocessed messages of a chat, oldest first. */
  pendingInbound(chat: ChatRef, limit: number): Promise<InboxRow[]> {
    return this.prisma.inboundMessage.findMany({
      where: { channel: chat.channel, accountId: chat.accountId, chatId: chat.chatId, processedAt: null },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  /** The chat's latest conversation (open or not). */
  latestConversation(chat: ChatRef): Promise<ConversationRow | null> {
    return this.prisma.conversation.findFirst({
      where: { channel: chat.channel, accountId: chat.accountId, chatId: chat.chatId },
      orderBy: { createdAt: 'desc' },
    });
  }

  /** Commits a turn; the replies come back as stored ('stale': another worker got there first). */
  commitTurn(turn: TurnCommit): Promise<CommittedReply[] | 'stale'> {
    const c = turn.conversation;
    return commitTurnStatement(this.prisma, {
      chat: turn.chat,
      inboxId: turn.inboxId,
      conversationId: c.id,
      version: c.version,
      ...(c.version === undefined ? { create: { mode: c.mode, senderId: c.senderId, attendantUserId: c.attendantUserId, createdAt: c.createdAt } } : {}),
      ...(turn.expire ? { expire: turn.expire } : {}),
      snapshot: turn.snapshot,
      status: turn.status,
      closed: isClosed(turn.status),
      contactId: turn.contactId ?? null,
      at: turn.at,
      activityAt: turn.activityAt,
      replies: turn.replies,
      claimUntil: turn.claimUntil ?? null,
    });
  }

  /** Marks a message handled without a turn (e.g. a resume with nothing to resume). */
  async markProcessed(inboxId: bigint, at: Date, note: string): Promise<void> {
    await this.prisma.inboundMessage.updateMany({ where: { id: inboxId, processedAt: null }, data: { processedAt: at, error: note } });
  }

  /** Counts a failed attempt at a message; returns how many there have been. */
  async recordFailure(inboxId: bigint, error: string): Promise<number> {
    const row = await this.prisma.inboundMessage.update({
      where: { id: inboxId },
      data: { attempts: { increment: 1 }, error: error.slice(0, 200) },
      select: { attempts: true },
    });
    return row.attempts;
  }

  /** Stops retrying a message that keeps failing, so the chat's later messages can go on. */
  async giveUp(inboxId: bigint, at: Date): Promise<void> {
    await this.prisma.inboundMessage.updateMany({ where: { id: inboxId, processedAt: null }, data: { processedAt: at, error: 'gave up after repeated failures' } });
  }

  /** Is there anything for a worker in this chat: unprocessed messages or due replies? */
  async hasWork(chat: ChatRef, now: Date): Promise<boolean> {
    const [row] = await this.prisma.$queryRaw<{ work: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE channel = ${chat.channel} AND account_id = ${chat.accountId} AND chat_id = ${chat.chatId} AND processed_at IS NULL)
          OR EXISTS (SELECT 1 FROM outbound_messages WHERE channel = ${chat.channel} AND account_id = ${chat.accountId} AND chat_id = ${chat.chatId}
                     AND status IN ('pending', 'sending') AND next_attempt_at <= ${now}) AS work`;
    return row?.work === true;
  }

  /** Chats with messages left unprocessed since before `before` (crash recovery). */
  chatsWithStaleInbox(before: Date, limit: number): Promise<ChatRef[]> {
    return this.prisma.$queryRaw<ChatRef[]>`
      SELECT DISTINCT channel, account_id AS "accountId", chat_id AS "chatId"
      FROM inbound_messages WHERE processed_at IS NULL AND received_at < ${before} LIMIT ${limit}`;
  }

  countPending(): Promise<number> {
    return this.prisma.inboundMessage.count({ where: { processedAt: null } });
  }

  /**
   * Queues the expiry of open conversations silent since before `cutoff`, as control rows in
   * their chats' inboxes (the worker sends the machine its `expire` event, which says goodbye).
   * The row id includes the version, so sweeping twice queues one expiry.
   */
  async queueExpiries(cutoff: Date, limit: number): Promise<ChatRef[]> {
    const idle = await this.prisma.conversation.findMany({
      where: { status: { in: ['active', 'handoff'] }, lastActivityAt: { lt: cutoff } },
      select: { id: true, version: true, channel: true, accountId: true, chatId: true, senderId: true },
      take: limit,
    });
    if (!idle.length) return [];
    await this.prisma.inboundMessage.createMany({
      data: idle.map((c) => ({
        channel: c.channel,
        accountId: c.accountId,
        chatId: c.chatId,
        messageId: `control:expire:${c.id}:${c.version}`,
        senderId: c.senderId,
        kind: 'control:expire',
        text: c.id,
        sentAt: new Date(),
      })),
      skipDuplicates: true,
    });
    return idle.map(({ channel, accountId, chatId }) => ({ channel, accountId, chatId }));
  }
}
