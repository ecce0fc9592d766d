// Conversations as the admin API sees them: a filtered, keyset-paginated list, one
// conversation with its timeline, and resuming a handoff. A resume is queued through the
// chat's inbox like a message, so it takes its place in the chat's order and any worker
// (on any replica) carries it out.
import { randomUUID } from 'node:crypto';
import type { AuditContext, AuditLog } from '../audit/audit-log.ts';
import { decodeCursor, encodeCursor } from '../contacts/cursor.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { ConflictError, NotFoundError } from '../http/errors.ts';
import { chatKeyOf } from './chat-ref.ts';
import type { Kick } from './kick-queue.ts';
import type { ConversationRow } from './conversation-store.ts';

export interface ConversationFilters {
  status?: string;
  channel?: string;
  mode?: 'contact' | 'attendant';
}

export interface ConversationDto {
  id: string;
  channel: string;
  accountId: string;
  chatId: string;
  mode: string;
  status: string;
  attendantUserId: string | null;
  contactId: string | null;
  createdAt: string;
  lastActivityAt: string;
  closedAt: string | null;
}

export interface TimelineEntry {
  direction: 'inbound' | 'outbound';
  id: string;
  text: string;
  kind: string;
  at: string;
  /** Outbound delivery status (pending, sending, sent, failed). */
  status?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMELINE_LIMIT = 500;

export function toConversationDto(c: ConversationRow): ConversationDto {
  return {
    id: c.id,
    channel: c.channel,
    accountId: c.accountId,
    chatId: c.chatId,
    mode: c.mode,
    status: c.status,
    attendantUserId: c.attendantUserId,
    contactId: c.contactId,
    createdAt: c.createdAt.toISOString(),
    lastActivityAt: c.lastActivityAt.toISOString(),
    closedAt: c.closedAt?.toISOString() ?? null,
  };
}

export class ConversationAdmin {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditLog,
    private readonly kick: (kick: Kick) => Promise<void>,
  ) {}

  async list(filters: ConversationFilters, page: { limit: number; cursor?: string }, ctx: AuditContext) {
    const where: Prisma.ConversationWhereInput = { ...filters };
    if (page.cursor) {
      const c = decodeCursor(page.cursor);
      where.createdAt = { lte: c.createdAt };
      where.OR = [{ createdAt: { lt: c.createdAt } }, { id: { lt: c.id } }];
    }
    const rows = await this.prisma.conversation.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: page.limit + 1 });
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    await this.audit.record(ctx, { action: 'conversation.list', entityType: 'conversation', meta: { filters: Object.keys(filters).filter((k) => filters[k as keyof ConversationFilters] !== undefined), count: items.length } });
    return { items: items.map(toConversationDto), nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
  }

  async get(id: string, ctx: AuditContext) {
    const conversation = await this.find(id);
    const [inbound, outbound] = await Promise.all([
      this.prisma.inboundMessage.findMany({ where: { conversationId: id }, orderBy: { id: 'asc' }, take: TIMELINE_LIMIT }),
      this.prisma.outboundMessage.findMany({ where: { conversationId: id }, orderBy: { id: 'asc' }, take: TIMELINE_LIMIT }),
    ]);
    const timeline: TimelineEntry[] = [
      ...inbound.map((m) => ({ direction: 'inbound' as const, id: String(m.id), text: m.text, kind: m.kind, at: m.receivedAt.toISOString() })),
      ...outbound.map((m) => ({ direction: 'outbound' as const, id: String(m.id), text: m.text, kind: 'text', at: m.createdAt.toISOString(), status: m.status })),
    ].sort((a, b) => a.at.localeCompare(b.at) || (a.direction === b.direction ? Number(a.id) - Number(b.id) : a.direction === 'inbound' ? -1 : 1));
    await this.audit.record(ctx, { action: 'conversation.read', entityType: 'conversation', entityId: id });
    return { ...toConversationDto(conversation), timeline };
  }

  /** Queues the resume of a handoff; returns the inbox row to wait for. */
  async requestResume(id: string, ctx: AuditContext): Promise<bigint> {
    const c = await this.find(id);
    if (c.status !== 'handoff') throw new ConflictError('not-in-handoff', `conversation ${id} is ${c.status}, not waiting for an attendant`, { conversationStatus: c.status });
    const row = await this.prisma.inboundMessage.create({
      data: {
        channel: c.channel,
        accountId: c.accountId,
        messageId: `control:resume:${randomUUID()}`,
        chatId: c.chatId,
        senderId: `user:${ctx.actorId ?? 'unknown'}`,
        kind: 'control:resume',
        text: c.id,
        sentAt: new Date(),
      },
      select: { id: true },
    });
    await this.audit.record(ctx, { action: 'conversation.resume', entityType: 'conversation', entityId: id });
    await this.kick({ chat: chatKeyOf(c), upTo: String(row.id) }).catch(() => {});
    return row.id;
  }

  /** Waits (bounded) for a queued action to be carried out by a worker. */
  async waitProcessed(inboxId: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const row = await this.prisma.inboundMessage.findUnique({ where: { id: inboxId }, select: { processedAt: true } });
      if (row?.processedAt) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  async find(id: string): Promise<ConversationRow> {
    const row = UUID.test(id) ? await this.prisma.conversation.findUnique({ where: { id } }) : null;
    if (!row) throw new NotFoundError('conversation', id);
    return row;
  }
}
