// The conversation runtime's database work. The hot path (what every turn does) is direct
// SQL (src/db/sql.ts); a turn commits in ONE statement (turn-commit.ts): the inbox row
// marked processed (only if it still is unprocessed), the conversation snapshot (only if it
// still has the version the turn started from) and the turn's replies. Either condition
// failing changes nothing — another worker got there first — and the caller re-reads.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ChatRef } from './chat-ref.ts';
import { type SqlClient, sql, toBigInt } from '../db/sql.ts';
import { type CommittedReply, commitTurnStatement } from './turn-commit.ts';

export interface InboxRow {
  id: bigint;
  channel: string;
  accountId: string;
  messageId: string;
  chatId: string;
  senderId: string;
  senderPhone: string | null;
  senderUsername: string | null;
  staffUserId: string | null;
  kind: string;
  text: string;
  receivedAt: Date;
}

export interface ConversationRow {
  id: string;
  channel: string;
  accountId: string;
  chatId: string;
  mode: string;
  status: string;
  senderId: string;
  attendantUserId: string | null;
  contactId: string | null;
  snapshot: unknown;
  version: number;
  lastActivityAt: Date;
  closedAt: Date | null;
  createdAt: Date;
}

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

const INBOX_COLUMNS = sql`id, channel, account_id AS "accountId", message_id AS "messageId", chat_id AS "chatId", sender_id AS "senderId",
  sender_phone AS "senderPhone", sender_username AS "senderUsername", staff_user_id AS "staffUserId", kind, text, received_at AS "receivedAt"`;
const CONVERSATION_COLUMNS = sql`id, channel, account_id AS "accountId", chat_id AS "chatId", mode, status, sender_id AS "senderId",
  attendant_user_id AS "attendantUserId", contact_id AS "contactId", snapshot, version,
  last_activity_at AS "lastActivityAt", closed_at AS "closedAt", created_at AS "createdAt"`;
const chatIs = (chat: ChatRef) => sql`channel = ${chat.channel}::varchar AND account_id = ${chat.accountId}::varchar AND chat_id = ${chat.chatId}::varchar`;

export class ConversationStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly db: SqlClient,
  ) {}

  /** Unprocessed messages of a chat, oldest first. */
  async pendingInbound(chat: ChatRef, limit: number): Promise<InboxRow[]> {
    const rows = await this.db.query<InboxRow & { id: unknown }>(sql`
      SELECT ${INBOX_COLUMNS} FROM inbound_messages WHERE ${chatIs(chat)} AND processed_at IS NULL ORDER BY id LIMIT ${limit}::int`);
    return rows.map((r) => ({ ...r, id: toBigInt(r.id) }));
  }

  /** The chat's latest conversation (open or not). */
  async latestConversation(chat: ChatRef): Promise<ConversationRow | null> {
    const [row] = await this.db.query<ConversationRow>(sql`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE ${chatIs(chat)} ORDER BY created_at DESC LIMIT 1`);
    return row ? { ...row, version: Number(row.version) } : null;
  }

  /**
   * What a worker needs when it takes a chat, in one round trip: its unprocessed messages,
   * its latest conversation, and whether replies are left unsent.
   */
  async chatState(chat: ChatRef, limit: number): Promise<{ inbox: InboxRow[]; conversation: ConversationRow | null; unsent: boolean }> {
    const [row] = await this.db.query<{ inbox: Record<string, unknown>[] | null; conversation: Record<string, unknown> | null; unsent: boolean }>(sql`
      SELECT (SELECT json_agg(i ORDER BY i.id) FROM (SELECT ${INBOX_COLUMNS} FROM inbound_messages WHERE ${chatIs(chat)} AND processed_at IS NULL ORDER BY id LIMIT ${limit}::int) i) AS inbox,
             (SELECT row_to_json(c) FROM (SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE ${chatIs(chat)} ORDER BY created_at DESC LIMIT 1) c) AS conversation,
             EXISTS (SELECT 1 FROM outbound_messages WHERE ${chatIs(chat)} AND status IN ('pending', 'sending')) AS unsent`);
    const c = row?.conversation;
    return {
      inbox: (row?.inbox ?? []).map((r) => ({ ...(r as unknown as InboxRow), id: toBigInt(r.id), receivedAt: new Date(r.receivedAt as string) })),
      conversation: c
        ? {
            ...(c as unknown as ConversationRow),
            version: Number(c.version),
            lastActivityAt: new Date(c.lastActivityAt as string),
            closedAt: c.closedAt ? new Date(c.closedAt as string) : null,
            createdAt: new Date(c.createdAt as string),
          }
        : null,
      unsent: row?.unsent === true,
    };
  }

  /** Commits a turn; the replies come back as stored ('stale': another worker got there first). */
  commitTurn(turn: TurnCommit): Promise<CommittedReply[] | 'stale'> {
    const c = turn.conversation;
    return commitTurnStatement(this.db, {
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

  /** Is there anything for a worker in this chat: unprocessed messages or due replies? */
  /** `claimedIsDue`: a reply still claimed counts as work (idempotent channels resend it at once). */
  async hasWork(chat: ChatRef, now: Date, claimedIsDue = false): Promise<boolean> {
    const [row] = await this.db.query<{ work: boolean }>(sql`
      SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE ${chatIs(chat)} AND processed_at IS NULL)
          OR EXISTS (SELECT 1 FROM outbound_messages WHERE ${chatIs(chat)} AND status IN ('pending', 'sending')
                     AND (next_attempt_at <= ${now}::timestamptz OR (status = 'sending' AND ${claimedIsDue}::boolean))) AS work`);
    return row?.work === true;
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
