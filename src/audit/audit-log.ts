// The audit trail of personal-data access (LGPD): who did what to which record, from where.
// Entries hold ids and action names only — never names, phones, e-mails or filter values.
import type { FastifyRequest } from 'fastify';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { type Fragment, sql } from '../db/sql.ts';

export type AuditAction =
  | 'contact.list'
  | 'contact.read'
  | 'contact.create'
  | 'contact.update'
  | 'contact.delete'
  | 'contact.export'
  | 'contact.data_export'
  | 'contact.sync'
  | 'contact.search'
  | 'contact.update_request.create'
  | 'contact.update_request.list'
  | 'contact.update_request.approve'
  | 'contact.update_request.reject'
  | 'user.list'
  | 'user.read'
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.login_throttled'
  | 'auth.logout'
  | 'audit.list'
  | 'conversation.list'
  | 'conversation.read'
  | 'conversation.resume'
  | 'conversation.claim'
  | 'conversation.release'
  | 'conversation.takeover'
  | 'conversation.staff_message'
  | 'auth.stream_ticket';

/** Who acted and from where; built from a request, or by hand for the bot/MCP. */
export interface AuditContext {
  actorId: string | null;
  actorRole: string | null;
  requestId?: string | null;
  ip?: string | null;
}

export interface AuditEntry {
  action: AuditAction;
  entityType: 'contact' | 'user' | 'audit' | 'session' | 'conversation';
  entityId?: string | null;
  /** Non-personal details: counts, filter names, formats, changed field names. */
  meta?: Prisma.InputJsonValue;
}

export interface AuditQuery {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** id of the last entry of the previous page (entries are listed newest first). */
  before?: bigint;
}

export function auditContextOf(request: FastifyRequest): AuditContext {
  return { actorId: request.user?.id ?? null, actorRole: request.user?.role ?? null, requestId: request.id, ip: request.ip };
}

/**
 * The entry as a statement to run inside another one (a CTE of a write), so the write and
 * its audit entry commit together in one round trip. `entityId` is an SQL expression, e.g.
 * the id of the row the same statement inserts.
 */
export function auditInsert(ctx: AuditContext, entry: Omit<AuditEntry, 'entityId'>, entityId: Fragment): Fragment {
  const meta = entry.meta === undefined ? null : JSON.stringify(entry.meta);
  return sql`INSERT INTO audit_log (actor_id, actor_role, request_id, ip, action, entity_type, entity_id, meta)
    VALUES (${ctx.actorId}::varchar, ${ctx.actorRole}::varchar, ${ctx.requestId ?? null}::varchar, ${ctx.ip ?? null}::varchar,
            ${entry.action}::varchar, ${entry.entityType}::varchar, ${entityId}, ${meta}::jsonb)`;
}

export class AuditLog {
  constructor(private readonly prisma: PrismaClient) {}

  async record(ctx: AuditContext, entry: AuditEntry, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.auditLog.create({
      data: {
        actorId: ctx.actorId,
        actorRole: ctx.actorRole,
        requestId: ctx.requestId ?? null,
        ip: ctx.ip ?? null,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId ?? null,
        ...(entry.meta === undefined ? {} : { meta: entry.meta }),
      },
    });
  }

  async list(query: AuditQuery) {
    const rows = await this.prisma.auditLog.findMany({
      where: {
        action: query.action,
        entityType: query.entityType,
        entityId: query.entityId,
        actorId: query.actorId,
        at: query.from || query.to ? { gte: query.from, lt: query.to } : undefined,
        id: query.before ? { lt: query.before } : undefined,
      },
      orderBy: { id: 'desc' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((r) => ({ ...r, id: r.id.toString() })),
      nextCursor: rows.length > query.limit ? page[page.length - 1]!.id.toString() : null,
    };
  }
}
