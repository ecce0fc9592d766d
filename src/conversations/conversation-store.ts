// Every statement on `conversations`, in SQL on the process's one pool (src/db/README.md).
// The hot path (what every turn does): a worker reads a chat's state in one round trip, and
// a turn commits in ONE statement (turn-commit.ts): the inbox row
// marked processed (only if it still is unprocessed), the conversation snapshot (only if it
// still has the version the turn started from) and the turn's replies. Either condition
// failing changes nothing — another worker got there first — and the caller re-reads.
import type { ChatRef } from './chat-ref.ts';
import { join, prepared, type SqlClient, sql, toBigInt } from '../db/sql.ts';
import { type CommittedReply, commitTurnStatement } from './turn-commit.ts';
import {
  type ConversationFilters,
  type ConversationRecord,
  type ConversationRow,
  type InboxRow,
  isClosed,
  PURGED_SNAPSHOT,
  type TurnCommit,
} from './conversation-rows.ts';

export * from './conversation-rows.ts';

const INBOX_COLUMNS = sql`id, channel, account_id AS "accountId", message_id AS "messageId", chat_id AS "chatId", sender_id AS "senderId",
  sender_phone AS "senderPhone", sender_username AS "senderUsername", staff_user_id AS "staffUserId", kind, text, received_at AS "receivedAt"`;
const CONVERSATION_COLUMNS = sql`id, channel, account_id AS "accountId", chat_id AS "chatId", mode, status, sender_id AS "senderId",
  attendant_user_id AS "attendantUserId", contact_id AS "contactId", snapshot, version,
  last_activity_at AS "lastActivityAt", closed_at AS "closedAt", created_at AS "createdAt"`;
const chatIs = (chat: ChatRef) => sql`channel = ${chat.channel}::varchar AND account_id = ${chat.accountId}::varchar AND chat_id = ${chat.chatId}::varchar`;

export class ConversationStore {
  constructor(private readonly db: SqlClient) {}

  /** Unprocessed messages of a chat, oldest first. */
  async pendingInbound(chat: ChatRef, limit: number): Promise<InboxRow[]> {
    const rows = await this.db.query<InboxRow & { id: unknown }>(prepared(sql`
      SELECT ${INBOX_COLUMNS} FROM inbound_messages WHERE ${chatIs(chat)} AND processed_at IS NULL ORDER BY id LIMIT ${limit}::int`));
    return rows.map((r) => ({ ...r, id: toBigInt(r.id) }));
  }

  /** The chat's latest conversation (open or not). */
  async latestConversation(chat: ChatRef): Promise<ConversationRow | null> {
    const [row] = await this.db.query<ConversationRow>(prepared(sql`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE ${chatIs(chat)} ORDER BY created_at DESC LIMIT 1`));
    return row ? { ...row, version: Number(row.version) } : null;
  }

  /**
   * What a worker needs when it takes a chat, in one round trip: its unprocessed messages,
   * its latest conversation, and whether replies are left unsent.
   */
  async chatState(chat: ChatRef, limit: number): Promise<{ inbox: InboxRow[]; conversation: ConversationRow | null; unsent: boolean }> {
    const [row] = await this.db.query<{ inbox: Record<string, unknown>[] | null; conversation: Record<string, unknown> | null; unsent: boolean }>(prepared(sql`
      SELECT (SELECT json_agg(i ORDER BY i.id) FROM (SELECT ${INBOX_COLUMNS} FROM inbound_messages WHERE ${chatIs(chat)} AND processed_at IS NULL ORDER BY id LIMIT ${limit}::int) i) AS inbox,
             (SELECT row_to_json(c) FROM (SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE ${chatIs(chat)} ORDER BY created_at DESC LIMIT 1) c) AS conversation,
             EXISTS (SELECT 1 FROM outbound_messages WHERE ${chatIs(chat)} AND status IN ('pending', 'sending')) AS unsent`));
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
      ...(turn.burstIds?.length ? { burstIds: turn.burstIds } : {}),
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
    const [row] = await this.db.query<{ work: boolean }>(prepared(sql`
      SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE ${chatIs(chat)} AND processed_at IS NULL)
          OR EXISTS (SELECT 1 FROM outbound_messages WHERE ${chatIs(chat)} AND status IN ('pending', 'sending')
                     AND (next_attempt_at <= ${now}::timestamptz OR (status = 'sending' AND ${claimedIsDue}::boolean))) AS work`));
    return row?.work === true;
  }

  /** One conversation, as staff see it (null: no such id). */
  async find(id: string): Promise<ConversationRecord | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<ConversationRecord>(sql`SELECT ${RECORD_COLUMNS} FROM conversations WHERE id = ${id}::uuid`);
    return row ? record(row) : null;
  }

  /**
   * A keyset page, newest first; the handoff queue (status 'handoff') oldest handoff first,
   * keyed on (handoff_at, id). `after`: the last row of the previous page.
   */
  async list(filters: ConversationFilters, after: { at: Date; id: string } | undefined, limit: number): Promise<ConversationRecord[]> {
    const queue = filters.status === 'handoff';
    const where = [
      ...(filters.status ? [sql`status = ${filters.status}::varchar`] : []),
      ...(filters.channel ? [sql`channel = ${filters.channel}::varchar`] : []),
      ...(filters.mode ? [sql`mode = ${filters.mode}::varchar`] : []),
      ...(after ? [queue ? sql`(handoff_at, id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql`(created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)`] : []),
    ];
    const rows = await this.db.query<ConversationRecord>(sql`
      SELECT ${RECORD_COLUMNS} FROM conversations ${where.length ? sql`WHERE ${join(where, ' AND ')}` : sql``}
      ORDER BY ${queue ? sql`handoff_at ASC, conversations.id ASC` : sql`created_at DESC, conversations.id DESC`} LIMIT ${limit}::int`);
    return rows.map(record);
  }

  /**
   * An attendant takes a handoff, in one statement that decides: free, already theirs, or
   * (`anyHolder`, admins) someone else's. False when it is not in a handoff or held by another.
   */
  async claim(id: string, userId: string, at: Date, options: { anyHolder: boolean; onlyIfFree?: boolean }): Promise<boolean> {
    const holder = options.onlyIfFree ? sql`AND claimed_by IS NULL` : options.anyHolder ? sql`` : sql`AND (claimed_by IS NULL OR claimed_by = ${userId}::uuid)`;
    const rows = await this.db.query(sql`
      UPDATE conversations SET claimed_by = ${userId}::uuid, claimed_at = ${at}::timestamptz, updated_at = now()
      WHERE id = ${id}::uuid AND status = 'handoff' ${holder} RETURNING 1`);
    return rows.length === 1;
  }

  /** Frees a held handoff: the holder's own (`userId`), or anyone's (null, admins). */
  async release(id: string, userId: string | null): Promise<boolean> {
    const rows = await this.db.query(sql`
      UPDATE conversations SET claimed_by = NULL, claimed_at = NULL, updated_at = now()
      WHERE id = ${id}::uuid AND ${userId ? sql`claimed_by = ${userId}::uuid` : sql`claimed_by IS NOT NULL`} RETURNING 1`);
    return rows.length === 1;
  }

  /** Conversations by id and of whole chats, oldest first (the portability export). */
  async ofSubject(ids: string[], chats: ChatRef[]): Promise<ConversationRecord[]> {
    if (!ids.length && !chats.length) return [];
    const rows = await this.db.query<ConversationRecord>(sql`
      SELECT ${RECORD_COLUMNS} FROM conversations
      WHERE id = ANY(${ids}::uuid[])
         OR (channel, account_id, chat_id) IN (SELECT * FROM unnest(${chats.map((c) => c.channel)}::varchar[], ${chats.map((c) => c.accountId)}::varchar[], ${chats.map((c) => c.chatId)}::varchar[]))
      ORDER BY created_at, conversations.id`);
    return rows.map(record);
  }

  /**
   * The person of each conversation, best source first: the saved contact, what the bot has
   * collected so far (snapshot fields), what the channel told us about the sender.
   */
  async peopleOf(conversationIds: string[]): Promise<Map<string, { name?: string; phone?: string }>> {
    if (!conversationIds.length) return new Map();
    const rows = await this.db.query<{ id: string; name: string | null; phone: string | null }>(sql`
      SELECT c.id::text AS id,
             COALESCE(ct.name, c.snapshot->'context'->'fields'->>'name', s.sender_name) AS name,
             COALESCE(ct.phone, c.snapshot->'context'->'fields'->>'phone', s.sender_phone) AS phone
      FROM conversations c
      LEFT JOIN contacts ct ON ct.id = c.contact_id
      LEFT JOIN LATERAL (
        SELECT sender_name, sender_phone FROM inbound_messages i
        WHERE i.conversation_id = c.id AND i.staff_user_id IS NULL AND (i.sender_name IS NOT NULL OR i.sender_phone IS NOT NULL)
        ORDER BY i.id DESC LIMIT 1
      ) s ON true
      WHERE c.id = ANY(${conversationIds}::uuid[])`);
    return new Map(rows.map((r) => [r.id, { ...(r.name ? { name: r.name } : {}), ...(r.phone ? { phone: r.phone } : {}) }]));
  }

  /** The handoff queue at a glance: how many are open, how many held, since when the oldest. */
  async handoffStats(): Promise<{ open: number; claimed: number; oldest: Date | null }> {
    const [row] = await this.db.query<{ open: unknown; claimed: unknown; oldest: Date | null }>(sql`
      SELECT count(*) AS open, count(claimed_by) AS claimed, min(handoff_at) AS oldest FROM conversations WHERE status = 'handoff'`);
    return { open: Number(row?.open ?? 0), claimed: Number(row?.claimed ?? 0), oldest: row?.oldest ? new Date(row.oldest) : null };
  }

  /** The same statements on another client (inside a caller's transaction). */
  on(db: SqlClient): ConversationStore {
    return new ConversationStore(db);
  }

  /** Erasure: these conversations end (open ones as cancelled) and their snapshots go. */
  async endAndPurge(ids: string[], at: Date): Promise<void> {
    await this.db.query(sql`
      UPDATE conversations SET status = CASE WHEN status IN ('active', 'handoff') THEN 'cancelled' ELSE status END,
        closed_at = COALESCE(closed_at, ${at}::timestamptz), snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb,
        version = version + 1, purged_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      WHERE id = ANY(${ids}::uuid[])`);
  }

  /** A person's own chat: every conversation in it ends, purged, under a pseudonym. */
  async pseudonymizeChat(chat: ChatRef, pseudonym: string, at: Date): Promise<void> {
    await this.db.query(sql`
      UPDATE conversations SET chat_id = ${pseudonym}::varchar, sender_id = ${pseudonym}::varchar,
        status = CASE WHEN status IN ('active', 'handoff') THEN 'cancelled' ELSE status END,
        closed_at = COALESCE(closed_at, ${at}::timestamptz), snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb,
        version = version + 1, purged_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      WHERE ${chatIs(chat)}`);
  }

  /** Retention: one closed conversation purged under a pseudonym. */
  async pseudonymizeConversation(id: string, pseudonym: string, at: Date): Promise<void> {
    await this.db.query(sql`
      UPDATE conversations SET chat_id = ${pseudonym}::varchar, sender_id = ${pseudonym}::varchar, snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb,
        purged_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      WHERE id = ${id}::uuid`);
  }

  /** Drops the collected fields of a conversation that has closed. */
  async purgeSnapshotIfClosed(id: string): Promise<void> {
    await this.db.query(sql`UPDATE conversations SET snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb WHERE id = ${id}::uuid AND closed_at IS NOT NULL`);
  }

  /**
   * Closed conversations not purged yet, closed before `before` (only those in `statuses` when
   * given), oldest first, locked for this transaction; others' passes skip them.
   */
  async lockUnpurged(before: Date, limit: number, statuses?: readonly string[]): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(sql`
      SELECT id::text AS id FROM conversations
      WHERE purged_at IS NULL AND closed_at < ${before}::timestamptz ${statuses ? sql`AND status = ANY(${[...statuses]}::varchar[])` : sql``}
      ORDER BY closed_at LIMIT ${limit}::int FOR UPDATE SKIP LOCKED`);
    return rows.map((r) => r.id);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RECORD_COLUMNS = sql`id::text AS id, channel, account_id AS "accountId", chat_id AS "chatId", mode, status, sender_id AS "senderId",
  attendant_user_id::text AS "attendantUserId", contact_id::text AS "contactId", last_activity_at AS "lastActivityAt", closed_at AS "closedAt",
  handoff_at AS "handoffAt", claimed_by::text AS "claimedBy", claimed_at AS "claimedAt", created_at AS "createdAt"`;
const date = (v: unknown) => (v == null ? null : new Date(v as string));
const record = (r: ConversationRecord): ConversationRecord => ({
  ...r,
  lastActivityAt: new Date(r.lastActivityAt),
  closedAt: date(r.closedAt),
  handoffAt: date(r.handoffAt),
  claimedAt: date(r.claimedAt),
  createdAt: new Date(r.createdAt),
});
