import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuditLog, auditContextOf } from '../audit/audit-log.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { TooManyRequestsError, UnauthorizedError } from '../http/errors.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { currentUser } from '../http/auth-guard.ts';
import type { StreamTickets } from '../handoff/stream-tickets.ts';
import { dummyHash, verifyPassword } from './passwords.ts';
import type { TokenService } from './token-service.ts';

export interface AuthRoutesDeps {
  prisma: PrismaClient;
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
  refreshToken: z.string(),
  refreshExpiresIn: z.number().describe('seconds'),
});

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesDeps> = async (app, { prisma, tokens, audit, loginRateLimitPerMinute, throttle, streamTickets }) => {
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
        body: z.object({ email: z.string().trim().toLowerCase().max(254), password: z.string().min(1).max(200) }),
        response: { 200: tokenPair.extend({ user: z.object({ id: z.string(), email: z.string(), role: z.enum(['admin', 'attendant']) }) }) },
      },
    },
    async (request) => {
      const { email, password } = request.body;
      // Checked before the password, for known and unknown e-mails alike: a locked account
      // answers the same whether the password is right, and tells nothing about existing.
      const wait = await throttle.waitFor(email);
      if (wait !== undefined) {
        await audit.record(auditContextOf(request), { action: 'auth.login_throttled', entityType: 'session' });
        throw new TooManyRequestsError(`too many failed logins for this account; wait ${wait} s`, wait);
      }
      const user = await prisma.user.findUnique({ where: { email } });
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
      return { ...(await tokens.issue({ ...authUser, tokenVersion: user.tokenVersion })), user: authUser };
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true, rateLimit: { max: loginRateLimitPerMinute * 6, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token for a new token pair (the old refresh token is spent)',
        security: [],
        body: z.object({ refreshToken: z.string().min(1).max(200) }),
        response: { 200: tokenPair },
      },
    },
    async (request) => tokens.refresh(request.body.refreshToken),
  );

  app.post(
    '/auth/logout',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token (and every token rotated from it)',
        security: [],
        body: z.object({ refreshToken: z.string().min(1).max(200) }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await tokens.revoke(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );
};
