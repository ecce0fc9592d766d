// The handoff inbox's use cases: an attendant claims a handoff (one holds it, the others see
// who; an admin may take it over), releases it, and writes to the person. A staff message is
// a row in the same durable outbox as the bot's replies — so it is ordered with them, retried,
// sent with its idempotency key, and survives a worker dying between commit and send — keyed
// by the conversation and the console's messageId, so posting it again sends nothing new.
import type { AuditContext, AuditLog } from '../audit/audit-log.ts';
import { ConflictError } from '../domain/errors.ts';
import type { AuthUser } from '../http/auth-guard.ts';
import type { ConversationAdmin } from '../conversations/conversation-admin.ts';
import { chatKeyOf } from '../conversations/chat-ref.ts';
import type { ConversationRecord, ConversationStore } from '../conversations/conversation-store.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';
import type { OutboundRepository } from '../outbound/outbound-repository.ts';
import type { UserRepository } from '../users/user-repository.ts';
import type { HandoffEvents } from './handoff-events.ts';
import type { StaffRef } from './people.ts';

export interface HandoffServiceDeps {
  conversations: ConversationStore;
  inbox: InboxRepository;
  outbound: OutboundRepository;
  users: UserRepository;
  audit: AuditLog;
  events: HandoffEvents;
  admin: ConversationAdmin;
  /** Wakes a worker for the chat (its outbox has a new row). */
  kick: (chatKey: string) => Promise<void>;
  now?: () => Date;
}

export interface ClaimDto {
  id: string;
  status: string;
  claimedBy: StaffRef | null;
  claimedAt: string | null;
}

// Meta lets a business write freely only within 24 h of the person's last message; after that
// only approved templates go out (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows).
const CLOUD_WINDOW_MS = 24 * 3600_000;
// How long a takeOver waits for a worker to move the conversation into a handoff.
const TAKEOVER_WAIT_MS = 5_000;

const claimedByOther = (c: { id: string; claimedBy: string | null }, holder: StaffRef | undefined) =>
  new ConflictError('claimed-by-other', `conversation ${c.id} is held by another attendant${holder ? ` (${holder.email})` : ''}; an admin may take it over`, {
    claimedBy: holder ?? { id: c.claimedBy },
  });

export class HandoffService {
  private readonly now: () => Date;

  constructor(private readonly deps: HandoffServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async claim(id: string, actor: AuthUser, ctx: AuditContext): Promise<ClaimDto> {
    const c = await this.handoffOf(id);
    const at = this.now();
    // One statement decides: free, already ours, or (admins only) someone else's.
    if (!(await this.deps.conversations.claim(id, actor.id, at, { anyHolder: actor.role === 'admin' }))) return this.refuse(id);
    await this.deps.audit.record(ctx, { action: 'conversation.claim', entityType: 'conversation', entityId: id, ...(c.claimedBy && c.claimedBy !== actor.id ? { meta: { tookOverFrom: c.claimedBy } } : {}) });
    const dto = await this.claimDto(id);
    await this.deps.events.publish('handoff.claimed', { conversationId: id, claimedBy: dto.claimedBy, claimedAt: dto.claimedAt, ...(c.claimedBy && c.claimedBy !== actor.id ? { previous: c.claimedBy } : {}) });
    return dto;
  }

  async release(id: string, actor: AuthUser, ctx: AuditContext): Promise<ClaimDto> {
    const c = await this.deps.admin.find(id);
    if (c.claimedBy && c.claimedBy !== actor.id && actor.role !== 'admin') return this.refuse(id);
    if (await this.deps.conversations.release(id, actor.role === 'admin' ? null : actor.id)) {
      await this.deps.audit.record(ctx, { action: 'conversation.release', entityType: 'conversation', entityId: id });
      await this.deps.events.publish('handoff.released', { conversationId: id, releasedBy: actor.id });
    }
    return this.claimDto(id);
  }

  /** Queues a staff message for the person; `duplicate` when this messageId was already sent. */
  async send(id: string, actor: AuthUser, input: { messageId: string; text: string; takeOver?: boolean }, ctx: AuditContext): Promise<{ accepted: true; duplicate: boolean }> {
    let c = await this.deps.admin.find(id);
    const key = `staff:${c.id}:${input.messageId}`;
    // A retry of a message already accepted answers the same, whatever happened since.
    if (await this.deps.outbound.idOfKey(key)) return { accepted: true, duplicate: true };
    if (c.status === 'active' && input.takeOver) c = await this.takeOver(c, ctx);
    if (c.status !== 'handoff') {
      throw new ConflictError('not-in-handoff', `conversation ${id} is ${c.status}, not in a handoff${c.status === 'active' ? '; send takeOver: true to take it over first' : ''}`, { conversationStatus: c.status });
    }
    if (c.claimedBy && c.claimedBy !== actor.id && actor.role !== 'admin') return this.refuse(id);
    if (c.channel === 'whatsapp-cloud') await this.checkCloudWindow(c);

    const at = this.now();
    // An attendant who answers an unclaimed handoff holds it from now on (the others see who).
    const claimed = !c.claimedBy
      ? await this.deps.conversations.claim(id, actor.id, at, { anyHolder: false, onlyIfFree: true })
      : false;
    // Another attendant claimed it between our read and now: theirs, unless we are an admin.
    if (!c.claimedBy && !claimed && actor.role !== 'admin') {
      const holder = (await this.deps.admin.find(id)).claimedBy;
      if (holder !== actor.id) return this.refuse(id);
    }
    const queued = await this.deps.outbound.queueStaffMessage({ conversationId: c.id, chat: c, idempotencyKey: key, text: input.text, authorUserId: actor.id, at });
    if (queued === null) return { accepted: true, duplicate: true };
    await this.deps.kick(chatKeyOf(c)).catch(() => {});
    // No text in the audit entry: it is the person's conversation, not the audit's business.
    await this.deps.audit.record(ctx, { action: 'conversation.staff_message', entityType: 'conversation', entityId: id, meta: { length: input.text.length } });
    const [author] = await this.deps.users.staffRefs([actor.id]);
    if (claimed) await this.deps.events.publish('handoff.claimed', { conversationId: id, claimedBy: author ?? { id: actor.id, email: actor.email }, claimedAt: at.toISOString() });
    await this.deps.events.publish('message.staff', { conversationId: id, id: queued, messageId: input.messageId, text: input.text, author: author ?? { id: actor.id, email: actor.email }, at: at.toISOString(), status: 'pending' });
    return { accepted: true, duplicate: false };
  }

  private async takeOver(c: ConversationRecord, ctx: AuditContext): Promise<ConversationRecord> {
    const queued = await this.deps.admin.queueControl(c, 'control:takeover', ctx.actorId);
    await this.deps.audit.record(ctx, { action: 'conversation.takeover', entityType: 'conversation', entityId: c.id });
    await this.deps.admin.waitProcessed(queued, TAKEOVER_WAIT_MS);
    return this.deps.admin.find(c.id);
  }

  private async checkCloudWindow(c: ConversationRecord) {
    const last = await this.deps.inbox.lastPersonMessageAt(c);
    const closesAt = last ? new Date(last.getTime() + CLOUD_WINDOW_MS) : null;
    if (!closesAt || closesAt <= this.now()) {
      throw new ConflictError(
        'window-closed',
        `WhatsApp only lets a business write within 24 hours of the person's last message; this conversation's window closed at ${closesAt?.toISOString() ?? 'an unknown time'}. The person must write again first.`,
        { closedAt: closesAt?.toISOString() ?? null },
      );
    }
  }

  private async handoffOf(id: string) {
    const c = await this.deps.admin.find(id);
    if (c.status !== 'handoff') throw new ConflictError('not-in-handoff', `conversation ${id} is ${c.status}, not in a handoff`, { conversationStatus: c.status });
    return c;
  }

  /** Why a guarded claim/send did not go through: the state it found. */
  private async refuse(id: string): Promise<never> {
    const c = await this.deps.admin.find(id);
    if (c.status !== 'handoff') throw new ConflictError('not-in-handoff', `conversation ${id} is ${c.status}, not in a handoff`, { conversationStatus: c.status });
    const [holder] = c.claimedBy ? await this.deps.users.staffRefs([c.claimedBy]) : [];
    throw claimedByOther(c, holder);
  }

  private async claimDto(id: string): Promise<ClaimDto> {
    const c = await this.deps.admin.find(id);
    const [holder] = c.claimedBy ? await this.deps.users.staffRefs([c.claimedBy]) : [];
    return { id: c.id, status: c.status, claimedBy: c.claimedBy ? (holder ?? { id: c.claimedBy, email: '' }) : null, claimedAt: c.claimedAt?.toISOString() ?? null };
  }
}
