// LGPD portability covers the person's conversations while they are kept: every message of
// the conversations the erasure would reach (same finder), oldest first, with direction,
// time and text. Purged or dropped texts are not listed (an empty text is nothing held).
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { ContactRow } from '../contacts/contact-repository.ts';
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

export async function conversationHistoryOf(prisma: PrismaClient | Prisma.TransactionClient, contact: ContactRow): Promise<ConversationHistory[]> {
  const found = await findSubjectChats(prisma, { contactId: contact.id, phone: contact.phone, email: contact.email });
  const chatConversations = found.chats.length
    ? await prisma.conversation.findMany({ where: { OR: found.chats.map((c) => ({ channel: c.channel, accountId: c.accountId, chatId: c.chatId })) }, select: { id: true } })
    : [];
  const ids = [...new Set([...found.conversationIds, ...chatConversations.map((c) => c.id)])];
  if (!ids.length) return [];
  const conversations = await prisma.conversation.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const history: ConversationHistory[] = [];
  for (const c of conversations) {
    const [inbound, outbound] = await Promise.all([
      prisma.inboundMessage.findMany({ where: { conversationId: c.id, text: { not: '' }, kind: { not: { startsWith: 'control:' } } }, orderBy: { id: 'asc' }, take: MESSAGES_PER_CONVERSATION, select: { text: true, receivedAt: true } }),
      prisma.outboundMessage.findMany({ where: { conversationId: c.id, text: { not: '' } }, orderBy: { id: 'asc' }, take: MESSAGES_PER_CONVERSATION, select: { text: true, createdAt: true } }),
    ]);
    const messages: HistoryMessage[] = [
      ...inbound.map((m) => ({ direction: 'inbound' as const, at: m.receivedAt.toISOString(), text: m.text, t: m.receivedAt.getTime() })),
      ...outbound.map((m) => ({ direction: 'outbound' as const, at: m.createdAt.toISOString(), text: m.text, t: m.createdAt.getTime() })),
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
