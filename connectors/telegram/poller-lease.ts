// With REDIS_URL, replicas share one bot, and Telegram answers a second concurrent
// getUpdates with 409 Conflict: only the holder of this lease polls. It is a Redis lease
// (src/locks/lease.ts) that the holder extends while it polls; a holder that dies lets it
// lapse and another replica takes over within a lease length. If Redis itself is away the
// replicas poll without it — the 409s and the intake's dedupe keep that safe, only noisier.
import type { Redis } from 'ioredis';
import { type LeaseState, RedisLease } from '../../src/locks/lease.ts';

export type { LeaseState };

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

/** One lease per bot across the replicas. */
export class RedisPollerLease extends RedisLease implements PollerLease {
  constructor(redis: Redis, namespace: string, botId: string, leaseMs: number) {
    super(redis, `${namespace}:lock:telegram-poller:${botId}`, leaseMs);
  }
}
