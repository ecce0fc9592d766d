// A named single-holder lease in Redis (redlock on one instance): the primitive behind the
// chat lock, the WhatsApp socket lease and the Telegram poller lease. It never waits — the
// caller decides when to try again — and tells "someone else holds it" apart from "Redis
// cannot be asked", since callers treat those differently.
import type { Redis } from 'ioredis';
import { ExecutionError, type Lock, Redlock, ResourceLockedError } from './redlock.ts';

export type LeaseState = 'held' | 'elsewhere' | 'unavailable';

/** Whether redlock refused because another holder has the resource (not a Redis failure). */
export async function lockedElsewhere(err: unknown): Promise<boolean> {
  if (!(err instanceof ExecutionError)) return false;
  const stats = await Promise.all(err.attempts);
  return stats.some((s) => [...s.votesAgainst.values()].some((e) => e instanceof ResourceLockedError));
}

/** A redlock client that tries once: busy resources are the caller's to retry, at its pace. */
export function singleAttemptRedlock(redis: Redis): InstanceType<typeof Redlock> {
  const redlock = new Redlock([redis], { retryCount: 0, driftFactor: 0.01 });
  // Failures reach the caller through the rejected promise; the event would be noise.
  redlock.on('error', () => {});
  return redlock;
}

export class RedisLease {
  private readonly redlock: InstanceType<typeof Redlock>;
  private lock: Lock | undefined;

  constructor(
    redis: Redis,
    private readonly resource: string,
    private readonly leaseMs: number,
  ) {
    this.redlock = singleAttemptRedlock(redis);
  }

  held(): boolean {
    return this.lock !== undefined;
  }

  async acquire(): Promise<LeaseState> {
    try {
      this.lock = await this.redlock.acquire([this.resource], this.leaseMs);
      return 'held';
    } catch (err) {
      this.lock = undefined;
      return (await lockedElsewhere(err)) ? 'elsewhere' : 'unavailable';
    }
  }

  /** Keeps the lease for another lease length; false once it is lost. */
  async extend(): Promise<boolean> {
    if (!this.lock) return false;
    try {
      this.lock = await this.lock.extend(this.leaseMs);
      return true;
    } catch {
      this.lock = undefined;
      return false;
    }
  }

  async release(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release().catch(() => {});
  }
}
