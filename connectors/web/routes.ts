// Web chat, inbound side: open a session, post a message. Both routes are public (no access
// token needed to chat) and check the session token themselves; an attendant's or admin's
// access token on POST /sessions opens an attendant-mode session instead.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AccessTokenVerifier, bearerToken } from '../../src/http/auth-guard.ts';
import { UnavailableError } from '../../src/domain/errors.ts';
import { WindowLimiter } from '../../src/http/window-limiter.ts';
import type { InboundMessage, Intake, IntakeOutcome } from '../types.ts';
import { enforce, sessionOf } from './auth.ts';
import type { WebChannelConfig } from './config.ts';
import type { WebSessionTokens } from './session-token.ts';

export const WEB_CHANNEL = 'web';
/** The web channel has one bot. */
export const WEB_ACCOUNT = 'web';

export interface WebInboundDeps {
  config: WebChannelConfig;
  tokens: WebSessionTokens;
  accessTokens: AccessTokenVerifier;
  intake: () => Intake | undefined;
  now?: () => Date;
}

const sessionResponse = z.object({
  chatId: z.string(),
  token: z.string(),
  mode: z.enum(['contact', 'attendant']),
  expiresAt: z.string(),
});

const messageBody = z.object({
  // The client's own id for the message: posting it again (a retry) is recognized.
  messageId: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, { error: 'expected 1-100 of A-Z a-z 0-9 . _ : -' }),
  text: z.string().trim().min(1).max(4_096),
});

const ACK_ACCEPTED = JSON.stringify({ accepted: true, duplicate: false });
const ACK_DUPLICATE = JSON.stringify({ accepted: true, duplicate: true });

const tokenHeader = z.object({ authorization: z.string().optional() });

/** The InboundMessage for a web chat post. Client message ids are only unique per chat. */
export function toInboundMessage(chatId: string, body: { messageId: string; text: string }, staffUserId: string | undefined, at: Date): InboundMessage {
  return {
    channel: WEB_CHANNEL,
    accountId: WEB_ACCOUNT,
    messageId: `${chatId}:${body.messageId}`,
    chatId,
    sender: { id: chatId },
    text: body.text,
    kind: 'text',
    timestamp: at,
    ...(staffUserId ? { staffUserId } : {}),
  };
}

export function webInboundRoutes(deps: WebInboundDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? (() => new Date());
  return async (app) => {
    const perSession = new WindowLimiter(deps.config.messagesPerMinutePerSession, 60_000);

    app.post(
      '/channels/web/sessions',
      {
        config: { public: true },
        schema: {
          tags: ['web chat'],
          summary: 'Open a web chat session (an attendant/admin access token opens an attendant-mode session)',
          headers: tokenHeader,
          response: { 201: sessionResponse },
        },
      },
      async (request, reply) => {
        const accessToken = bearerToken(request);
        // A token that is present but invalid is refused rather than ignored: an attendant
        // must not end up, unknowingly, in a contact-mode chat.
        const staff = accessToken ? await deps.accessTokens.verifyAccessToken(accessToken) : undefined;
        const ttl = staff ? deps.config.attendantSessionTtlSeconds : deps.config.contactSessionTtlSeconds;
        const expiresAt = Math.floor(now().getTime() / 1000) + ttl;
        const chatId = randomUUID();
        const token = deps.tokens.sign({ chatId, expiresAt, ...(staff ? { attendantUserId: staff.id, tokenVersion: staff.tokenVersion ?? 0 } : {}) });
        return reply.code(201).send({ chatId, token, mode: staff ? 'attendant' : 'contact', expiresAt: new Date(expiresAt * 1000).toISOString() });
      },
    );

    app.post(
      '/channels/web/messages',
      {
        config: { public: true, chatInbound: true },
        schema: {
          tags: ['web chat'],
          summary: 'Post a message to the bot (Bearer: the session token)',
          body: messageBody,
          response: { 202: z.object({ accepted: z.boolean(), duplicate: z.boolean() }) },
        },
        // The hottest route's two usual answers are pre-serialized (no schema pass per ack).
        serializerCompiler: () => (outcome: IntakeOutcome) => (!outcome.accepted ? JSON.stringify(outcome) : outcome.duplicate ? ACK_DUPLICATE : ACK_ACCEPTED),
      },
      async (request, reply) => {
        const session = await sessionOf(request, deps.tokens, deps.accessTokens);
        enforce(perSession, session.chatId, 'messages in this chat');
        const intake = deps.intake();
        if (!intake) throw new UnavailableError('the web chat is starting; try again', 1);
        const [outcome] = await intake.receive([toInboundMessage(session.chatId, request.body, session.attendantUserId, now())]);
        return reply.code(202).send(outcome!);
      },
    );
  };
}
