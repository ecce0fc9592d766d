// Login throttling per account, whatever the IP: a password guesser who rotates addresses
// (or sits behind a trusted proxy with many clients) still gets slower on each e-mail.
// The per-IP limit (@fastify/rate-limit on the route) stays; this one is its complement.
//
// Counted in the database, not in memory or Redis: every replica must see the same count,
// Redis is never the authority in this code base (src/locks/redis.ts), and failed logins are
// rare enough that three small statements on the failure path cost nothing. Rows are keyed by
// a hash of the e-mail so the table neither names people nor tells which e-mails have users.
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface LoginThrottleOptions {
  /** Failures in a row allowed before the account is locked for a while. */
  freeFailures?: number;
  /** First lock; doubled on each further failure. */
  firstLockMs?: number;
  /** Longest lock: a real user locked out by an attacker waits at most this long. */
  maxLockMs?: number;
  /** A failure streak this old is forgotten. */
  forgetAfterMs?: number;
  now?: () => Date;
}

export class LoginThrottle {
  private readonly freeFailures: number;
  private readonly firstLockMs: number;
  private readonly maxLockMs: number;
  private readonly forgetAfterMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly prisma: PrismaClient,
    options: LoginThrottleOptions = {},
  ) {
    // 5 free tries cover typos and a forgotten caps lock; the lock then grows 30 s, 1 min,
    // 2 min … up to 15 min, so guessing one account costs hours per hundred passwords.
    this.freeFailures = options.freeFailures ?? 5;
    this.firstLockMs = options.firstLockMs ?? 30_000;
    this.maxLockMs = options.maxLockMs ?? 15 * 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60 * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Seconds the account must wait before it may try again, or undefined when it may try now. */
  async waitFor(email: string): Promise<number | undefined> {
    const row = await this.prisma.loginThrottle.findUnique({ where: { emailHash: keyOf(email) }, select: { lockedUntil: true } });
    const left = (row?.lockedUntil?.getTime() ?? 0) - this.now().getTime();
    return left > 0 ? Math.ceil(left / 1000) : undefined;
  }

  /** Counts a failed login; from the (freeFailures)th in a row on, the account is locked. */
  async recordFailure(email: string): Promise<void> {
    const emailHash = keyOf(email);
    const now = this.now();
    await this.prisma.loginThrottle.deleteMany({ where: { emailHash, lastFailureAt: { lt: new Date(now.getTime() - this.forgetAfterMs) } } });
    const row = await this.upsertFailure(emailHash, now);
    if (row.failures < this.freeFailures) return;
    const lockMs = Math.min(this.maxLockMs, this.firstLockMs * 2 ** Math.min(20, row.failures - this.freeFailures));
    await this.prisma.loginThrottle.update({ where: { emailHash }, data: { lockedUntil: new Date(now.getTime() + lockMs) } });
  }

  /** A successful login ends the streak. */
  async clear(email: string): Promise<void> {
    await this.prisma.loginThrottle.deleteMany({ where: { emailHash: keyOf(email) } });
  }

  private async upsertFailure(emailHash: string, now: Date) {
    const upsert = () =>
      this.prisma.loginThrottle.upsert({
        where: { emailHash },
        create: { emailHash, failures: 1, lastFailureAt: now },
        update: { failures: { increment: 1 }, lastFailureAt: now },
        select: { failures: true },
      });
    try {
      return await upsert();
    } catch {
      // Two first failures at once may both try the INSERT; the loser finds the row now.
      return upsert();
    }
  }
}

function keyOf(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}
