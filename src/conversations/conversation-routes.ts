// The conversations admin API (SPEC §8): list with filters, one conversation's timeline, and
// resuming a conversation handed off to a person. Staff (admins and attendants) may use it:
// attendants are the ones who pick handoffs up.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContextOf } from '../audit/audit-log.ts';
import { type ConversationAdmin, toConversationDto } from './conversation-admin.ts';

const conversation = z.object({
  id: z.string(),
  channel: z.string(),
  accountId: z.string(),
  chatId: z.string(),
  mode: z.string(),
  status: z.string(),
  attendantUserId: z.string().nullable(),
  contactId: z.string().nullable(),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  closedAt: z.string().nullable(),
  handoffAt: z.string().nullable(),
  claimedBy: z.object({ id: z.string(), email: z.string(), name: z.string().optional() }).nullable(),
  waitSeconds: z.number().int().optional(),
  person: z.object({ name: z.string().optional(), phone: z.string().optional() }).optional(),
});

const timelineEntry = z.object({
  direction: z.enum(['inbound', 'outbound']),
  id: z.string(),
  text: z.string(),
  kind: z.string(),
  at: z.string(),
  status: z.string().optional(),
  author: z.object({ id: z.string(), email: z.string(), name: z.string().optional() }).optional(),
});

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), code: z.string() }).loose();
const idParams = z.object({ id: z.string().max(64) });

// How long POST /resume waits for a worker before answering 202 instead of 200.
const RESUME_WAIT_MS = 5_000;

export const conversationRoutes: FastifyPluginAsyncZod<{ admin: ConversationAdmin }> = async (app, { admin }) => {
  app.get(
    '/conversations',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['conversations'],
        summary: 'List conversations, newest first, with filters and keyset pagination',
        description: '`status=handoff` is the handoff queue: oldest handoff first, with `waitSeconds`, `claimedBy` and the `person` (name, phone) when known.',
        querystring: z.object({
          status: z.enum(['active', 'handoff', 'saved', 'cancelled', 'declined', 'expired', 'completed']).optional(),
          channel: z.string().max(32).optional(),
          mode: z.enum(['contact', 'attendant']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: z.object({ items: z.array(conversation), nextCursor: z.string().nullable() }), 400: problem },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      return admin.list(filters, { limit, cursor }, auditContextOf(request));
    },
  );

  app.get(
    '/conversations/:id',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['conversations'],
        summary: 'One conversation with its timeline of inbound and outbound messages',
        params: idParams,
        response: { 200: conversation.extend({ timeline: z.array(timelineEntry) }), 404: problem },
      },
    },
    async (request) => admin.get(request.params.id, auditContextOf(request)),
  );

  app.post(
    '/conversations/:id/resume',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['conversations'],
        summary: 'End a handoff: the bot takes the conversation up again',
        description: '200 once a worker has resumed it; 202 if it is still queued. `restart: true` starts the field collection over instead of continuing where it stopped.',
        params: idParams,
        // No body at all (the original contract) means continue where it stopped.
        body: z.preprocess((v) => v ?? {}, z.object({ restart: z.boolean().optional() })),
        response: { 200: conversation, 202: conversation, 404: problem, 409: problem },
      },
    },
    async (request, reply) => {
      const ctx = auditContextOf(request);
      const queued = await admin.requestResume(request.params.id, ctx, { restart: request.body.restart === true });
      const done = await admin.waitProcessed(queued, RESUME_WAIT_MS);
      return reply.code(done ? 200 : 202).send(toConversationDto(await admin.find(request.params.id)));
    },
  );
};
