// LGPD erasure reaches the person in every chat (src/privacy/subject-finder.ts): the
// conversations that produced or updated the contact, every chat addressed by their phone on
// any channel, and every conversation whose collected fields or texts hold their phone or
// e-mail. Texts go (inbound, outbound), snapshots are replaced, and the person's own chat
// addresses become pseudonyms. Channel-owned tables (the web chat mailbox, WhatsApp's key
// store) follow through each connector's optional `eraseSubject`. Runs inside
// ContactService.delete's transaction: all or nothing.
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { ContactEraser } from '../contacts/contact-service.ts';
import { sqlClientOf } from '../db/transaction-sql.ts';
import { type ConversationTables, pseudonymizeChats, scrubConversations, tablesOn } from '../privacy/conversation-scrubber.ts';
import { findSubjectChats } from '../privacy/subject-finder.ts';

export function createSubjectEraser(connectors: ConnectorRegistry, tables: ConversationTables, now: () => Date = () => new Date()): ContactEraser {
  return async (contact, tx) => {
    const at = now();
    const db = sqlClientOf(tx);
    const t = tablesOn(tables, db);
    const found = await findSubjectChats(db, { contactId: contact.id, phone: contact.phone, email: contact.email });
    await scrubConversations(t, found.conversationIds, { at, endConversations: true });
    const chats = await pseudonymizeChats(t, found.chats, at);
    const match = { conversationIds: found.conversationIds, chats, phone: contact.phone, email: contact.email };
    for (const connector of connectors.list()) await connector.eraseSubject?.(match, tx);
  };
}
