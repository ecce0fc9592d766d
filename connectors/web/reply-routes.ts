// Web chat, outbound side: the bot's replies, read by the chat client after a cursor or
// pushed over Server-Sent Events as they are delivered.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { ownChat, sessionOf } from './auth.ts';
import type { AccessTokenVerifier } from '../../src/http/auth-guard.ts';
import type { WebChatEvents } from './events.ts';
import type { WebMailbox, WebReply } from './mailbox.ts';
import type { WebSessionTokens } from './session-token.ts';

export interface WebOutboundDeps {
  tokens: WebSessionTokens;
  /** Checks that an attendant session's user still holds the access it was opened with. */
  accessTokens: Pick<AccessTokenVerifier, 'staffSessionValid'>;
  mailbox: WebMailbox;
  events: WebChatEvents;
}

const reply = z.object({
  id: z.number().int(),
  text: z.string(),
  /** The fixed answers the reply expects (quick replies); typed text is accepted too. */
  options: z.array(z.object({ id: z.string(), title: z.string() })),
  at: z.string(),
});
const cursor = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

// Comments every 15 s keep proxies from closing an idle stream; a poll every 10 s catches a
// wake-up signal lost while Redis reconnected.
const HEARTBEAT_MS = 15_000;
const POLL_MS = 10_000;

function writeEvents(raw: ServerResponse, replies: WebReply[]) {
  for (const r of replies) raw.write(`id: ${r.id}\nevent: reply\ndata: ${JSON.stringify(r)}\n\n`);
}

// No id: "typing" is a passing state, not a cursor position — a reconnect does not replay it.
function writeTyping(raw: ServerResponse, typing: boolean) {
  if (!raw.writableEnded) raw.write(`event: typing\ndata: ${JSON.stringify({ typing })}\n\n`);
}

export function webOutboundRoutes(deps: WebOutboundDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const streams = new Set<ServerResponse>();
    // Open streams would hold the server's close forever.
    app.addHook('preClose', async () => {
      for (const raw of streams) raw.end();
    });

    app.get(
      '/channels/web/chats/:chatId/messages',
      {
        config: { public: true },
        schema: {
          tags: ['web chat'],
          summary: "The bot's replies in this chat after a cursor (Bearer: the session token)",
          params: z.object({ chatId: z.string().max(160) }),
          querystring: z.object({ after: cursor.default(0), limit: z.coerce.number().int().min(1).max(200).default(100) }),
          response: { 200: z.object({ messages: z.array(reply), next: z.number().int() }) },
        },
      },
      async (request) => {
        const session = await sessionOf(request, deps.tokens, deps.accessTokens);
        ownChat(session, request.params.chatId);
        const messages = await deps.mailbox.after(session.chatId, request.query.after, request.query.limit);
        return { messages, next: messages.at(-1)?.id ?? request.query.after };
      },
    );

    app.get(
      '/channels/web/chats/:chatId/events',
      {
        config: { public: true },
        schema: {
          tags: ['web chat'],
          summary: 'Server-Sent Events: one `reply` event per bot reply (id = cursor; Last-Event-ID resumes); `typing` {typing} while the bot works on a turn',
          params: z.object({ chatId: z.string().max(160) }),
          querystring: z.object({ after: cursor.optional() }),
          headers: z.object({ 'last-event-id': cursor.optional() }),
        },
      },
      async (request, reply) => {
        const session = await sessionOf(request, deps.tokens, deps.accessTokens);
        ownChat(session, request.params.chatId);
        let last = request.headers['last-event-id'] ?? request.query.after ?? 0;
        // Read before taking over the socket, so a database outage is still a problem+json.
        const backlog = await deps.mailbox.after(session.chatId, last);

        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          // The replies may repeat personal data: no cache keeps a copy (no-store, as every API response).
          'cache-control': 'no-store, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        raw.write('retry: 2000\n\n');
        streams.add(raw);
        writeEvents(raw, backlog);
        last = backlog.at(-1)?.id ?? last;

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
              const replies = await deps.mailbox.after(session.chatId, last);
              writeEvents(raw, replies);
              last = replies.at(-1)?.id ?? last;
            } while (again && !raw.writableEnded);
          } catch {
            // Database away: the next signal or poll tries again.
          } finally {
            reading = false;
          }
        };
        const unsubscribe = deps.events.subscribe(session.chatId, (signal) => (signal.kind === 'typing' ? writeTyping(raw, signal.typing) : void pull()));
        const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
        const poll = setInterval(() => void pull(), POLL_MS);
        const stop = () => {
          unsubscribe();
          clearInterval(heartbeat);
          clearInterval(poll);
          streams.delete(raw);
        };
        raw.on('close', stop);
        // A reply delivered between the backlog read and the subscription is not missed.
        void pull();
      },
    );
  };
}
