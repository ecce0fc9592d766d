// A named single-holder lease in Redis: the primitive behind the WhatsApp socket lease, the
// Telegram poller lease and the retention job's lease. It never waits — the caller decides
// when to try again — and tells "someone else holds it" apart from "Redis cannot be asked",
// since callers treat those differently.
//
// One Redis instance, so the plain pattern (https://redis.io/docs/latest/commands/set/): the
// key is taken with SET NX PX under a random token, and renewed or released only by a script
// that first checks the token is still ours — a holder whose lease ran out can never extend or
// delete its successor's.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export type LeaseState = 'held' | 'elsewhere' | 'unavailable';

const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

type LeaseRedis = Redis & {
  atendeLeaseExtend(key: string, token: string, ms: number): Promise<number>;
  atendeLeaseRelease(key: string, token: string): Promise<number>;
};

export class RedisLease {
  private readonly redis: LeaseRedis;
  private token: string | undefined;

  constructor(
    redis: Redis,
    private readonly resource: string,
    private readonly leaseMs: number,
  ) {
    // defineCommand is idempotent per connection: EVALSHA with a fallback to EVAL.
    redis.defineCommand('atendeLeaseExtend', { numberOfKeys: 1, lua: EXTEND });
    redis.defineCommand('atendeLeaseRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as LeaseRedis;
  }

  held(): boolean {
    return this.token !== undefined;
  }

  async acquire(): Promise<LeaseState> {
    const token = randomBytes(12).toString('base64url');
    try {
      const ok = await this.redis.set(this.resource, token, 'PX', this.leaseMs, 'NX');
      this.token = ok === 'OK' ? token : undefined;
      return ok === 'OK' ? 'held' : 'elsewhere';
    } catch {
      this.token = undefined;
      return 'unavailable';
    }
  }

  /** Keeps the lease for another lease length; false once it is lost (expired, taken, or Redis down). */
  async extend(): Promise<boolean> {
    if (!this.token) return false;
    try {
      if ((await this.redis.atendeLeaseExtend(this.resource, this.token, this.leaseMs)) === 1) return true;
    } catch {
      // Redis cannot be asked: the lease may run out meanwhile, so it counts as lost.
    }
    this.token = undefined;
    return false;
  }

  async release(): Promise<void> {
    const token = this.token;
    this.token = undefined;
    if (token) await this.redis.atendeLeaseRelease(this.resource, token).catch(() => {});
  }
}
