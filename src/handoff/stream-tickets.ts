// Stream tickets: a browser's EventSource cannot send an Authorization header, and an access
// token in a URL ends up in proxy logs and browser history. So the console trades its token
// (POST /auth/stream-ticket) for a ticket that opens ONE stream within a minute. Stored as a
// SHA-256 hash in the database: a ticket issued by one replica works on any other, and a
// leaked database row cannot be replayed.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { UserRepository } from '../users/user-repository.ts';
import type { AuthUser } from '../http/auth-guard.ts';
import { UnauthorizedError } from '../domain/errors.ts';

// Long enough for the console to open the stream right after asking; short enough that a
// ticket copied from a URL is useless by the time anyone reads it.
export const TICKET_TTL_MS = 60_000;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

export class StreamTickets {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly users: UserRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(user: AuthUser): Promise<{ ticket: string; expiresAt: string }> {
    const ticket = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    await this.prisma.streamTicket.create({ data: { ticketHash: hash(ticket), userId: user.id, expiresAt } });
    // Spent and expired tickets are worthless: cleared as new ones are issued.
    await this.prisma.streamTicket.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - TICKET_TTL_MS) } } });
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  /** The user a ticket was issued to; the ticket is spent. Throws if unknown, used or expired. */
  async redeem(ticket: string): Promise<AuthUser> {
    const now = this.now();
    // One conditional UPDATE: of two requests racing with one ticket, exactly one wins.
    const spent = await this.prisma.streamTicket.updateMany({ where: { ticketHash: hash(ticket), usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (spent.count !== 1) throw new UnauthorizedError('the stream ticket is unknown, expired or already used; ask POST /auth/stream-ticket for a new one');
    const owner = await this.prisma.streamTicket.findUnique({ where: { ticketHash: hash(ticket) }, select: { userId: true } });
    const user = owner ? await this.users.sessionUser(owner.userId) : null;
    if (!user) throw new UnauthorizedError('the stream ticket belongs to a user that no longer exists');
    return user;
  }
}
