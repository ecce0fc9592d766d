// POST /contacts/:id/sync (admin): queues a fresh sync event for a contact by hand — after a
// failure, or after the receiver lost data. With sync disabled it answers 409 sync-disabled:
// the request is fine, the server's state (no SYNC_WEBHOOK_URL) is what refuses it.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contactIdParamsSchema } from '../contacts/contact-schemas.ts';
import { ConflictError } from '../domain/errors.ts';
import { type AuditContext, auditContextOf } from '../audit/audit-log.ts';

export interface SyncRoutesDeps {
  /** Queues the event; undefined when sync is disabled. */
  requestSync?: (contactId: string, ctx: AuditContext) => Promise<{ deliveryId: string }>;
}

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), code: z.string() }).loose();
const accepted = z.object({
  contactId: z.uuid(),
  deliveryId: z.string().describe('id of the queued event: the X-Atende-Delivery header the receiver will get'),
  status: z.literal('pending'),
});

export const syncRoutes: FastifyPluginAsyncZod<SyncRoutesDeps> = async (app, { requestSync }) => {
  app.post(
    '/contacts/:id/sync',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['contacts'],
        summary: 'Push a contact to SYNC_WEBHOOK_URL again',
        description:
          'Queues a new sync event (contact.updated) carrying the contact as it is now; the contact goes back to sync status pending. ' +
          '409 sync-disabled when SYNC_WEBHOOK_URL is not configured; 404 when the contact does not exist.',
        params: contactIdParamsSchema,
        response: { 202: accepted, 404: problem, 409: problem },
      },
    },
    async (request, reply) => {
      if (!requestSync) throw new ConflictError('sync-disabled', 'contact sync is disabled: set SYNC_WEBHOOK_URL and SYNC_WEBHOOK_SECRET to enable it');
      const { deliveryId } = await requestSync(request.params.id, auditContextOf(request));
      return reply.code(202).send({ contactId: request.params.id, deliveryId, status: 'pending' as const });
    },
  );
};
