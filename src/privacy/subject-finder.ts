// Finds everything the conversation tables hold about a person being erased (LGPD art. 18):
// the conversations that produced or updated their contact, every chat whose address is
// their phone (WhatsApp JIDs, Cloud API wa_ids, a Telegram contact they shared), and every
// conversation whose collected fields or typed texts hold their phone or e-mail — on every
// channel. Erasure and portability are rare admin actions, so this reads whole tables
// (texts are matched after dropping non-digits) rather than keeping an index of personal data.
import type { ChatRef } from '../conversations/chat-ref.ts';
import { type Fragment, join, type SqlClient, sql } from '../db/sql.ts';
import { phoneVariants } from './phone-variants.ts';

export interface Subject {
  contactId: string;
  /** E.164. */
  phone: string;
  email: string | null;
}

export interface SubjectChats {
  /** Every conversation holding data of the person. */
  conversationIds: string[];
  /** Chats that are the person's own (contact mode, or addressed by their phone): their
   * address is personal data too, and every conversation in them is theirs. */
  chats: ChatRef[];
}

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const anyOf = (parts: Fragment[]) => (parts.length ? sql`(${join(parts, ' OR ')})` : sql`FALSE`);

export async function findSubjectChats(db: SqlClient, subject: Subject): Promise<SubjectChats> {
  const v = phoneVariants(subject.phone);
  const email = subject.email?.toLowerCase() ?? null;
  const address = (column: Fragment) => anyOf(v.international.map((d) => sql`${column} LIKE ${like(d)}`));
  // The last two digits are written together in every way people type a phone: a cheap
  // strpos keeps the digit extraction (regexp) to the few texts that may hold the number.
  const lastTwo = v.typed[0]!.slice(-2);
  const typed = (column: Fragment) =>
    anyOf([
      sql`(strpos(${column}, ${lastTwo}) > 0 AND regexp_replace(${column}, '[^0-9]', '', 'g') LIKE ANY (${v.typed.map(like)}::text[]))`,
      ...(email ? [sql`strpos(lower(${column}), ${email}) > 0`] : []),
    ]);
  const inSnapshot = anyOf([
    ...v.typed.map((d) => sql`c.snapshot::text LIKE ${like(d)}`),
    ...(email ? [sql`strpos(lower(c.snapshot::text), ${email}) > 0`] : []),
  ]);
  const inboundMatch = sql`(i.sender_phone = ${subject.phone} OR ${address(sql`i.chat_id`)} OR ${address(sql`i.sender_id`)} OR ${typed(sql`i.text`)})`;

  const conversations = await db.query<ChatRef & { id: string; mode: string; byAddress: boolean }>(sql`
    SELECT c.id::text AS id, c.channel, c.account_id AS "accountId", c.chat_id AS "chatId", c.mode,
           (${address(sql`c.chat_id`)} OR ${address(sql`c.sender_id`)}) AS "byAddress"
    FROM conversations c
    WHERE c.contact_id = ${subject.contactId}::uuid
       OR c.id IN (SELECT conversation_id FROM contact_saves WHERE contact_id = ${subject.contactId}::uuid)
       OR ${address(sql`c.chat_id`)} OR ${address(sql`c.sender_id`)}
       OR ${inSnapshot}
       OR c.id IN (SELECT i.conversation_id FROM inbound_messages i WHERE i.conversation_id IS NOT NULL AND ${inboundMatch})`);
  // Messages not (yet) part of a conversation: not processed, or set aside after failures.
  const loose = await db.query<ChatRef>(sql`
    SELECT DISTINCT i.channel, i.account_id AS "accountId", i.chat_id AS "chatId"
    FROM inbound_messages i WHERE i.conversation_id IS NULL AND ${inboundMatch}`);

  const chats = new Map<string, ChatRef>();
  const add = (c: ChatRef) => chats.set(JSON.stringify([c.channel, c.accountId, c.chatId]), { channel: c.channel, accountId: c.accountId, chatId: c.chatId });
  // A staff member's chat (attendant mode) holds many people's data: only the conversation
  // about this person is erased there, the staff's address stays.
  for (const c of conversations) if (c.mode === 'contact' || c.byAddress) add(c);
  for (const c of loose) add(c);
  return { conversationIds: conversations.map((c) => c.id), chats: [...chats.values()] };
}
