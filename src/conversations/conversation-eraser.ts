// LGPD erasure reaches conversations too: when a contact is deleted, the texts of the
// conversations that produced or updated it are scrubbed (inbound, outbound and the web chat
// mailbox) and their snapshots, which hold the collected fields, are replaced. Runs inside
// ContactService.delete's transaction: all or nothing.
import { Prisma } from '../generated/prisma/client.ts';
import type { ContactEraser } from '../contacts/contact-service.ts';

export const eraseConversationsOf: ContactEraser = async (contact, tx) => {
  const saves = await tx.contactSave.findMany({ where: { contactId: contact.id }, select: { conversationId: true } });
  const conversations = await tx.conversation.findMany({
    where: { OR: [{ contactId: contact.id }, { id: { in: saves.map((s) => s.conversationId) } }] },
    select: { id: true },
  });
  const ids = conversations.map((c) => c.id);
  if (!ids.length) return;
  const now = new Date();
  await tx.inboundMessage.updateMany({ where: { conversationId: { in: ids } }, data: { text: '', senderName: null, senderPhone: null, senderUsername: null, raw: Prisma.DbNull } });
  // A reply not delivered yet is not sent as an empty text.
  await tx.outboundMessage.updateMany({ where: { conversationId: { in: ids }, status: { in: ['pending', 'sending'] } }, data: { status: 'failed', lastError: 'erased (LGPD)' } });
  await tx.outboundMessage.updateMany({ where: { conversationId: { in: ids } }, data: { text: '' } });
  // Web replies carry the conversation id at the start of their idempotency key.
  await tx.webChatMessage.updateMany({ where: { OR: ids.map((id) => ({ idempotencyKey: { startsWith: `${id}:` } })) }, data: { text: '' } });
  await tx.conversation.updateMany({ where: { id: { in: ids }, status: { in: ['active', 'handoff'] } }, data: { status: 'cancelled', closedAt: now } });
  await tx.conversation.updateMany({ where: { id: { in: ids } }, data: { snapshot: { erased: true }, version: { increment: 1 } } });
};
