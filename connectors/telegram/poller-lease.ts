// With REDIS_URL, replicas share one bot, and Telegram answers a second concurrent
// getUpdates with 409 Conflict: only the holder of this lease polls. It is a redlock lease
// (src/locks/redlock.ts) that the holder extends while it polls; a holder that dies lets it
// lapse and another replica takes over within a lease length. If Redis itself is away the
// replicas poll without it — the 409s and the intake's dedupe keep that safe, only noisier.
import type { Redis } from 'ioredis';
import { ExecutionError, type Lock, Redlock, ResourceLockedError } from '../../src/locks/redlock.ts';

export type LeaseState = 'held' | 'elsewhere' | 'unavailable';

export interface PollerLease {
  acquire(): Promise<LeaseState>;
  /** Keeps the lease for another lease length; false once it is lost. */
  extend(): Promise<boolean>;
  release(): Promise<void>;
}

/** One process, no Redis: it is the only poller. */
export class LocalPollerLease implements PollerLease {
  async acquire(): Promise<LeaseState> {
    return 'held';
  }
  async extend(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
}

async function lockedElsewhere(err: unknown): Promise<boolean> {
  if (!(err instanceof ExecutionError)) return false;
  const stats = await Promise.all(err.attempts);
  return stats.some((s) => [...s.votesAgainst.values()].some((e) => e instanceof ResourceLockedError));
}

export class RedisPollerLease implements PollerLease {
  private readonly redlock: InstanceType<typeof Redlock>;
  private readonly resource: string;
  private lock: Lock | undefined;

  constructor(
    redis: Redis,
    namespace: string,
    botId: string,
    private readonly leaseMs: number,
  ) {
    // retryCount 0: the caller decides when to try again.
    this.redlock = new Redlock([redis], { retryCount: 0, driftFactor: 0.01 });
    this.redlock.on('error', () => {});
    this.resource = `${namespace}:lock:telegram-poller:${botId}`;
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
