// A turn's commit as ONE statement (so one round trip, atomic by itself): the inbox row is
// marked processed only if it still is unprocessed, the conversation is written only if it
// still has the version the turn started from (its row locked first, FOR UPDATE, so the
// check holds until the statement ends), and the replies are inserted only if both did.
// Each step reads the previous one's RETURNING, so a stale turn changes nothing at all.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { ChatRef } from './chat-ref.ts';

export interface CommitStatement {
  chat: ChatRef;
  inboxId: bigint;
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
  replies: { key: string; text: string }[];
  /** Replies go in already claimed by this worker (it sends them right after) or pending. */
  claimUntil: Date | null;
}

export interface CommittedReply {
  id: string;
  key: string;
  text: string;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function commitTurnStatement(prisma: PrismaClient, c: CommitStatement): Promise<CommittedReply[] | 'stale'> {
  const snapshot = JSON.stringify(c.snapshot);
  const closedAt = c.closed ? iso(c.at) : null;
  const guard = c.create
    ? Prisma.sql`SELECT 1 AS ok`
    : Prisma.sql`SELECT 1 AS ok FROM conversations WHERE id = ${c.conversationId}::uuid AND version = ${c.version} FOR UPDATE`;
  const write = c.create
    ? Prisma.sql`INSERT INTO conversations (id, channel, account_id, chat_id, mode, status, sender_id, attendant_user_id, contact_id, snapshot, version, last_activity_at, closed_at, created_at, updated_at)
        SELECT ${c.conversationId}::uuid, ${c.chat.channel}, ${c.chat.accountId}, ${c.chat.chatId}, ${c.create.mode}, ${c.status}, ${c.create.senderId},
               ${c.create.attendantUserId}::uuid, ${c.contactId}::uuid, ${snapshot}::jsonb, 1, ${iso(c.activityAt)}::timestamptz, ${closedAt}::timestamptz,
               ${iso(c.create.createdAt)}::timestamptz, ${iso(c.at)}::timestamptz
        WHERE EXISTS (SELECT 1 FROM inbox) RETURNING 1`
    : Prisma.sql`UPDATE conversations SET status = ${c.status}, snapshot = ${snapshot}::jsonb, last_activity_at = ${iso(c.activityAt)}::timestamptz,
               closed_at = ${closedAt}::timestamptz, contact_id = COALESCE(${c.contactId}::uuid, contact_id), version = version + 1, updated_at = ${iso(c.at)}::timestamptz
        WHERE id = ${c.conversationId}::uuid AND EXISTS (SELECT 1 FROM inbox) RETURNING 1`;
  const expire = c.expire
    ? Prisma.sql`UPDATE conversations SET status = 'expired', closed_at = ${iso(c.at)}::timestamptz, version = version + 1, updated_at = ${iso(c.at)}::timestamptz
        WHERE id = ${c.expire.id}::uuid AND version = ${c.expire.version} AND EXISTS (SELECT 1 FROM inbox) RETURNING 1`
    : Prisma.sql`SELECT 1`;
  const claimed = c.claimUntil !== null;
  const rows = await prisma.$queryRaw<{ written: bigint; replies: CommittedReply[] | null }[]>`
    WITH guard AS (${guard}),
    inbox AS (
      UPDATE inbound_messages SET processed_at = ${iso(c.at)}::timestamptz, conversation_id = ${c.conversationId}::uuid, error = NULL
      WHERE id = ${c.inboxId} AND processed_at IS NULL AND EXISTS (SELECT 1 FROM guard) RETURNING 1
    ),
    written AS (${write}),
    expired AS (${expire}),
    replies AS (
      INSERT INTO outbound_messages (conversation_id, channel, account_id, chat_id, idempotency_key, text, status, attempts, next_attempt_at, created_at, updated_at)
      SELECT ${c.conversationId}::uuid, ${c.chat.channel}, ${c.chat.accountId}, ${c.chat.chatId}, r.key, r.text,
             ${claimed ? 'sending' : 'pending'}, ${claimed ? 1 : 0}, ${iso(c.claimUntil ?? c.at)}::timestamptz, ${iso(c.at)}::timestamptz, ${iso(c.at)}::timestamptz
      FROM unnest(${c.replies.map((r) => r.key)}::varchar[], ${c.replies.map((r) => r.text)}::text[]) WITH ORDINALITY AS r(key, text, n)
      WHERE EXISTS (SELECT 1 FROM written)
      ORDER BY r.n
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, idempotency_key, text
    )
    SELECT (SELECT count(*) FROM written) AS written,
           (SELECT json_agg(json_build_object('id', id::text, 'key', idempotency_key, 'text', text) ORDER BY id) FROM replies) AS replies`;
  const [result] = rows;
  if (!result || Number(result.written) === 0) return 'stale';
  return result.replies ?? [];
}
