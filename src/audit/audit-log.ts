// The audit trail of personal-data access (LGPD): who did what to which record, from where.
// Entries hold ids and action names only — never names, phones, e-mails or filter values.
// Every statement on `audit_log` is here, in SQL (a write's entry may also ride in the write's
// own statement as a CTE: auditInsert).
import type { FastifyRequest } from 'fastify';
import type { Prisma } from '../generated/prisma/client.ts';
import { type Fragment, join, type SqlClient, sql } from '../db/sql.ts';
import { sqlClientOf } from '../db/transaction-sql.ts';

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

/**
 * The entry of a read, as a statement to run inside the read's own (a CTE): one row whose
 * `meta` is an SQL expression over `from` — e.g. the count of the rows the same statement
 * returns — so a page and its audit entry cost one round trip and commit together.
 *
 * The entry's commit does not wait for the WAL to reach the disk (synchronous_commit off for
 * this one statement's transaction): the row is written and visible before the answer leaves,
 * and it fails with the read if it cannot be written; only a crash of PostgreSQL itself in the
 * next ~0.6 s (3 × wal_writer_delay) could lose it. Waiting for the flush cost a list page
 * 1-4 ms at the median and ~8 ms at p99 on the loaded 2-core bench machine — more than the
 * page's own query. Writes' entries (auditInsert) keep the synchronous commit of their write.
 */
export function auditReadInsert(ctx: AuditContext, entry: Pick<AuditEntry, 'action' | 'entityType'>, meta: Fragment, from: Fragment): Fragment {
  // Each side of the join is one row (an aggregate, a bare SELECT), so set_config always runs.
  return sql`INSERT INTO audit_log (actor_id, actor_role, request_id, ip, action, entity_type, entity_id, meta)
    SELECT ${ctx.actorId}::varchar, ${ctx.actorRole}::varchar, ${ctx.requestId ?? null}::varchar, ${ctx.ip ?? null}::varchar,
           ${entry.action}::varchar, ${entry.entityType}::varchar, NULL, ${meta}
      FROM ${from} CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS unflushed_commit`;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  requestId: string | null;
  ip: string | null;
  meta: unknown;
}

const COLUMNS = sql`id::text AS id, at, actor_id AS "actorId", actor_role AS "actorRole", action, entity_type AS "entityType", entity_id AS "entityId",
  request_id AS "requestId", ip, meta`;

export class AuditLog {
  constructor(private readonly db: SqlClient) {}

  /** `tx`: inside a write's transaction, so the write and its entry commit together. */
  async record(ctx: AuditContext, entry: AuditEntry, tx?: Prisma.TransactionClient): Promise<void> {
    await (tx ? sqlClientOf(tx) : this.db).query(auditInsert(ctx, entry, sql`${entry.entityId ?? null}::varchar`));
  }

  async list(query: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
    const where = [
      ...(query.action ? [sql`action = ${query.action}::varchar`] : []),
      ...(query.entityType ? [sql`entity_type = ${query.entityType}::varchar`] : []),
      ...(query.entityId ? [sql`entity_id = ${query.entityId}::varchar`] : []),
      ...(query.actorId ? [sql`actor_id = ${query.actorId}::varchar`] : []),
      ...(query.from ? [sql`at >= ${query.from}::timestamptz`] : []),
      ...(query.to ? [sql`at < ${query.to}::timestamptz`] : []),
      ...(query.before ? [sql`id < ${String(query.before)}::bigint`] : []),
    ];
    const rows = (
      await this.db.query<AuditRecord>(sql`
        SELECT ${COLUMNS} FROM audit_log ${where.length ? sql`WHERE ${join(where, ' AND ')}` : sql``} ORDER BY audit_log.id DESC LIMIT ${query.limit + 1}::int`)
    ).map((r) => ({ ...r, at: new Date(r.at) }));
    const page = rows.slice(0, query.limit);
    return { items: page, nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
  }

  /** The entries about one record, oldest first (a contact's portability document). */
  async trailOf(entityType: AuditEntry['entityType'], entityId: string): Promise<{ at: Date; action: string; actorId: string | null; actorRole: string | null }[]> {
    const rows = await this.db.query<{ at: Date; action: string; actorId: string | null; actorRole: string | null }>(sql`
      SELECT at, action, actor_id AS "actorId", actor_role AS "actorRole" FROM audit_log
      WHERE entity_type = ${entityType}::varchar AND entity_id = ${entityId}::varchar ORDER BY audit_log.id`);
    return rows.map((r) => ({ ...r, at: new Date(r.at) }));
  }
}
