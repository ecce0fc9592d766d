import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuditLog, auditContextOf } from '../audit/audit-log.ts';
import type { UserRepository } from '../users/user-repository.ts';
import { TooManyRequestsError, UnauthorizedError } from '../domain/errors.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { currentUser } from '../http/auth-guard.ts';
import type { StreamTickets } from '../handoff/stream-tickets.ts';
import { dummyHash, verifyPassword } from './passwords.ts';
import { clearRefreshCookie, refreshCookieOf, setRefreshCookie } from './refresh-cookie.ts';
import type { TokenPair, TokenService } from './token-service.ts';

export interface AuthRoutesDeps {
  users: UserRepository;
  tokens: TokenService;
  audit: AuditLog;
  loginRateLimitPerMinute: number;
  throttle: LoginThrottle;
  /** Single-use tickets for the staff event stream (handoff inbox). */
  streamTickets: StreamTickets;
}

const tokenPair = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().describe('seconds'),
  refreshToken: z.string().optional().describe('absent when the session lives in the httpOnly cookie (browser)'),
  refreshExpiresIn: z.number().describe('seconds'),
});

const withoutRefresh = ({ refreshToken: _spent, ...rest }: TokenPair) => rest;

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesDeps> = async (app, { users, tokens, audit, loginRateLimitPerMinute, throttle, streamTickets }) => {
  app.post(
    '/auth/stream-ticket',
    {
      config: { roles: ['admin', 'attendant'] },
      schema: {
        tags: ['auth'],
        summary: 'A single-use ticket (valid 60 s) that opens GET /conversations/events?ticket=… — never put an access token in a URL',
        response: { 200: z.object({ ticket: z.string(), expiresAt: z.string() }) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const issued = await streamTickets.issue(user);
      await audit.record(auditContextOf(request), { action: 'auth.stream_ticket', entityType: 'session', entityId: user.id });
      return issued;
    },
  );

  app.post(
    '/auth/login',
    {
      config: {
        public: true,
        // Per IP (the client's as TRUST_PROXY allows); per account, whatever the IP, below.
        rateLimit: { max: loginRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary: 'Log in with e-mail and password',
        security: [],
        body: z.object({
          email: z.string().trim().toLowerCase().max(254),
          password: z.string().min(1).max(200),
          session: z.enum(['json', 'cookie']).default('json').describe('cookie: the refresh token goes to an httpOnly cookie (browsers), not the body'),
        }),
        response: { 200: tokenPair.extend({ user: z.object({ id: z.string(), email: z.string(), role: z.enum(['admin', 'attendant']) }) }) },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      // Checked before the password, for known and unknown e-mails alike: a locked account
      // answers the same whether the password is right, and tells nothing about existing.
      const wait = await throttle.waitFor(email);
      if (wait !== undefined) {
        await audit.record(auditContextOf(request), { action: 'auth.login_throttled', entityType: 'session' });
        throw new TooManyRequestsError(`too many failed logins for this account; wait ${wait} s`, wait);
      }
      const user = await users.findForLogin(email);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
      // A disabled user gets the same answer as a wrong password: nothing to learn from it.
      if (!user || !ok || user.disabled) {
        await throttle.recordFailure(email);
        await audit.record(auditContextOf(request), { action: 'auth.login_failed', entityType: 'session', entityId: user?.id ?? null });
        throw new UnauthorizedError('invalid e-mail or password');
      }
      await throttle.clear(email);
      const authUser = { id: user.id, email: user.email, role: user.role };
      await audit.record({ ...auditContextOf(request), actorId: user.id, actorRole: user.role }, { action: 'auth.login', entityType: 'session', entityId: user.id });
      const pair = await tokens.issue({ ...authUser, tokenVersion: user.tokenVersion });
      if (request.body.session !== 'cookie') return { ...pair, user: authUser };
      setRefreshCookie(request, reply, pair.refreshToken, pair.refreshExpiresIn);
      return { ...withoutRefresh(pair), user: authUser };
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true, rateLimit: { max: loginRateLimitPerMinute * 6, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token (body, or the browser\'s cookie) for a new token pair (the old refresh token is spent)',
        security: [],
        body: z.object({ refreshToken: z.string().min(1).max(200).optional() }).default({}),
        response: { 200: tokenPair },
      },
    },
    async (request, reply) => {
      const cookie = request.body.refreshToken ? undefined : refreshCookieOf(request);
      const token = request.body.refreshToken ?? cookie;
      if (!token) throw new UnauthorizedError('send refreshToken (or log in again)');
      try {
        const pair = await tokens.refresh(token);
        if (!cookie) return pair;
        setRefreshCookie(request, reply, pair.refreshToken, pair.refreshExpiresIn);
        return withoutRefresh(pair);
      } catch (err) {
        if (cookie) clearRefreshCookie(request, reply);
        throw err;
      }
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token — body, or the browser\'s cookie — and every token rotated from it',
        security: [],
        body: z.object({ refreshToken: z.string().min(1).max(200).optional() }).default({}),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const cookie = refreshCookieOf(request);
      const token = request.body.refreshToken ?? cookie;
      if (token) await tokens.revoke(token);
      if (cookie) clearRefreshCookie(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who the access token belongs to',
        response: { 200: z.object({ id: z.string(), email: z.string(), role: z.enum(['admin', 'attendant']) }) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return { id: user.id, email: user.email, role: user.role };
    },
  );
};
