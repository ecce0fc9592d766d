// /users: staff accounts, admins only. Every read and write is audited (ids, role and
// changed field names — never e-mails, names or chat addresses).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuditContext, type AuditLog, auditContextOf } from '../audit/audit-log.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { PasswordPolicy } from '../auth/password-strength.ts';
import type { TokenService } from '../auth/token-service.ts';
import { ValidationError } from '../domain/errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { UserRepository, WithinWrite } from './user-repository.ts';
import { createUserBody, toUserResponse, updateUserBody, userIdParams, userListResponse, userResponse } from './user-schemas.ts';

export interface UserRoutesDeps {
  users: UserRepository;
  tokens: TokenService;
  audit: AuditLog;
  passwords: PasswordPolicy;
}

const adminOnly = { roles: ['admin' as const] };

export const userRoutes: FastifyPluginAsyncZod<UserRoutesDeps> = async (app, { users, tokens, audit, passwords }) => {
  /** Refuses a password an attacker would guess (common, built from the account's e-mail or name…). */
  const strong = async (password: string, related: (string | null | undefined)[]) => {
    const verdict = await passwords.check(password, related);
    if (!verdict.ok) throw ValidationError.field('password', verdict.reason!);
  };

  /** The audit entry of a write, recorded in the write's own transaction. */
  const recordIn =
    (ctx: AuditContext, action: 'user.create' | 'user.update' | 'user.delete', meta?: Prisma.InputJsonObject): WithinWrite =>
    (tx, userId) =>
      audit.record(ctx, { action, entityType: 'user', entityId: userId, ...(meta ? { meta } : {}) }, tx);

  app.get(
    '/users',
    {
      config: adminOnly,
      schema: { tags: ['users'], summary: 'List staff users with their chat identities', response: { 200: userListResponse } },
    },
    async (request) => {
      const items = await users.list();
      await audit.record(auditContextOf(request), { action: 'user.list', entityType: 'user', meta: { count: items.length } });
      return { items: items.map(toUserResponse) };
    },
  );

  app.get(
    '/users/:id',
    {
      config: adminOnly,
      schema: { tags: ['users'], summary: 'Get one user', params: userIdParams, response: { 200: userResponse } },
    },
    async (request) => {
      const user = await users.get(request.params.id);
      await audit.record(auditContextOf(request), { action: 'user.read', entityType: 'user', entityId: user.id });
      return toUserResponse(user);
    },
  );

  app.post(
    '/users',
    {
      config: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Create a user (409 when the e-mail or a chat identity is taken)',
        body: createUserBody,
        response: { 201: userResponse },
      },
    },
    async (request, reply) => {
      const { password, identities = [], ...rest } = request.body;
      await strong(password, [rest.email, rest.name]);
      const user = await users.create(
        { ...rest, identities, passwordHash: await hashPassword(password) },
        recordIn(auditContextOf(request), 'user.create', { role: rest.role, identityChannels: identities.map((i) => i.channel) }),
      );
      return reply.code(201).header('location', `/users/${user.id}`).send(toUserResponse(user));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Change name, role, password, chat identities or disable the user (409 for the last admin); a new password, role or disabling ends their sessions',
        params: userIdParams,
        body: updateUserBody,
        response: { 200: userResponse },
      },
    },
    async (request) => {
      const { password, ...changes } = request.body;
      if (password) {
        const current = await users.get(request.params.id);
        await strong(password, [current.email, changes.name ?? current.name]);
      }
      const fields = Object.entries(request.body)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      const user = await users.update(
        request.params.id,
        { ...changes, ...(password ? { passwordHash: await hashPassword(password) } : {}) },
        recordIn(auditContextOf(request), 'user.update', { fields, ...(changes.role ? { role: changes.role } : {}) }),
      );
      // A new password, role or disabling ended every session inside the update (token
      // version bumped, refresh tokens revoked, in the same transaction).
      return toUserResponse(user);
    },
  );

  app.delete(
    '/users/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Delete a user (409 for the last admin); their tokens stop working at once',
        params: userIdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await users.delete(request.params.id, recordIn(auditContextOf(request), 'user.delete'));
      // The cascade already removed the refresh tokens; kept explicit so that a later switch
      // to soft deletion cannot leave sessions alive. Access tokens fail on the user lookup.
      await tokens.revokeAllOf(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
