// Staff accounts, their chat identities and their refresh tokens: every statement on
// `users`, `chat_identities` and `refresh_tokens`, through Prisma (writes with their audit
// entry in one transaction; none of it is on a measured hot path). Password hashes leave this
// file only for the login check (findForLogin); every other read selects public columns.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { prepared, type SqlClient, sql } from '../db/sql.ts';
import type { StaffRef } from '../handoff/people.ts';
import type { Role } from '../http/auth-guard.ts';

export interface ChatIdentityInput {
  channel: string;
  /** Already normalized (see chat-identity.ts). */
  address: string;
}

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash: string;
  role: Role;
  identities?: ChatIdentityInput[];
}

export interface UserChanges {
  name?: string | null;
  role?: Role;
  passwordHash?: string;
  /** true: the user cannot log in and every token and session of theirs stops working. */
  disabled?: boolean;
  /** Replaces all of the user's identities. */
  identities?: ChatIdentityInput[];
}

/** Runs inside the write's transaction, so the change and its audit entry commit together. */
export type WithinWrite = (tx: Prisma.TransactionClient, userId: string) => Promise<void>;

const publicColumns = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabled: true,
  createdAt: true,
  updatedAt: true,
  identities: { select: { channel: true, address: true }, orderBy: [{ channel: 'asc' }, { address: 'asc' }] },
} satisfies Prisma.UserSelect;

export type UserView = Prisma.UserGetPayload<{ select: typeof publicColumns }>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SESSION_COLUMNS = { id: true, email: true, role: true, tokenVersion: true, disabled: true } as const;
export type SessionUser = Prisma.UserGetPayload<{ select: typeof SESSION_COLUMNS }>;

const emailTaken = () => new ConflictError('email-taken', 'a user with this e-mail already exists', { field: 'email' });

export class UserRepository {
  constructor(
    private readonly prisma: PrismaClient,
    /** The statements on hot paths (sessionUser, staffFor), in SQL: see there. */
    private readonly db: SqlClient,
  ) {}

  list(): Promise<UserView[]> {
    return this.prisma.user.findMany({ select: publicColumns, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** Who these users are, in the order asked (an unknown id gets an empty e-mail). */
  async staffRefs(ids: string[]): Promise<StaffRef[]> {
    if (!ids.length) return [];
    const users = await this.prisma.user.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, email: true, name: true } });
    const byId = new Map(users.map((u) => [u.id, { id: u.id, email: u.email, ...(u.name ? { name: u.name } : {}) }]));
    return ids.map((id) => byId.get(id) ?? { id, email: '' });
  }

  async get(id: string): Promise<UserView> {
    const user = await this.prisma.user.findUnique({ where: { id }, select: publicColumns });
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  async create(input: NewUser, within?: WithinWrite): Promise<UserView> {
    return this.write(async (tx) => {
      if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) throw emailTaken();
      await this.assertIdentitiesFree(tx, input.identities ?? [], null);
      const user = await tx.user.create({
        data: {
          email: input.email,
          name: input.name ?? null,
          passwordHash: input.passwordHash,
          role: input.role,
          identities: { create: input.identities ?? [] },
        },
        select: publicColumns,
      });
      await within?.(tx, user.id);
      return user;
    });
  }

  async update(id: string, changes: UserChanges, within?: WithinWrite): Promise<UserView> {
    return this.write(async (tx) => {
      const current = await tx.user.findUnique({ where: { id }, select: { role: true, disabled: true } });
      if (!current) throw new NotFoundError('user', id);
      if (current.role === 'admin' && changes.role && changes.role !== 'admin') await this.assertNotLastAdmin(tx, 'demote');
      if (current.role === 'admin' && changes.disabled && !current.disabled) await this.assertNotLastAdmin(tx, 'disable');
      // What a session was granted under no longer holds: every access token and web chat
      // session of the user stops working (token version), and their refresh tokens go.
      const revoke = !!changes.passwordHash || (!!changes.role && changes.role !== current.role) || (changes.disabled === true && !current.disabled);
      if (revoke) await tx.refreshToken.updateMany({ where: { userId: id, revokedAt: null }, data: { revokedAt: new Date() } });
      if (changes.identities) {
        await this.assertIdentitiesFree(tx, changes.identities, id);
        await tx.chatIdentity.deleteMany({ where: { userId: id } });
        await tx.chatIdentity.createMany({ data: changes.identities.map((i) => ({ ...i, userId: id })) });
      }
      const user = await tx.user.update({
        where: { id },
        data: {
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.role ? { role: changes.role } : {}),
          ...(changes.passwordHash ? { passwordHash: changes.passwordHash } : {}),
          ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
          ...(revoke ? { tokenVersion: { increment: 1 } } : {}),
          // Identities alone change no user column; bump updatedAt all the same.
          updatedAt: new Date(),
        },
        select: publicColumns,
      });
      await within?.(tx, id);
      return user;
    });
  }

  /** Deletes the user; identities and refresh tokens go with it (ON DELETE CASCADE). */
  async delete(id: string, within?: WithinWrite): Promise<void> {
    await this.write(async (tx) => {
      const current = await tx.user.findUnique({ where: { id }, select: { role: true } });
      if (!current) throw new NotFoundError('user', id);
      if (current.role === 'admin') await this.assertNotLastAdmin(tx, 'delete');
      await tx.user.delete({ where: { id } });
      await within?.(tx, id);
    });
  }

  /**
   * Locks every admin row first: two admins removing each other at the same time would
   * otherwise both see "another admin remains" and leave none. The second waits, then sees
   * the first's change. Locking in id order keeps two such transactions from deadlocking.
   */
  private async assertNotLastAdmin(tx: Prisma.TransactionClient, what: 'delete' | 'demote' | 'disable') {
    const admins = await tx.$queryRaw<{ id: string; disabled: boolean }[]>`SELECT id, disabled FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`;
    // A disabled admin cannot step in: only enabled ones count.
    if (admins.filter((a) => !a.disabled).length <= 1) {
      throw new ConflictError('last-admin', `cannot ${what} the last admin; make another user admin first`);
    }
  }

  /** Names the first identity another user already holds (by position, channel and owner
   * id — not by address, which is a phone number). */
  private async assertIdentitiesFree(tx: Prisma.TransactionClient, identities: ChatIdentityInput[], ownerId: string | null) {
    if (identities.length === 0) return;
    const taken = await tx.chatIdentity.findMany({
      where: { OR: identities.map((i) => ({ channel: i.channel, address: i.address })), ...(ownerId ? { NOT: { userId: ownerId } } : {}) },
      select: { channel: true, address: true, userId: true },
    });
    const index = identities.findIndex((i) => taken.some((t) => t.channel === i.channel && t.address === i.address));
    if (index < 0) return;
    const owner = taken.find((t) => t.channel === identities[index]!.channel && t.address === identities[index]!.address)!;
    throw new ConflictError('identity-taken', `identities.${index}: this ${owner.channel} address already belongs to user ${owner.userId}`, {
      field: `identities.${index}.address`,
      channel: owner.channel,
      existingUserId: owner.userId,
    });
  }

  /** A transaction whose unique-key races (checked above, lost to a concurrent request)
   * still end as 409s rather than 500s. */
  private async write<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    try {
      return await this.prisma.$transaction(fn);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        // The two adapters describe the constraint differently; both quote its name.
        const described = JSON.stringify(err.meta ?? {});
        if (described.includes('chat_identities')) {
          throw new ConflictError('identity-taken', 'one of these chat identities already belongs to another user', { field: 'identities' });
        }
        if (described.includes('users_email')) throw emailTaken();
      }
      throw err;
    }
  }

  // ── sign-in and sessions ──

  /** The account an e-mail logs in to, with its password hash (the login check only). */
  findForLogin(email: string): Promise<{ id: string; email: string; role: Role; disabled: boolean; tokenVersion: number; passwordHash: string } | null> {
    return this.prisma.user.findUnique({ where: { email }, select: { id: true, email: true, role: true, disabled: true, tokenVersion: true, passwordHash: true } });
  }

  /** What a session checks on every request: the user still exists, is enabled, same token version. */
  /**
   * Asked at every authenticated request (the token's user, token version and state), so one
   * SQL statement: through Prisma's query builder it cost ~0.5 ms of CPU per request, about as
   * much as the rest of a contact list page's own work (bench:list profile).
   */
  async sessionUser(id: string): Promise<SessionUser | null> {
    // A token's subject is always a user id; anything else names nobody (and must not reach ::uuid).
    if (!UUID.test(id)) return null;
    // Prepared (one text): each pooled connection plans this primary-key read once.
    const [row] = await this.db.query<SessionUser>(prepared(sql`
      SELECT id::text AS id, email, role::text AS role, token_version AS "tokenVersion", disabled FROM users WHERE id = ${id}::uuid`));
    return row ?? null;
  }

  /**
   * Asked at every start (bootstrap-admin.ts). In SQL so that a start runs no Prisma query:
   * Prisma loads its query compiler (WebAssembly, ~35 MB resident) at its first query, and
   * a server nobody has signed in to yet needs none.
   */
  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: unknown }>(sql`SELECT count(*) AS n FROM users`);
    return Number(row?.n ?? 0);
  }

  /**
   * The staff member behind a chat message: the user whose web session sent it, else the one
   * whose chat identity is the sender's address — enabled users only.
   */
  async staffFor(staffUserId: string | null, channel: string, addresses: string[]): Promise<string | null> {
    // Asked for every conversation that starts, so one SQL statement rather than two built
    // queries: through Prisma's query builder bench:turns ran ~10 % slower (src/db/README.md).
    const [row] = await this.db.query<{ staff: string | null; identity: string | null }>(sql`
      SELECT (SELECT id::text FROM users WHERE id = ${staffUserId}::uuid AND NOT disabled) AS staff,
             (SELECT i.user_id::text FROM chat_identities i JOIN users u ON u.id = i.user_id AND NOT u.disabled
               WHERE i.channel = ${channel}::varchar AND i.address = ANY(${addresses}::varchar[]) LIMIT 1) AS identity`);
    return row?.staff ?? row?.identity ?? null;
  }

  async storeRefreshToken(token: { userId: string; tokenHash: string; family: string; expiresAt: Date }): Promise<void> {
    await this.prisma.refreshToken.create({ data: token, select: { id: true } });
  }

  refreshToken(tokenHash: string) {
    return this.prisma.refreshToken.findUnique({ where: { tokenHash }, include: { user: { select: SESSION_COLUMNS } } });
  }

  /** Spends a refresh token, atomically: of two concurrent refreshes with one token, one wins. */
  async spendRefreshToken(id: string, replacedBy: string, at: Date): Promise<boolean> {
    const spent = await this.prisma.refreshToken.updateMany({ where: { id, revokedAt: null, replacedBy: null }, data: { replacedBy, revokedAt: at } });
    return spent.count === 1;
  }

  async revokeRefreshTokens(where: { userId: string } | { family: string }, at: Date): Promise<void> {
    await this.prisma.refreshToken.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: at } });
  }
}
