// Drops what conversations hold about people: the texts (inbound, outbound), the sender's
// name/phone/handle, the provider payloads and the machine snapshot (collected fields), and —
// for a person's own chats — the chat address itself, replaced by a pseudonym. Shared by LGPD
// erasure, the close of a declined/cancelled conversation and the retention job. Each call
// runs inside the caller's transaction.
import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client.ts';
import type { ChatRef } from '../conversations/chat-ref.ts';
import type { ErasedChat } from '../../connectors/types.ts';

type Db = Pick<Prisma.TransactionClient, '$executeRaw'>;

/** What replaces a snapshot whose collected fields are gone. */
export const PURGED_SNAPSHOT = { purged: true } as const;

export interface ScrubOptions {
  at: Date;
  /** Replies written at or after this time are kept (the goodbye of the closing turn, still
   * to be sent). */
  keepRepliesFrom?: Date;
  /** Also replace the snapshot and end an open conversation (erasure). */
  endConversations?: boolean;
}

const uuids = (ids: string[]) => Prisma.sql`${ids}::uuid[]`;

/** Drops the texts of these conversations (the rows keep their chat and time). */
export async function scrubConversations(db: Db, ids: string[], options: ScrubOptions): Promise<void> {
  if (!ids.length) return;
  const { at } = options;
  await db.$executeRaw`
    UPDATE inbound_messages SET text = '', sender_name = NULL, sender_phone = NULL, sender_username = NULL, raw = NULL
    WHERE conversation_id = ANY(${uuids(ids)})`;
  const keep = options.keepRepliesFrom ? Prisma.sql`AND created_at < ${options.keepRepliesFrom}::timestamptz` : Prisma.empty;
  // A reply not delivered yet is not sent as an empty text; the provider's id of a sent one
  // goes too (a Cloud API wamid encodes the recipient's number).
  await db.$executeRaw`
    UPDATE outbound_messages SET text = '', provider_message_id = NULL, updated_at = ${at}::timestamptz,
      status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END,
      last_error = CASE WHEN status IN ('pending', 'sending') THEN 'dropped (personal data)' ELSE last_error END
    WHERE conversation_id = ANY(${uuids(ids)}) ${keep}`;
  if (options.endConversations) {
    await db.$executeRaw`
      UPDATE conversations SET status = CASE WHEN status IN ('active', 'handoff') THEN 'cancelled' ELSE status END,
        closed_at = COALESCE(closed_at, ${at}::timestamptz), snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb,
        version = version + 1, purged_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      WHERE id = ANY(${uuids(ids)})`;
  }
}

/** A fresh pseudonym for an erased chat address: nothing links it back to the person. */
export const newPseudonym = (): string => `erased:${randomUUID()}`;

/**
 * Replaces the person's chat addresses (chat id, sender id, and message ids, which embed the
 * chat on some channels) by pseudonyms in every core table, drops every text of those chats,
 * and sets their unprocessed messages aside.
 */
export async function pseudonymizeChats(db: Db, chats: ChatRef[], at: Date): Promise<ErasedChat[]> {
  const erased: ErasedChat[] = [];
  for (const chat of chats) {
    const p = newPseudonym();
    const is = Prisma.sql`channel = ${chat.channel} AND account_id = ${chat.accountId} AND chat_id = ${chat.chatId}`;
    await db.$executeRaw`
      UPDATE inbound_messages SET chat_id = ${p}, sender_id = ${p}, message_id = ${p} || ':' || id::text,
        text = '', sender_name = NULL, sender_phone = NULL, sender_username = NULL, raw = NULL,
        error = CASE WHEN processed_at IS NULL THEN 'erased (LGPD)' ELSE error END,
        processed_at = COALESCE(processed_at, ${at}::timestamptz)
      WHERE ${is}`;
    await db.$executeRaw`
      UPDATE outbound_messages SET chat_id = ${p}, text = '', provider_message_id = NULL, updated_at = ${at}::timestamptz,
        status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END,
        last_error = CASE WHEN status IN ('pending', 'sending') THEN 'erased (LGPD)' ELSE last_error END
      WHERE ${is}`;
    await db.$executeRaw`
      UPDATE conversations SET chat_id = ${p}, sender_id = ${p},
        status = CASE WHEN status IN ('active', 'handoff') THEN 'cancelled' ELSE status END,
        closed_at = COALESCE(closed_at, ${at}::timestamptz), snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb,
        version = version + 1, purged_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      WHERE ${is}`;
    erased.push({ ...chat, pseudonym: p });
  }
  return erased;
}

/** Retention: the addresses of old closed conversations become pseudonyms too, one per
 * conversation (the chat itself may go on with newer conversations under its address). */
export async function pseudonymizeConversations(db: Db, ids: string[], at: Date): Promise<void> {
  for (const id of ids) {
    const p = newPseudonym();
    await db.$executeRaw`UPDATE inbound_messages SET chat_id = ${p}, sender_id = ${p}, message_id = ${p} || ':' || id::text WHERE conversation_id = ${id}::uuid`;
    await db.$executeRaw`UPDATE outbound_messages SET chat_id = ${p} WHERE conversation_id = ${id}::uuid`;
    await db.$executeRaw`
      UPDATE conversations SET chat_id = ${p}, sender_id = ${p}, snapshot = ${JSON.stringify(PURGED_SNAPSHOT)}::jsonb,
        purged_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
      WHERE id = ${id}::uuid`;
  }
}
