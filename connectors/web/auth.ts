// Who is calling a web chat endpoint: the bearer of a session token, which names its chat.
import type { FastifyRequest } from 'fastify';
import { type AccessTokenVerifier, bearerToken } from '../../src/http/auth-guard.ts';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../../src/domain/errors.ts';
import type { WindowLimiter } from '../../src/http/window-limiter.ts';
import type { WebSession, WebSessionTokens } from './session-token.ts';

const REQUIRED = 'a valid web chat session token is required (POST /channels/web/sessions)';

/**
 * The caller's session. A contact session is checked by its signature alone (the hot path
 * reads no database); an attendant session also by its user's token version, on every
 * request, so a password reset, role change or disabled user ends it at once.
 */
export async function sessionOf(request: FastifyRequest, tokens: WebSessionTokens, staff: Pick<AccessTokenVerifier, 'staffSessionValid'>): Promise<WebSession> {
  const token = bearerToken(request);
  const session = token ? tokens.verify(token) : undefined;
  if (!session) throw new UnauthorizedError(REQUIRED);
  if (session.attendantUserId && !(await staff.staffSessionValid(session.attendantUserId, session.tokenVersion ?? 0))) {
    throw new UnauthorizedError('this attendant session ended (password, role or access changed); open a new one');
  }
  return session;
}

/** A session may only read its own chat. */
export function ownChat(session: WebSession, chatId: string): void {
  if (session.chatId !== chatId) throw new ForbiddenError('this session belongs to another chat');
}

/** Counts a hit of `key` against a limiter; throws 429 (with Retry-After) when over it. */
export function enforce(limiter: WindowLimiter, key: string, what: string): void {
  const wait = limiter.hit(key);
  if (wait !== undefined) throw new TooManyRequestsError(`too many ${what}; wait ${wait} s`, wait);
}
