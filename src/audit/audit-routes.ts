// GET /audit: the audit trail for admins, newest first, keyset-paginated by entry id.
// Reading it is itself an audited access (`audit.list`).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateParam } from '../http/date-param.ts';
import { type AuditLog, auditContextOf } from './audit-log.ts';

export interface AuditRoutesDeps {
  audit: AuditLog;
}

const auditQuery = z.object({
  action: z.string().max(48).optional().describe('e.g. contact.read, user.update'),
  entityType: z.string().max(32).optional().describe('contact, user, session or audit'),
  entityId: z.string().max(64).optional(),
  actorId: z.string().max(64).optional(),
  from: dateParam('start').optional().describe('inclusive (a date is the start of that day in America/Sao_Paulo)'),
  to: dateParam('end').optional().describe('exclusive (a date includes that whole day)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, { error: 'expected the nextCursor of a previous page' })
    .optional(),
});

const auditEntry = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  actorId: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  meta: z.unknown().describe('non-personal details: counts, filter names, changed field names'),
});

const FILTERS = ['action', 'entityType', 'entityId', 'actorId', 'from', 'to'] as const;

export const auditRoutes: FastifyPluginAsyncZod<AuditRoutesDeps> = async (app, { audit }) => {
  app.get(
    '/audit',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['audit'],
        summary: 'List audit entries, newest first (pass nextCursor as cursor for the next page)',
        querystring: auditQuery,
        response: { 200: z.object({ items: z.array(auditEntry), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await audit.list({
        action: q.action,
        entityType: q.entityType,
        entityId: q.entityId,
        actorId: q.actorId,
        from: q.from,
        to: q.to,
        limit: q.limit,
        before: q.cursor ? BigInt(q.cursor) : undefined,
      });
      await audit.record(auditContextOf(request), {
        action: 'audit.list',
        entityType: 'audit',
        // Filter names, not their values, as for every entry.
        meta: { filters: FILTERS.filter((f) => q[f] !== undefined), count: page.items.length, paged: q.cursor !== undefined },
      });
      return { items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })), nextCursor: page.nextCursor };
    },
  );
};
