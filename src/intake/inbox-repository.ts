// Every statement on `inbound_messages`, the durable inbox (the turn's processed mark is part
// of the turn's composed commit, src/conversations/turn-commit.ts). Accepted messages go in
// with their unique key (channel, account, message id) deciding what is new: ON CONFLICT DO
// NOTHING, and the rows returned are the new ones. One statement per batch whatever its size —
// columns travel as arrays through unnest — so the hot path skips the ORM (ENVIRONMENT.md:
// one statement per batch pays). Staff actions and the sweeper's expiries are queued as
// `control:` rows, so they take their place in the chat's order.
import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../../connectors/types.ts';
import type { ChatRef } from '../conversations/chat-ref.ts';
import { prepared, type SqlClient, sql, toBigInt } from '../db/sql.ts';
import { toStorableJson } from '../util/storable-text.ts';
import { dedupeKeyOf } from './inbound-validation.ts';

type KeyRow = { id: unknown; channel: string; account_id: string; message_id: string };

export type ControlKind = 'control:resume' | 'control:restart' | 'control:takeover';

/** A message of a conversation as the timeline and the portability export show it. */
export interface InboxEntry {
  id: string;
  text: string;
  kind: string;
  receivedAt: Date;
}

export class InboxRepository {
  constructor(
    private readonly db: SqlClient,
    private readonly keepRaw: boolean,
  ) {}

  /** Inserts the messages (distinct keys); returns the new ones' dedupe keys → inbox ids. */
  async insertNew(messages: InboundMessage[]): Promise<Map<string, bigint>> {
    if (!messages.length) return new Map();
    const col = <T>(pick: (m: InboundMessage) => T) => messages.map(pick);
    const rows = await this.db.query<KeyRow>(prepared(sql`
      INSERT INTO inbound_messages (channel, account_id, message_id, chat_id, sender_id, sender_phone, sender_name, sender_username, staff_user_id, kind, text, sent_at, raw)
      SELECT * FROM unnest(
        ${col((m) => m.channel)}::varchar[], ${col((m) => m.accountId)}::varchar[], ${col((m) => m.messageId)}::varchar[],
        ${col((m) => m.chatId)}::varchar[], ${col((m) => m.sender.id)}::varchar[], ${col((m) => m.sender.phone ?? null)}::varchar[],
        ${col((m) => m.sender.displayName ?? null)}::varchar[], ${col((m) => m.sender.username ?? null)}::varchar[], ${col((m) => m.staffUserId ?? null)}::uuid[], ${col((m) => m.kind)}::varchar[],
        ${col((m) => m.text)}::text[], ${col((m) => m.timestamp.toISOString())}::timestamptz[],
        ${col((m) => (this.keepRaw && m.raw !== undefined ? toStorableJson(m.raw) : null))}::jsonb[])
      ON CONFLICT (channel, account_id, message_id) DO NOTHING
      RETURNING id, channel, account_id, message_id`));
    return new Map(rows.map((r) => [dedupeKeyOf({ channel: r.channel, accountId: r.account_id, messageId: r.message_id }), toBigInt(r.id)]));
  }

  /** Marks a message handled without a turn (e.g. a resume with nothing to resume). */
  async markProcessed(id: bigint, at: Date, note: string): Promise<void> {
    await this.db.query(sql`UPDATE inbound_messages SET processed_at = ${at}::timestamptz, error = ${note}::varchar WHERE id = ${String(id)}::bigint AND processed_at IS NULL`);
  }

  /** Counts a failed attempt at a message; returns how many there have been. */
  async recordFailure(id: bigint, error: string): Promise<number> {
    const [row] = await this.db.query<{ attempts: number }>(sql`
      UPDATE inbound_messages SET attempts = attempts + 1, error = ${error.slice(0, 200)}::varchar WHERE id = ${String(id)}::bigint RETURNING attempts`);
    return Number(row?.attempts ?? 0);
  }

  /** Stops retrying a message that keeps failing, so the chat's later messages can go on. */
  giveUp(id: bigint, at: Date): Promise<void> {
    return this.markProcessed(id, at, 'gave up after repeated failures');
  }

  /** Chats with messages left unprocessed since before `before` (crash recovery). */
  chatsWithStale(before: Date, limit: number): Promise<ChatRef[]> {
    return this.db.query<ChatRef>(sql`
      SELECT DISTINCT channel, account_id AS "accountId", chat_id AS "chatId"
      FROM inbound_messages WHERE processed_at IS NULL AND received_at < ${before}::timestamptz LIMIT ${limit}::int`);
  }

  async countPending(): Promise<number> {
    const [row] = await this.db.query<{ n: unknown }>(sql`SELECT count(*) AS n FROM inbound_messages WHERE processed_at IS NULL`);
    return Number(row?.n ?? 0);
  }

  /**
   * Queues the expiry of open conversations silent since before `cutoff`, as control rows in
   * their chats' inboxes (the worker sends the machine its `expire` event, which says goodbye).
   * The row's message id includes the conversation's version, so sweeping twice queues one.
   */
  queueExpiries(cutoff: Date, limit: number): Promise<ChatRef[]> {
    return this.db.query<ChatRef>(sql`
      WITH idle AS (
        SELECT id, version, channel, account_id, chat_id, sender_id FROM conversations
        WHERE status IN ('active', 'handoff') AND last_activity_at < ${cutoff}::timestamptz LIMIT ${limit}::int),
      queued AS (
        INSERT INTO inbound_messages (channel, account_id, chat_id, message_id, sender_id, kind, text, sent_at)
        SELECT channel, account_id, chat_id, 'control:expire:' || id || ':' || version, sender_id, 'control:expire', id::text, now() FROM idle
        ON CONFLICT (channel, account_id, message_id) DO NOTHING)
      SELECT channel, account_id AS "accountId", chat_id AS "chatId" FROM idle`);
  }

  /** Queues a staff action on a conversation in its chat's inbox; returns the row to wait for. */
  async queueControl(conversation: ChatRef & { id: string }, kind: ControlKind, actorId: string | null): Promise<bigint> {
    const [row] = await this.db.query<{ id: unknown }>(sql`
      INSERT INTO inbound_messages (channel, account_id, chat_id, message_id, sender_id, kind, text, sent_at)
      VALUES (${conversation.channel}::varchar, ${conversation.accountId}::varchar, ${conversation.chatId}::varchar, ${`${kind}:${randomUUID()}`}::varchar,
              ${`user:${actorId ?? 'unknown'}`}::varchar, ${kind}::varchar, ${conversation.id}::text, now())
      RETURNING id`);
    return toBigInt(row!.id);
  }

  async isProcessed(id: bigint): Promise<boolean> {
    const [row] = await this.db.query<{ done: boolean }>(sql`SELECT processed_at IS NOT NULL AS done FROM inbound_messages WHERE id = ${String(id)}::bigint`);
    return row?.done === true;
  }

  /** When the person (not staff, not a queued action) last wrote in a chat. */
  async lastPersonMessageAt(chat: ChatRef): Promise<Date | null> {
    const [row] = await this.db.query<{ sentAt: Date }>(sql`
      SELECT sent_at AS "sentAt" FROM inbound_messages
      WHERE channel = ${chat.channel}::varchar AND account_id = ${chat.accountId}::varchar AND chat_id = ${chat.chatId}::varchar
        AND staff_user_id IS NULL AND kind NOT LIKE 'control:%'
      ORDER BY id DESC LIMIT 1`);
    return row ? new Date(row.sentAt) : null;
  }

  /** A conversation's messages in order (`person`: only the texts people wrote and still held). */
  ofConversation(conversationId: string, limit: number, options: { person?: boolean } = {}): Promise<InboxEntry[]> {
    return this.db.query<InboxEntry>(sql`
      SELECT id::text AS id, text, kind, received_at AS "receivedAt" FROM inbound_messages
      WHERE conversation_id = ${conversationId}::uuid ${options.person ? sql`AND text <> '' AND kind NOT LIKE 'control:%'` : sql``}
      ORDER BY inbound_messages.id LIMIT ${limit}::int`);
  }

  /** The same statements on another client (inside a caller's transaction). */
  on(db: SqlClient): InboxRepository {
    return new InboxRepository(db, this.keepRaw);
  }

  /** Drops the texts and sender details of these conversations' messages (privacy). */
  async scrub(conversationIds: string[]): Promise<void> {
    await this.db.query(sql`
      UPDATE inbound_messages SET text = '', sender_name = NULL, sender_phone = NULL, sender_username = NULL, raw = NULL
      WHERE conversation_id = ANY(${conversationIds}::uuid[])`);
  }

  /** Replaces a chat's address by a pseudonym, drops its texts and sets its unprocessed messages aside. */
  async pseudonymizeChat(chat: ChatRef, pseudonym: string, at: Date, note: string): Promise<void> {
    await this.db.query(sql`
      UPDATE inbound_messages SET chat_id = ${pseudonym}::varchar, sender_id = ${pseudonym}::varchar, message_id = ${pseudonym}::varchar || ':' || id::text,
        text = '', sender_name = NULL, sender_phone = NULL, sender_username = NULL, raw = NULL,
        error = CASE WHEN processed_at IS NULL THEN ${note}::varchar ELSE error END,
        processed_at = COALESCE(processed_at, ${at}::timestamptz)
      WHERE channel = ${chat.channel}::varchar AND account_id = ${chat.accountId}::varchar AND chat_id = ${chat.chatId}::varchar`);
  }

  /** One conversation's messages under a pseudonym (its chat may go on under its address). */
  async pseudonymizeConversation(conversationId: string, pseudonym: string): Promise<void> {
    await this.db.query(sql`
      UPDATE inbound_messages SET chat_id = ${pseudonym}::varchar, sender_id = ${pseudonym}::varchar, message_id = ${pseudonym}::varchar || ':' || id::text
      WHERE conversation_id = ${conversationId}::uuid`);
  }

  /** Messages that never joined a conversation, processed before `cutoff`: texts dropped; returns how many. */
  async scrubLoose(cutoff: Date): Promise<number> {
    // The (conversation_id) index serves "IS NULL": no scan of the whole inbox.
    const [row] = await this.db.query<{ n: unknown }>(sql`
      WITH scrubbed AS (
        UPDATE inbound_messages SET text = '', sender_name = NULL, sender_phone = NULL, sender_username = NULL, raw = NULL
        WHERE conversation_id IS NULL AND processed_at < ${cutoff}::timestamptz
          AND (text <> '' OR sender_name IS NOT NULL OR sender_phone IS NOT NULL OR sender_username IS NOT NULL OR raw IS NOT NULL)
        RETURNING 1)
      SELECT count(*) AS n FROM scrubbed`);
    return Number(row?.n ?? 0);
  }
}
