// Drops what conversations hold about people: the texts (inbound, outbound), the sender's
// name/phone/handle, the provider payloads and the machine snapshot (collected fields), and —
// for a person's own chats — the chat address itself, replaced by a pseudonym. Shared by LGPD
// erasure, the close of a declined/cancelled conversation and the retention job. Each call
// runs inside the caller's transaction: the tables are the three conversation repositories,
// bound to that transaction (`.on(tx)`), each writing its own rows.
import { randomUUID } from 'node:crypto';
import type { ErasedChat } from '../../connectors/types.ts';
import type { ChatRef } from '../conversations/chat-ref.ts';
import type { ConversationStore } from '../conversations/conversation-store.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';
import type { OutboundRepository } from '../outbound/outbound-repository.ts';

/** The conversation tables, bound to one transaction. */
export interface ConversationTables {
  conversations: ConversationStore;
  inbox: InboxRepository;
  outbound: OutboundRepository;
}

export interface ScrubOptions {
  at: Date;
  /** Replies written at or after this time are kept (the goodbye of the closing turn, still
   * to be sent). */
  keepRepliesFrom?: Date;
  /** Also replace the snapshot and end an open conversation (erasure). */
  endConversations?: boolean;
}

/** Drops the texts of these conversations (the rows keep their chat and time). */
export async function scrubConversations(t: ConversationTables, ids: string[], options: ScrubOptions): Promise<void> {
  if (!ids.length) return;
  await t.inbox.scrub(ids);
  await t.outbound.scrub(ids, options.at, 'dropped (personal data)', options.keepRepliesFrom);
  if (options.endConversations) await t.conversations.endAndPurge(ids, options.at);
}

/** A fresh pseudonym for an erased chat address: nothing links it back to the person. */
export const newPseudonym = (): string => `erased:${randomUUID()}`;

/**
 * Replaces the person's chat addresses (chat id, sender id, and message ids, which embed the
 * chat on some channels) by pseudonyms in every core table, drops every text of those chats,
 * and sets their unprocessed messages aside.
 */
export async function pseudonymizeChats(t: ConversationTables, chats: ChatRef[], at: Date): Promise<ErasedChat[]> {
  const erased: ErasedChat[] = [];
  for (const chat of chats) {
    const p = newPseudonym();
    await t.inbox.pseudonymizeChat(chat, p, at, 'erased (LGPD)');
    await t.outbound.pseudonymizeChat(chat, p, at, 'erased (LGPD)');
    await t.conversations.pseudonymizeChat(chat, p, at);
    erased.push({ ...chat, pseudonym: p });
  }
  return erased;
}

/** Retention: the addresses of old closed conversations become pseudonyms too, one per
 * conversation (the chat itself may go on with newer conversations under its address). */
export async function pseudonymizeConversations(t: ConversationTables, ids: string[], at: Date): Promise<void> {
  for (const id of ids) {
    const p = newPseudonym();
    await t.inbox.pseudonymizeConversation(id, p);
    await t.outbound.pseudonymizeConversation(id, p);
    await t.conversations.pseudonymizeConversation(id, p, at);
  }
}

/** The tables bound to a transaction's client. */
export const tablesOn = (t: ConversationTables, db: Parameters<ConversationStore['on']>[0]): ConversationTables => ({
  conversations: t.conversations.on(db),
  inbox: t.inbox.on(db),
  outbound: t.outbound.on(db),
});
