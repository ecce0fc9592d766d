// Every statement on `outbound_messages`, the durable outbox of replies (the bot's and staff's),
// as plain SQL on the process's one pool: the sender claims and marks rows on the hot path,
// where the ORM's query compiling cost more than the statements (see src/db/README.md). The
// turn's own inserts are part of the turn's composed commit (src/conversations/turn-commit.ts).
import type { DeliveryStatusUpdate } from '../../connectors/types.ts';
import type { ReplyOption } from '../../fsm/reply-options.ts';
import type { ChatRef } from '../conversations/chat-ref.ts';
import { prepared, type SqlClient, sql } from '../db/sql.ts';

/** A reply still to be sent, as the sender reads it. */
export interface DueReply {
  id: string;
  key: string;
  text: string;
  conversationId: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  asks: string | null;
  asksMode: string | null;
  options: ReplyOption[] | null;
}

/** A row whose status changed, with whether staff wrote it (the console follows those). */
export interface StatusChange {
  id: string;
  conversationId: string;
  staff: boolean;
}

export interface OutboundEntry {
  id: string;
  text: string;
  status: string;
  authorUserId: string | null;
  createdAt: Date;
}

export interface StaffMessage {
  conversationId: string;
  chat: ChatRef;
  idempotencyKey: string;
  text: string;
  authorUserId: string;
  at: Date;
}

/** A sent reply's text, found by the id its provider gave it. */
export interface SentText {
  accountId: string;
  chatId: string;
  text: string;
  /** The fixed answers it offered (a channel may have rendered them into the text it sent). */
  options: ReplyOption[] | null;
}

const RANK: Record<DeliveryStatusUpdate['status'], number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

export class OutboundRepository {
  constructor(private readonly db: SqlClient) {}

  /** The chat's unsent replies, oldest first. */
  dueOf(chat: ChatRef, limit: number): Promise<DueReply[]> {
    return this.db.query<DueReply>(prepared(sql`
      SELECT id::text AS id, idempotency_key AS key, text, conversation_id AS "conversationId", status, attempts, next_attempt_at AS "nextAttemptAt", asks, asks_mode AS "asksMode", options
      FROM outbound_messages
      WHERE channel = ${chat.channel}::varchar AND account_id = ${chat.accountId}::varchar AND chat_id = ${chat.chatId}::varchar AND status IN ('pending', 'sending')
      ORDER BY outbound_messages.id LIMIT ${limit}::int`));
  }

  /** Claims a reply for one send, only if nobody changed it since it was read. */
  async claim(reply: Pick<DueReply, 'id' | 'status' | 'nextAttemptAt'>, now: Date, until: Date): Promise<boolean> {
    const claimed = await this.db.query(sql`
      UPDATE outbound_messages SET status = 'sending', attempts = attempts + 1, next_attempt_at = ${until}::timestamptz, updated_at = ${now}::timestamptz
      WHERE id = ${reply.id}::bigint AND status = ${reply.status}::varchar AND next_attempt_at = ${reply.nextAttemptAt}::timestamptz RETURNING 1`);
    return claimed.length === 1;
  }

  /** Gives claimed replies that were never tried back, due at once, their claim's attempt taken back. */
  async unclaim(ids: bigint[], now: Date): Promise<void> {
    if (!ids.length) return;
    await this.db.query(sql`
      UPDATE outbound_messages SET status = 'pending', next_attempt_at = ${now}::timestamptz, attempts = attempts - 1, updated_at = ${now}::timestamptz
      WHERE id = ANY(${ids.map(String)}::bigint[])`);
  }

  markSent(ids: bigint[], now: Date): Promise<StatusChange[]> {
    return this.db.query<StatusChange>(prepared(sql`
      UPDATE outbound_messages SET status = 'sent', sent_at = ${now}::timestamptz, last_error = NULL, updated_at = ${now}::timestamptz
      WHERE id = ANY(${ids.map(String)}::bigint[]) RETURNING id::text AS id, conversation_id AS "conversationId", author_user_id IS NOT NULL AS staff`));
  }

  /** A failed try: due again at `nextAttemptAt` (pending) or given up on (failed). */
  async markFailed(id: string, status: 'pending' | 'failed', error: string, nextAttemptAt: Date, now: Date): Promise<{ staff: boolean }> {
    const [row] = await this.db.query<{ staff: boolean }>(sql`
      UPDATE outbound_messages SET status = ${status}::varchar, last_error = ${error}::varchar, next_attempt_at = ${nextAttemptAt}::timestamptz, updated_at = ${now}::timestamptz
      WHERE id = ${id}::bigint RETURNING author_user_id IS NOT NULL AS staff`);
    return { staff: row?.staff === true };
  }

  /** Back to pending for another replica to send, this try not counted. */
  async handBack(id: string, now: Date, dueAt: Date): Promise<void> {
    await this.db.query(sql`
      UPDATE outbound_messages SET status = 'pending', attempts = GREATEST(attempts - 1, 0), next_attempt_at = ${dueAt}::timestamptz, updated_at = ${now}::timestamptz
      WHERE id = ${id}::bigint AND status = 'sending'`);
  }

  /** Kept so the provider's delivery statuses (which name this id) find the row. */
  async setProviderId(id: string, providerMessageId: string): Promise<void> {
    await this.db.query(sql`UPDATE outbound_messages SET provider_message_id = ${providerMessageId}::varchar WHERE id = ${id}::bigint`);
  }

  /**
   * Chats with replies due, except on `skip` channels. A claimed reply of an `idempotent`
   * channel is due once it sat unmarked since `staleBefore`; the others, when their claim lapses.
   */
  chatsWithDue(now: Date, skip: string[], idempotent: string[], staleBefore: Date, limit: number): Promise<ChatRef[]> {
    return this.db.query<ChatRef>(sql`
      SELECT DISTINCT channel, account_id AS "accountId", chat_id AS "chatId" FROM outbound_messages
      WHERE status IN ('pending', 'sending') AND NOT (channel = ANY(${skip}::varchar[]))
        AND (next_attempt_at <= ${now}::timestamptz OR (status = 'sending' AND channel = ANY(${idempotent}::varchar[]) AND updated_at <= ${staleBefore}::timestamptz))
      LIMIT ${limit}::int`);
  }

  /**
   * A provider's delivery status. Statuses arrive out of order (Meta: "read" may come before
   * "delivered"), so one only overwrites an earlier stage; `failed` is final. `null`: no row
   * has that provider id; `[]`: a stale status for a known row.
   */
  async recordStatus(update: DeliveryStatusUpdate): Promise<StatusChange[] | null> {
    const rows = await this.db.query<StatusChange>(sql`
      UPDATE outbound_messages SET provider_status = ${update.status}::varchar, provider_status_at = ${update.at}::timestamptz,
             last_error = CASE WHEN ${update.status}::varchar = 'failed' THEN ${update.error?.slice(0, 200) ?? null}::varchar ELSE last_error END,
             status = CASE WHEN ${update.status}::varchar = 'failed' THEN 'failed' ELSE status END
      WHERE channel = ${update.channel}::varchar AND provider_message_id = ${update.providerMessageId}::varchar
        AND COALESCE(CASE provider_status WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 END, 0) < ${RANK[update.status]}::int
      RETURNING id::text AS id, conversation_id AS "conversationId", author_user_id IS NOT NULL AS staff`);
    if (rows.length) return rows;
    const known = await this.db.query(sql`SELECT 1 FROM outbound_messages WHERE channel = ${update.channel}::varchar AND provider_message_id = ${update.providerMessageId}::varchar LIMIT 1`);
    return known.length ? [] : null;
  }

  /**
   * The text of a reply a provider knows by `providerMessageId` (a WhatsApp recipient's device
   * asking for a message again), with the chat and account it went to; null when no reply
   * carries that id or its text was erased (a scrubbed reply drops its provider id too).
   */
  async sentText(channel: string, providerMessageId: string): Promise<SentText | null> {
    const [row] = await this.db.query<SentText>(sql`
      SELECT account_id AS "accountId", chat_id AS "chatId", text, options FROM outbound_messages
      WHERE channel = ${channel}::varchar AND provider_message_id = ${providerMessageId}::varchar AND text <> '' LIMIT 1`);
    return row ?? null;
  }

  /** The row queued under an idempotency key, if any. */
  async idOfKey(idempotencyKey: string): Promise<string | null> {
    const [row] = await this.db.query<{ id: string }>(sql`SELECT id::text AS id FROM outbound_messages WHERE idempotency_key = ${idempotencyKey}::varchar`);
    return row?.id ?? null;
  }

  /** Queues a staff message; null when its key was queued before (nothing new is sent). */
  async queueStaffMessage(m: StaffMessage): Promise<string | null> {
    const [row] = await this.db.query<{ id: string }>(sql`
      INSERT INTO outbound_messages (conversation_id, channel, account_id, chat_id, idempotency_key, text, author_user_id, next_attempt_at, created_at, updated_at)
      VALUES (${m.conversationId}::uuid, ${m.chat.channel}::varchar, ${m.chat.accountId}::varchar, ${m.chat.chatId}::varchar, ${m.idempotencyKey}::varchar,
              ${m.text}::text, ${m.authorUserId}::uuid, ${m.at}::timestamptz, ${m.at}::timestamptz, ${m.at}::timestamptz)
      ON CONFLICT (idempotency_key) DO NOTHING RETURNING id::text AS id`);
    return row?.id ?? null;
  }

  /** A conversation's replies in order (`withText`: those whose text was not erased). */
  ofConversation(conversationId: string, limit: number, options: { withText?: boolean } = {}): Promise<OutboundEntry[]> {
    return this.db.query<OutboundEntry>(sql`
      SELECT id::text AS id, text, status, author_user_id::text AS "authorUserId", created_at AS "createdAt" FROM outbound_messages
      WHERE conversation_id = ${conversationId}::uuid ${options.withText ? sql`AND text <> ''` : sql``}
      ORDER BY outbound_messages.id LIMIT ${limit}::int`);
  }

  /** The same statements on another client (inside a caller's transaction). */
  on(db: SqlClient): OutboundRepository {
    return new OutboundRepository(db);
  }

  /**
   * Drops the texts of these conversations' replies (those written from `keepFrom` on stay:
   * the goodbye of a closing turn, still to be sent). One not delivered yet is not sent as an
   * empty text; the provider's id of a sent one goes too (a Cloud API wamid encodes the number).
   */
  async scrub(conversationIds: string[], at: Date, note: string, keepFrom?: Date): Promise<void> {
    await this.db.query(sql`
      UPDATE outbound_messages SET text = '', provider_message_id = NULL, updated_at = ${at}::timestamptz,
        status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END,
        last_error = CASE WHEN status IN ('pending', 'sending') THEN ${note}::varchar ELSE last_error END
      WHERE conversation_id = ANY(${conversationIds}::uuid[]) ${keepFrom ? sql`AND created_at < ${keepFrom}::timestamptz` : sql``}`);
  }

  /** A chat's replies under a pseudonym, texts dropped, unsent ones given up. */
  async pseudonymizeChat(chat: ChatRef, pseudonym: string, at: Date, note: string): Promise<void> {
    await this.db.query(sql`
      UPDATE outbound_messages SET chat_id = ${pseudonym}::varchar, text = '', provider_message_id = NULL, updated_at = ${at}::timestamptz,
        status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END,
        last_error = CASE WHEN status IN ('pending', 'sending') THEN ${note}::varchar ELSE last_error END
      WHERE channel = ${chat.channel}::varchar AND account_id = ${chat.accountId}::varchar AND chat_id = ${chat.chatId}::varchar`);
  }

  async pseudonymizeConversation(conversationId: string, pseudonym: string): Promise<void> {
    await this.db.query(sql`UPDATE outbound_messages SET chat_id = ${pseudonym}::varchar WHERE conversation_id = ${conversationId}::uuid`);
  }
}
