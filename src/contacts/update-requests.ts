// Update requests (issue 10): a chat submission whose phone belongs to an existing contact,
// from someone nothing proves owns that phone (a typed phone in contact mode). The bot tells
// the person the same as for a new contact; the submission waits here until staff approve it
// (its fields are applied to the contact, through ContactService, audited and synced) or
// reject it. Erased with the contact (foreign key ON DELETE CASCADE) and part of its LGPD
// portability document. Audit entries carry ids and names only, never the proposed values.
import type { AuditContext, AuditLog } from '../audit/audit-log.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { UpdateRequestEntry } from './contact-dto.ts';
import { normalizeContactInput } from './contact-input.ts';
import type { ContactService } from './contact-service.ts';
import { isUniqueViolation } from './contact-repository.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { UpdateRequestDto, UpdateRequestStatus } from './update-request-schemas.ts';

export interface UpdateRequestSource {
  channel: string;
  chatId: string | null;
  conversationId: string | null;
  consentAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The database draws the protocol (new_protocol(8)); a code drawn twice fails the unique
// index: draw again.
const PROTOCOL_ATTEMPTS = 3;

const columns = {
  id: true,
  contactId: true,
  protocol: true,
  name: true,
  phone: true,
  email: true,
  reason: true,
  sourceChannel: true,
  sourceChatId: true,
  conversationId: true,
  consentAt: true,
  status: true,
  decidedBy: true,
  decidedAt: true,
  createdAt: true,
} satisfies Prisma.ContactUpdateRequestSelect;

type Row = Prisma.ContactUpdateRequestGetPayload<{ select: typeof columns }>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toUpdateRequestDto(row: Row): UpdateRequestDto {
  return {
    id: row.id,
    contactId: row.contactId,
    protocol: row.protocol,
    proposed: { name: row.name, phone: row.phone, email: row.email, reason: row.reason },
    source: { channel: row.sourceChannel, chatId: row.sourceChatId, conversationId: row.conversationId },
    consentAt: iso(row.consentAt),
    status: row.status as UpdateRequestStatus,
    decidedBy: row.decidedBy,
    decidedAt: iso(row.decidedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

export class UpdateRequestService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly contacts: ContactService,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Keeps a submission for `contactId`. The same `idempotencyKey` returns the request it kept
   * before (a restored or retried save), so a repeat never adds a second one.
   */
  async submit(contactId: string, input: { name?: string; phone?: string; email?: string | null; reason?: string }, source: UpdateRequestSource, idempotencyKey: string, ctx: AuditContext): Promise<{ id: string; protocol: string }> {
    const fields = normalizeContactInput(input, true);
    for (let attempt = 1; ; attempt++) {
      const prior = await this.prisma.contactUpdateRequest.findUnique({ where: { idempotencyKey }, select: { id: true, protocol: true } });
      if (prior) return prior;
      try {
        return await this.prisma.$transaction(async (tx) => {
          const created = await tx.contactUpdateRequest.create({
            data: {
              contactId,
              name: fields.name!,
              phone: fields.phone!,
              email: fields.email ?? null,
              reason: fields.reason!,
              sourceChannel: source.channel,
              sourceChatId: source.chatId,
              conversationId: source.conversationId,
              consentAt: source.consentAt,
              idempotencyKey,
            },
            select: { id: true, protocol: true },
          });
          await this.audit.record(ctx, { action: 'contact.update_request.create', entityType: 'contact', entityId: contactId, meta: { requestId: created.id, channel: source.channel } }, tx);
          return created;
        });
      } catch (err) {
        // A racing repeat of the same key is found by the read above; a protocol drawn
        // twice draws again.
        if (!isUniqueViolation(err) || attempt >= PROTOCOL_ATTEMPTS) throw err;
      }
    }
  }

  async listForContact(contactId: string, ctx: AuditContext): Promise<UpdateRequestDto[]> {
    if (!(await this.contacts.findById(contactId))) throw new NotFoundError('contact', contactId);
    const rows = await this.prisma.contactUpdateRequest.findMany({ where: { contactId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: columns });
    await this.audit.record(ctx, { action: 'contact.update_request.list', entityType: 'contact', entityId: contactId, meta: { count: rows.length } });
    return rows.map(toUpdateRequestDto);
  }

  /** A contact's requests, oldest first (its portability document). */
  ofContact(contactId: string): Promise<UpdateRequestEntry[]> {
    return this.prisma.contactUpdateRequest.findMany({
      where: { contactId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { protocol: true, name: true, phone: true, email: true, reason: true, sourceChannel: true, status: true, createdAt: true, decidedAt: true },
    });
  }

  /** Newest first, keyset pagination on (created_at, id) like GET /contacts. */
  async list(status: UpdateRequestStatus | undefined, page: { limit: number; cursor?: string }, ctx: AuditContext): Promise<{ items: UpdateRequestDto[]; nextCursor: string | null }> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 200) throw ValidationError.field('limit', 'must be a whole number from 1 to 200');
    const cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    const where: Prisma.ContactUpdateRequestWhereInput = {
      ...(status ? { status } : {}),
      ...(cursor ? { createdAt: { lte: cursor.createdAt }, OR: [{ createdAt: { lt: cursor.createdAt } }, { id: { lt: cursor.id } }] } : {}),
    };
    const rows = await this.prisma.contactUpdateRequest.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: page.limit + 1, select: columns });
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    await this.audit.record(ctx, { action: 'contact.update_request.list', entityType: 'contact', meta: { status: status ?? null, count: items.length, continued: cursor !== undefined } });
    return { items: items.map(toUpdateRequestDto), nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
  }

  /** Applies the proposed fields to the contact (validated, audited and synced as any correction). */
  async approve(id: string, ctx: AuditContext): Promise<UpdateRequestDto> {
    const row = await this.pending(id);
    await this.contacts.update(row.contactId, { name: row.name, phone: row.phone, email: row.email, reason: row.reason }, ctx);
    return this.decide(row, 'approved', ctx);
  }

  async reject(id: string, ctx: AuditContext): Promise<UpdateRequestDto> {
    return this.decide(await this.pending(id), 'rejected', ctx);
  }

  private async pending(id: string): Promise<Row> {
    const row = UUID.test(id) ? await this.prisma.contactUpdateRequest.findUnique({ where: { id }, select: columns }) : null;
    if (!row) throw new NotFoundError('update request', id);
    if (row.status !== 'pending') throw new ConflictError('already-decided', `update request ${id} was already ${row.status}`, { decision: row.status });
    return row;
  }

  private async decide(row: Row, status: 'approved' | 'rejected', ctx: AuditContext): Promise<UpdateRequestDto> {
    return this.prisma.$transaction(async (tx) => {
      // Conditional on still pending: of two staff deciding at once, one wins, the other is told.
      const { count } = await tx.contactUpdateRequest.updateMany({ where: { id: row.id, status: 'pending' }, data: { status, decidedBy: ctx.actorId, decidedAt: new Date() } });
      if (count === 0) throw new ConflictError('already-decided', `update request ${row.id} was already decided`);
      await this.audit.record(ctx, { action: `contact.update_request.${status === 'approved' ? 'approve' : 'reject'}`, entityType: 'contact', entityId: row.contactId, meta: { requestId: row.id } }, tx);
      return toUpdateRequestDto(await tx.contactUpdateRequest.findUniqueOrThrow({ where: { id: row.id }, select: columns }));
    });
  }
}
