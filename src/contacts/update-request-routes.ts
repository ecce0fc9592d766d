// Staff decide on update requests (src/contacts/update-requests.ts). Admins and attendants may
// list and decide, as they may correct contacts through PATCH /contacts/:id; every read and
// decision is audited.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf } from '../audit/audit-log.ts';
import { contactIdParamsSchema } from './contact-schemas.ts';
import { listUpdateRequestsQuerySchema, updateRequestDtoSchema, updateRequestIdParamsSchema, updateRequestPageSchema } from './update-request-schemas.ts';
import type { UpdateRequestService } from './update-requests.ts';

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), code: z.string() }).loose();
const staff = { roles: ['admin' as const, 'attendant' as const] };

export const updateRequestRoutes: FastifyPluginAsyncZod<{ requests: UpdateRequestService }> = async (app, { requests }) => {
  app.get(
    '/contacts/:id/update-requests',
    {
      config: staff,
      schema: {
        tags: ['contacts'],
        summary: "Update requests for a contact: chat submissions with its phone from someone not proven to own it",
        params: contactIdParamsSchema,
        response: { 200: z.object({ items: z.array(updateRequestDtoSchema) }), 404: problem },
      },
    },
    async (request) => ({ items: await requests.listForContact(request.params.id, auditContextOf(request)) }),
  );

  app.get(
    '/update-requests',
    {
      config: staff,
      schema: {
        tags: ['contacts'],
        summary: 'List update requests, newest first, optionally by status, with keyset pagination',
        querystring: listUpdateRequestsQuerySchema,
        response: { 200: updateRequestPageSchema, 400: problem },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      return requests.list(status, { limit, cursor }, auditContextOf(request));
    },
  );

  app.post(
    '/update-requests/:id/approve',
    {
      config: staff,
      schema: {
        tags: ['contacts'],
        summary: "Approve: the proposed fields replace the contact's (409 when already decided, or when the phone is now another contact's)",
        params: updateRequestIdParamsSchema,
        response: { 200: updateRequestDtoSchema, 404: problem, 409: problem },
      },
    },
    async (request) => requests.approve(request.params.id, auditContextOf(request)),
  );

  app.post(
    '/update-requests/:id/reject',
    {
      config: staff,
      schema: {
        tags: ['contacts'],
        summary: 'Reject: the contact stays as it is (409 when already decided)',
        params: updateRequestIdParamsSchema,
        response: { 200: updateRequestDtoSchema, 404: problem, 409: problem },
      },
    },
    async (request) => requests.reject(request.params.id, auditContextOf(request)),
  );
};
