// The web chat mailbox keeps the bot's replies (which may repeat what the person typed: the
// summary before saving). Erasure and purges reach it here, the channel's own table: the
// replies of the conversations in scope lose their text, and the person's own chats their id.
import type { Prisma } from '../../src/generated/prisma/client.ts';
import type { ErasureMatch } from '../types.ts';
import { WEB_CHANNEL } from './routes.ts';

export async function eraseWebChatSubject(match: ErasureMatch, tx: Prisma.TransactionClient): Promise<void> {
  // Replies carry the conversation id at the start of their idempotency key.
  if (match.conversationIds.length) {
    await tx.webChatMessage.updateMany({ where: { OR: match.conversationIds.map((id) => ({ idempotencyKey: { startsWith: `${id}:` } })) }, data: { text: '' } });
  }
  for (const chat of match.chats) {
    if (chat.channel !== WEB_CHANNEL) continue;
    await tx.webChatMessage.updateMany({ where: { chatId: chat.chatId }, data: { chatId: chat.pseudonym, text: '' } });
  }
}
