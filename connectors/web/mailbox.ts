// Where the web channel "delivers": replies land in web_chat_messages, where the chat client
// reads them (list after a cursor, or the SSE stream). The idempotency key is unique, so a
// reply redelivered after a crash is not shown twice. Every statement on that table is here,
// erasure included: the replies may repeat what the person typed (the summary before saving),
// so the replies of the conversations in scope lose their text, and the person's own chats
// their id.
import type { ReplyOption } from '../../fsm/reply-options.ts';
import type { Prisma, PrismaClient } from '../../src/generated/prisma/client.ts';
import type { ErasureMatch } from '../types.ts';
import { WEB_CHANNEL } from './routes.ts';

export interface WebReply {
  id: number;
  text: string;
  /** The fixed answers the reply offers; the page shows them as quick-reply chips. */
  options: ReplyOption[];
  at: string;
}

export class WebMailbox {
  constructor(private readonly prisma: PrismaClient) {}

  /** Stores the reply; false when this idempotency key was delivered before. */
  async deliver(chatId: string, text: string, idempotencyKey: string, options: ReplyOption[] = []): Promise<boolean> {
    const data = { chatId, text, idempotencyKey, ...(options.length ? { options: options.map((o) => ({ id: o.id, title: o.title })) } : {}) };
    const { count } = await this.prisma.webChatMessage.createMany({ data: [data], skipDuplicates: true });
    return count === 1;
  }

  async after(chatId: string, afterId: number, limit = 100): Promise<WebReply[]> {
    const rows = await this.prisma.webChatMessage.findMany({
      where: { chatId, id: { gt: BigInt(afterId) } },
      orderBy: { id: 'asc' },
      take: limit,
      select: { id: true, text: true, options: true, createdAt: true },
    });
    return rows.map((r) => ({ id: Number(r.id), text: r.text, options: (r.options as ReplyOption[] | null) ?? [], at: r.createdAt.toISOString() }));
  }
}

/** The connector's erasure hook: runs inside the contact's erasure transaction. */
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
