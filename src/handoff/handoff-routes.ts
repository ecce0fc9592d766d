// The handoff inbox API (staff only): write to the person of a handoff, claim and release
// it, and the live event stream for the console. Contact sessions (web chat tokens) and
// anonymous callers are refused: the message/claim routes sit behind the auth guard's roles,
// and the stream checks a single-use ticket or a staff bearer token itself (it is public to
// the guard only because an EventSource cannot send the header).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { auditContextOf } from '../audit/audit-log.ts';
import { type AccessTokenVerifier, type AuthUser, bearerToken, currentUser } from '../http/auth-guard.ts';
import { ForbiddenError, UnauthorizedError } from '../domain/errors.ts';
import type { HandoffEvent, HandoffEvents } from './handoff-events.ts';
import type { HandoffService } from './handoff-service.ts';
import type { StreamTickets } from './stream-tickets.ts';

export interface HandoffRoutesDeps {
  service: HandoffService;
  events: HandoffEvents;
  tickets: StreamTickets;
  verifier: AccessTokenVerifier;
}

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), code: z.string() }).loose();
const idParams = z.object({ id: z.string().max(64) });
const staffRef = z.object({ id: z.string(), email: z.string(), name: z.string().optional() });
const claimDto = z.object({ id: z.string(), status: z.string(), claimedBy: staffRef.nullable(), claimedAt: z.string().nullable() });
const STAFF = { roles: ['admin', 'attendant'] as ('admin' | 'attendant')[] };

// Comments every 15 s keep proxies from closing an idle stream; a poll every 10 s catches a
// wake-up signal lost while Redis reconnected (the events themselves are in the database).
const HEARTBEAT_MS = 15_000;
const POLL_MS = 10_000;

function writeEvents(raw: ServerResponse, events: HandoffEvent[]) {
  for (const e of events) raw.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
}

export const handoffRoutes: FastifyPluginAsyncZod<HandoffRoutesDeps> = async (app, deps) => {
  const streams = new Set<ServerResponse>();
  // Open streams would hold the server's close forever.
  app.addHook('preClose', async () => {
    for (const raw of streams) raw.end();
  });

  app.post(
    '/conversations/:id/messages',
    {
      config: STAFF,
      schema: {
        tags: ['handoff'],
        summary: "Write to the person of a handoff through the conversation's channel",
        description:
          'Goes through the same durable outbox as the bot replies (ordered with them, retried). Idempotent by messageId per conversation: the same id again sends nothing new (`duplicate: true`). `takeOver: true` first moves an active conversation into a handoff. 409 `not-in-handoff`, `claimed-by-other` (attendants; admins may write anyway), `window-closed` (WhatsApp Cloud API, 24 h after the person last wrote).',
        params: idParams,
        body: z.object({
          messageId: z.string().trim().min(1).max(100).regex(/^[\w.:-]+$/, { error: 'expected 1-100 of A-Z a-z 0-9 _ . : -' }),
          text: z.string().trim().min(1, { error: 'the message is empty' }).max(4096),
          takeOver: z.boolean().optional(),
        }),
        response: { 202: z.object({ accepted: z.literal(true), duplicate: z.boolean() }), 404: problem, 409: problem },
      },
    },
    async (request, reply) => reply.code(202).send(await deps.service.send(request.params.id, currentUser(request), request.body, auditContextOf(request))),
  );

  app.post(
    '/conversations/:id/claim',
    {
      config: STAFF,
      schema: {
        tags: ['handoff'],
        summary: 'Hold a handoff: the other attendants see who answers it (an admin may take it over)',
        params: idParams,
        response: { 200: claimDto, 404: problem, 409: problem },
      },
    },
    async (request) => deps.service.claim(request.params.id, currentUser(request), auditContextOf(request)),
  );

  app.post(
    '/conversations/:id/release',
    {
      config: STAFF,
      schema: {
        tags: ['handoff'],
        summary: 'Let go of a handoff you hold (admins: anyone’s)',
        params: idParams,
        response: { 200: claimDto, 404: problem, 409: problem },
      },
    },
    async (request) => deps.service.release(request.params.id, currentUser(request), auditContextOf(request)),
  );

  app.get(
    '/conversations/events',
    {
      // The guard would want an Authorization header, which EventSource cannot send: this
      // route checks a single-use ticket (?ticket=) or the bearer header itself.
      config: { public: true },
      schema: {
        tags: ['handoff'],
        summary: 'Server-Sent Events for staff: handoffs opened/claimed/released/resumed, messages, delivery status',
        description: 'Authenticate with `?ticket=` from POST /auth/stream-ticket (single use, 60 s) or an `Authorization: Bearer` header. Every event has an id; reconnect with Last-Event-ID to get what was missed.',
        querystring: z.object({ ticket: z.string().max(100).optional() }),
        headers: z.object({ 'last-event-id': z.string().regex(/^\d{1,19}$/).optional() }),
        response: { 401: problem, 403: problem },
      },
    },
    async (request, reply) => {
      const user = await streamUser(request.query.ticket, bearerToken(request), deps);
      request.user = user;
      let last = request.headers['last-event-id'] !== undefined ? BigInt(request.headers['last-event-id']) : await deps.events.lastId();
      // Read before taking over the socket, so a database outage is still a problem+json.
      const backlog = await deps.events.after(last);

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 2000\n\n');
      streams.add(raw);
      writeEvents(raw, backlog);
      last = backlog.length ? BigInt(backlog.at(-1)!.id) : last;

      let reading = false;
      let again = false;
      const pull = async () => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            const events = await deps.events.after(last);
            if (raw.writableEnded) return;
            writeEvents(raw, events);
            last = events.length ? BigInt(events.at(-1)!.id) : last;
            if (events.length === 200) again = true;
          } while (again && !raw.writableEnded);
        } catch {
          // Database away: the next signal or poll tries again.
        } finally {
          reading = false;
        }
      };
      const unsubscribe = deps.events.subscribe(() => void pull());
      const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
      const poll = setInterval(() => void pull(), POLL_MS);
      raw.on('close', () => {
        unsubscribe();
        clearInterval(heartbeat);
        clearInterval(poll);
        streams.delete(raw);
      });
      // An event recorded between the backlog read and the subscription is not missed.
      void pull();
    },
  );
};

async function streamUser(ticket: string | undefined, bearer: string | undefined, deps: HandoffRoutesDeps): Promise<AuthUser> {
  const user = ticket ? await deps.tickets.redeem(ticket) : bearer ? await deps.verifier.verifyAccessToken(bearer) : undefined;
  if (!user) throw new UnauthorizedError('a stream ticket (?ticket=, from POST /auth/stream-ticket) or a bearer token is required');
  if (user.role !== 'admin' && user.role !== 'attendant') throw new ForbiddenError('requires role admin or attendant');
  return user;
}
