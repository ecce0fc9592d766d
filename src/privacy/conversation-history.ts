// LGPD portability covers the person's conversations while they are kept: every message of
// the conversations the erasure would reach (same finder), oldest first, with direction,
// time and text. Purged or dropped texts are not listed (an empty text is nothing held).
import type { SqlClient } from '../db/sql.ts';
import type { ContactRow } from '../contacts/contact-repository.ts';
import type { ConversationStore } from '../conversations/conversation-store.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';
import type { OutboundRepository } from '../outbound/outbound-repository.ts';
import { findSubjectChats } from './subject-finder.ts';

export interface HistoryMessage {
  direction: 'inbound' | 'outbound';
  at: string;
  text: string;
}

export interface ConversationHistory {
  id: string;
  channel: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
  messages: HistoryMessage[];
}

// A bound on the document's size; a conversation longer than this is cut (oldest kept).
const MESSAGES_PER_CONVERSATION = 1_000;

export interface HistorySources {
  /** The privacy finder reads across the conversation tables (subject-finder.ts). */
  db: SqlClient;
  conversations: ConversationStore;
  inbox: InboxRepository;
  outbound: OutboundRepository;
}

export async function conversationHistoryOf(db: HistorySources, contact: ContactRow): Promise<ConversationHistory[]> {
  const found = await findSubjectChats(db.db, { contactId: contact.id, phone: contact.phone, email: contact.email });
  const conversations = await db.conversations.ofSubject(found.conversationIds, found.chats);
  const history: ConversationHistory[] = [];
  for (const c of conversations) {
    const [inbound, outbound] = await Promise.all([
      db.inbox.ofConversation(c.id, MESSAGES_PER_CONVERSATION, { person: true }),
      db.outbound.ofConversation(c.id, MESSAGES_PER_CONVERSATION, { withText: true }),
    ]);
    const messages: HistoryMessage[] = [
      ...inbound.map((m) => ({ direction: 'inbound' as const, at: new Date(m.receivedAt).toISOString(), text: m.text, t: new Date(m.receivedAt).getTime() })),
      ...outbound.map((m) => ({ direction: 'outbound' as const, at: new Date(m.createdAt).toISOString(), text: m.text, t: new Date(m.createdAt).getTime() })),
    ]
      // A reply is written in the same turn as the message it answers, after it: ties keep
      // the inbound first.
      .sort((a, b) => a.t - b.t || (a.direction === b.direction ? 0 : a.direction === 'inbound' ? -1 : 1))
      .map(({ direction, at, text }) => ({ direction, at, text }));
    if (!messages.length) continue;
    history.push({ id: c.id, channel: c.channel, status: c.status, startedAt: c.createdAt.toISOString(), closedAt: c.closedAt?.toISOString() ?? null, messages });
  }
  return history;
}
