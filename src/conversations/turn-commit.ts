// A turn's commit as ONE statement (so one round trip, atomic by itself): the inbox row is
// marked processed only if it still is unprocessed, the conversation is written only if it
// still has the version the turn started from (its row locked first, FOR UPDATE, so the
// check holds until the statement ends), and the replies are inserted only if both did.
// Each step reads the previous one's RETURNING, so a stale turn changes nothing at all.
// A burst (several messages answered as one turn) marks all its rows or none: they are
// locked first, and the mark goes on only if every one of them is still unprocessed.
import type { ReplyOption } from '../../fsm/reply-options.ts';
import type { ChatRef } from './chat-ref.ts';
import { prepared, type SqlClient, sql } from '../db/sql.ts';

export interface CommitStatement {
  chat: ChatRef;
  inboxId: bigint;
  /** The later rows of a burst, answered by the same turn (marked with `inboxId`). */
  burstIds?: bigint[];
  conversationId: string;
  /** The version the turn started from; undefined when the turn creates the conversation. */
  version?: number;
  create?: { mode: string; senderId: string; attendantUserId: string | null; createdAt: Date };
  expire?: { id: string; version: number };
  snapshot: unknown;
  status: string;
  closed: boolean;
  contactId: string | null;
  at: Date;
  activityAt: Date;
  replies: { key: string; text: string; asks?: string; asksMode?: string; options?: ReplyOption[] }[];
  /** Replies go in already claimed by this worker (it sends them right after) or pending. */
  claimUntil: Date | null;
}

export interface CommittedReply {
  id: string;
  key: string;
  text: string;
  asks?: string | null;
  asksMode?: string | null;
  options?: ReplyOption[] | null;
}

export async function commitTurnStatement(db: SqlClient, c: CommitStatement): Promise<CommittedReply[] | 'stale'> {
  const snapshot = JSON.stringify(c.snapshot);
  const closedAt = c.closed ? c.at : null;
  const guard = c.create ? sql`SELECT 1 AS ok` : sql`SELECT 1 AS ok FROM conversations WHERE id = ${c.conversationId}::uuid AND version = ${c.version}::int FOR UPDATE`;
  const write = c.create
    ? sql`INSERT INTO conversations (id, channel, account_id, chat_id, mode, status, sender_id, attendant_user_id, contact_id, snapshot, version, last_activity_at, closed_at, created_at, updated_at, handoff_at)
        SELECT ${c.conversationId}::uuid, ${c.chat.channel}::varchar, ${c.chat.accountId}::varchar, ${c.chat.chatId}::varchar, ${c.create.mode}::varchar, ${c.status}::varchar,
               ${c.create.senderId}::varchar, ${c.create.attendantUserId}::uuid, ${c.contactId}::uuid, ${snapshot}::jsonb, 1, ${c.activityAt}::timestamptz,
               ${closedAt}::timestamptz, ${c.create.createdAt}::timestamptz, ${c.at}::timestamptz, ${c.status === 'handoff' ? c.at : null}::timestamptz
        WHERE EXISTS (SELECT 1 FROM inbox) RETURNING 1`
    : sql`UPDATE conversations SET status = ${c.status}::varchar, snapshot = ${snapshot}::jsonb, last_activity_at = ${c.activityAt}::timestamptz,
               closed_at = ${closedAt}::timestamptz, contact_id = COALESCE(${c.contactId}::uuid, contact_id), version = version + 1, updated_at = ${c.at}::timestamptz,
               -- SET reads the row as it was: a turn that enters a handoff starts its wait; one
               -- that leaves it (resume, cancel, expiry) lets go of the attendant's claim.
               handoff_at = CASE WHEN ${c.status}::varchar = 'handoff' AND status <> 'handoff' THEN ${c.at}::timestamptz ELSE handoff_at END,
               claimed_by = CASE WHEN ${c.status}::varchar = 'handoff' THEN claimed_by END,
               claimed_at = CASE WHEN ${c.status}::varchar = 'handoff' THEN claimed_at END
        WHERE id = ${c.conversationId}::uuid AND EXISTS (SELECT 1 FROM inbox) RETURNING 1`;
  const expire = c.expire
    ? sql`UPDATE conversations SET status = 'expired', closed_at = ${c.at}::timestamptz, version = version + 1, updated_at = ${c.at}::timestamptz
        WHERE id = ${c.expire.id}::uuid AND version = ${c.expire.version}::int AND EXISTS (SELECT 1 FROM inbox) RETURNING 1`
    : sql`SELECT 1`;
  const claimed = c.claimUntil !== null;
  const ids = [c.inboxId, ...(c.burstIds ?? [])].map(String);
  // One message (the usual turn) needs no lock first: its UPDATE's own condition decides. A
  // burst's rows are locked first so that all or none are marked (measured: the lock and its
  // count on every turn cost bench:turns ~10 %).
  const burst = ids.length > 1;
  const unprocessed = burst
    ? sql`id IN (SELECT id FROM pending) AND (SELECT count(*) FROM pending) = ${ids.length}::int`
    : sql`id = ${ids[0]}::bigint AND processed_at IS NULL`;
  const [result] = await db.query<{ written: number | string; replies: CommittedReply[] | null }>(prepared(sql`
    WITH guard AS (${guard}),
    ${burst ? sql`pending AS (SELECT id FROM inbound_messages WHERE id = ANY(${ids}::bigint[]) AND processed_at IS NULL FOR UPDATE),` : sql``}
    inbox AS (
      UPDATE inbound_messages SET processed_at = ${c.at}::timestamptz, conversation_id = ${c.conversationId}::uuid, error = NULL
      WHERE ${unprocessed} AND EXISTS (SELECT 1 FROM guard) RETURNING 1
    ),
    written AS (${write}),
    expired AS (${expire}),
    replies AS (
      INSERT INTO outbound_messages (conversation_id, channel, account_id, chat_id, idempotency_key, text, asks, asks_mode, options, status, attempts, next_attempt_at, created_at, updated_at)
      SELECT ${c.conversationId}::uuid, ${c.chat.channel}::varchar, ${c.chat.accountId}::varchar, ${c.chat.chatId}::varchar, r.key, r.text, r.asks, r.asks_mode, r.options::jsonb,
             ${claimed ? 'sending' : 'pending'}::varchar, ${claimed ? 1 : 0}::int, ${c.claimUntil ?? c.at}::timestamptz, ${c.at}::timestamptz, ${c.at}::timestamptz
      FROM unnest(${c.replies.map((r) => r.key)}::varchar[], ${c.replies.map((r) => r.text)}::text[],
                  ${c.replies.map((r) => r.asks ?? null)}::varchar[], ${c.replies.map((r) => r.asksMode ?? null)}::varchar[],
                  ${c.replies.map((r) => (r.options ? JSON.stringify(r.options) : null))}::text[]) WITH ORDINALITY AS r(key, text, asks, asks_mode, options, n)
      WHERE EXISTS (SELECT 1 FROM written)
      ORDER BY r.n
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, idempotency_key, text, asks, asks_mode, options
    )
    SELECT (SELECT count(*) FROM written) AS written,
           (SELECT json_agg(json_build_object('id', id::text, 'key', idempotency_key, 'text', text, 'asks', asks, 'asksMode', asks_mode, 'options', options) ORDER BY id) FROM replies) AS replies`));
  if (!result || Number(result.written) === 0) return 'stale';
  return result.replies ?? [];
}
