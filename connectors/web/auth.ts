// Who is calling a web chat endpoint: the bearer of a session token, which names its chat.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../../src/http/auth-guard.ts';
import { AppError, ForbiddenError, UnauthorizedError } from '../../src/http/errors.ts';
import type { WebSession, WebSessionTokens } from './session-token.ts';

export function sessionOf(request: FastifyRequest, tokens: WebSessionTokens): WebSession {
  const token = bearerToken(request);
  const session = token ? tokens.verify(token) : undefined;
  if (!session) throw new UnauthorizedError('a valid web chat session token is required (POST /channels/web/sessions)');
  return session;
}

/** A session may only read its own chat. */
export function ownChat(session: WebSession, chatId: string): void {
  if (session.chatId !== chatId) throw new ForbiddenError('this session belongs to another chat');
}

export class RateLimitedError extends AppError {
  constructor(detail: string, readonly retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too many requests', detail, { retryAfter: retryAfterSeconds });
  }
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Counts the request against a limiter; throws 429 (with Retry-After) when over it. */
export async function enforce(request: FastifyRequest, reply: FastifyReply, limiter: Limiter, what: string): Promise<void> {
  const result = await limiter(request);
  // isAllowed means "on the allow list"; the verdict is isExceeded.
  if (!result.isAllowed && result.isExceeded) {
    reply.header('retry-after', String(result.ttlInSeconds));
    throw new RateLimitedError(`too many ${what}; wait ${result.ttlInSeconds} s`, result.ttlInSeconds);
  }
}
