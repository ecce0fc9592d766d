// Conversations as the admin API sees them: a filtered, keyset-paginated list, one
// conversation with its timeline, and resuming a handoff. A resume is queued through the
// chat's inbox like a message, so it takes its place in the chat's order and any worker
// (on any replica) carries it out.
import type { AuditContext, AuditLog } from '../audit/audit-log.ts';
import { decodeCursor, encodeCursor } from '../contacts/cursor.ts';
import type { PersonRef, StaffRef } from '../handoff/people.ts';
import type { ControlKind, InboxRepository } from '../intake/inbox-repository.ts';
import type { OutboundRepository } from '../outbound/outbound-repository.ts';
import type { UserRepository } from '../users/user-repository.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { chatKeyOf } from './chat-ref.ts';
import type { ConversationFilters, ConversationRecord, ConversationStore } from './conversation-store.ts';
import type { Kick } from './kick-queue.ts';

export type { ConversationFilters } from './conversation-store.ts';

export interface ConversationAdminDeps {
  store: ConversationStore;
  inbox: InboxRepository;
  outbound: OutboundRepository;
  users: UserRepository;
  audit: AuditLog;
  kick: (kick: Kick) => Promise<void>;
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
  /** When it last entered a handoff (null if never). */
  handoffAt: string | null;
  /** The attendant holding the handoff. */
  claimedBy: StaffRef | null;
  /** In a handoff: seconds since it opened. */
  waitSeconds?: number;
  /** In a handoff: the person, as far as known. */
  person?: PersonRef;
}

export interface TimelineEntry {
  direction: 'inbound' | 'outbound';
  id: string;
  text: string;
  kind: string;
  at: string;
  /** Outbound delivery status (pending, sending, sent, failed). */
  status?: string;
  /** A staff member's message (handoff inbox); absent on the bot's replies. */
  author?: StaffRef;
}

const TIMELINE_LIMIT = 500;

export function toConversationDto(c: ConversationRecord, claimedBy: StaffRef | null = null): ConversationDto {
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
    handoffAt: c.handoffAt?.toISOString() ?? null,
    claimedBy: c.claimedBy ? (claimedBy ?? { id: c.claimedBy, email: '' }) : null,
  };
}

export class ConversationAdmin {
  constructor(private readonly deps: ConversationAdminDeps) {}

  async list(filters: ConversationFilters, page: { limit: number; cursor?: string }, ctx: AuditContext) {
    // The handoff queue is served oldest first (longest wait on top), keyed on (handoff_at, id).
    const queue = filters.status === 'handoff';
    const after = page.cursor ? decodeCursor(page.cursor) : undefined;
    const rows = await this.deps.store.list(filters, after ? { at: after.createdAt, id: after.id } : undefined, page.limit + 1);
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    await this.deps.audit.record(ctx, { action: 'conversation.list', entityType: 'conversation', meta: { filters: Object.keys(filters).filter((k) => filters[k as keyof ConversationFilters] !== undefined), count: items.length } });
    const nextCursor = rows.length > page.limit && last ? encodeCursor({ createdAt: queue ? (last.handoffAt ?? last.createdAt) : last.createdAt, id: last.id }) : null;
    return { items: await this.withPeople(items), nextCursor };
  }

  /** DTOs with who holds each handoff, and for open handoffs the wait and the person. */
  private async withPeople(rows: ConversationRecord[]): Promise<ConversationDto[]> {
    const holders = await this.deps.users.staffRefs(rows.flatMap((r) => (r.claimedBy ? [r.claimedBy] : [])));
    const byId = new Map(holders.map((h) => [h.id, h]));
    const waiting = rows.filter((r) => r.status === 'handoff');
    const people = await this.deps.store.peopleOf(waiting.map((r) => r.id));
    const now = Date.now();
    return rows.map((r) => ({
      ...toConversationDto(r, r.claimedBy ? (byId.get(r.claimedBy) ?? null) : null),
      ...(r.status === 'handoff'
        ? { waitSeconds: Math.max(0, Math.floor((now - (r.handoffAt ?? r.lastActivityAt).getTime()) / 1000)), person: people.get(r.id) ?? {} }
        : {}),
    }));
  }

  async get(id: string, ctx: AuditContext) {
    const conversation = await this.find(id);
    const [inbound, outbound] = await Promise.all([
      this.deps.inbox.ofConversation(id, TIMELINE_LIMIT),
      this.deps.outbound.ofConversation(id, TIMELINE_LIMIT),
    ]);
    const authors = new Map((await this.deps.users.staffRefs(outbound.flatMap((m) => (m.authorUserId ? [m.authorUserId] : [])))).map((a) => [a.id, a]));
    const timeline: TimelineEntry[] = [
      ...inbound.map((m) => ({ direction: 'inbound' as const, id: String(m.id), text: m.text, kind: m.kind, at: new Date(m.receivedAt).toISOString() })),
      ...outbound.map((m) => ({
        direction: 'outbound' as const,
        id: String(m.id),
        text: m.text,
        kind: m.authorUserId ? 'staff' : 'text',
        at: new Date(m.createdAt).toISOString(),
        status: m.status,
        ...(m.authorUserId ? { author: authors.get(m.authorUserId)! } : {}),
      })),
    ].sort((a, b) => a.at.localeCompare(b.at) || (a.direction === b.direction ? Number(a.id) - Number(b.id) : a.direction === 'inbound' ? -1 : 1));
    await this.deps.audit.record(ctx, { action: 'conversation.read', entityType: 'conversation', entityId: id });
    const [dto] = await this.withPeople([conversation]);
    return { ...dto!, timeline };
  }

  /** Queues the resume of a handoff (`restart`: the field collection starts over); returns the inbox row to wait for. */
  async requestResume(id: string, ctx: AuditContext, options: { restart?: boolean } = {}): Promise<bigint> {
    const c = await this.find(id);
    if (c.status !== 'handoff') throw new ConflictError('not-in-handoff', `conversation ${id} is ${c.status}, not waiting for an attendant`, { conversationStatus: c.status });
    const row = await this.queueControl(c, options.restart ? 'control:restart' : 'control:resume', ctx.actorId);
    await this.deps.audit.record(ctx, { action: 'conversation.resume', entityType: 'conversation', entityId: id, ...(options.restart ? { meta: { restart: true } } : {}) });
    return row;
  }

  /**
   * Queues a staff action on a conversation through its chat's inbox, so it takes its place
   * in the chat's order and any worker (on any replica) carries it out.
   */
  async queueControl(c: ConversationRecord, kind: ControlKind, actorId: string | null): Promise<bigint> {
    const row = await this.deps.inbox.queueControl(c, kind, actorId);
    await this.deps.kick({ chat: chatKeyOf(c), upTo: String(row) }).catch(() => {});
    return row;
  }

  /** Waits (bounded) for a queued action to be carried out by a worker. */
  async waitProcessed(inboxId: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await this.deps.inbox.isProcessed(inboxId)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  async find(id: string): Promise<ConversationRecord> {
    const row = await this.deps.store.find(id);
    if (!row) throw new NotFoundError('conversation', id);
    return row;
  }
}
