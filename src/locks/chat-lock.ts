// One worker at a time per chat. In-process, a set of held keys serializes the chats of this
// process; with Redis, a short lease renewed by a heartbeat while the holder works extends that
// to every replica, and a lease that ran out unreleased (its holder died) is found by the
// survivors within a lease (reapAbandoned). Losing the lease (Redis down, a stalled process)
// costs speed, not correctness: each turn commits only if its inbox row is still unprocessed and the
// conversation still has the version it was computed from.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

export type LockResult<T> = { ran: true; value: T } | { ran: false };

export interface ChatLock {
  /** Runs `fn` holding the lock of `key`, or returns `{ ran: false }` at once if another
   * worker holds it (that holder re-checks for new work after releasing). */
  tryWithLock<T>(key: string, fn: () => Promise<T>): Promise<LockResult<T>>;
}

export class InProcessChatLock implements ChatLock {
  private readonly held = new Set<string>();

  async tryWithLock<T>(key: string, fn: () => Promise<T>): Promise<LockResult<T>> {
    if (this.held.has(key)) return { ran: false };
    this.held.add(key);
    try {
      return { ran: true, value: await fn() };
    } finally {
      this.held.delete(key);
    }
  }
}

/** How long a chat lease lasts unrenewed, and how often its holder renews it. */
export interface ChatLeaseTiming {
  leaseMs: number;
  heartbeatMs: number;
}

// A dead worker's chats must reach another worker within ~3 s (issue 17): the lease is short
// and renewed by a heartbeat while the turn runs, so only a holder that stopped beating (killed,
// or its event loop stalled for a whole lease) loses it. Three beats per lease: one late or
// lost beat (the commands connection times out after 1 s) does not drop a live holder.
export const CHAT_LEASE: ChatLeaseTiming = { leaseMs: 2_500, heartbeatMs: 800 };

// Lock values are this holder's token; the lease set (a sorted set of chat keys scored by
// when their lease ends, on Redis's clock) is what lets the survivors find a dead holder's
// chats without waiting for the database sweep.
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[2]), ARGV[3])
  return 1
end
return 0`;
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000) + tonumber(ARGV[2]), ARGV[3])
  return 1
end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;
// Chats whose lease ended without a release: their holder died. Taken out of the set in the
// same script, so of all the workers looking, exactly one reports each chat. A chat whose lock
// exists again (someone else took it meanwhile) keeps its entry: that holder's beats update it.
const REAP = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, chat in ipairs(due) do
  if redis.call('EXISTS', ARGV[1] .. chat) == 0 then
    redis.call('ZREM', KEYS[1], chat)
    table.insert(out, chat)
  end
end
return out`;

type LeaseCommand = 'atendeChatLeaseAcquire' | 'atendeChatLeaseExtend' | 'atendeChatLeaseRelease' | 'atendeChatLeaseReap';
type LeaseRedis = Redis & { [K in LeaseCommand]: (...args: (string | number)[]) => Promise<unknown> };

const REAP_BATCH = 100;

export class RedisChatLock implements ChatLock {
  private readonly local = new InProcessChatLock();
  private readonly redis: LeaseRedis;
  private readonly leases: string;
  private readonly prefix: string;

  constructor(
    redis: Redis,
    namespace: string,
    private readonly logger: Logger,
    private readonly timing: ChatLeaseTiming = CHAT_LEASE,
  ) {
    // defineCommand is idempotent per connection: EVALSHA with a fallback to EVAL.
    redis.defineCommand('atendeChatLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('atendeChatLeaseExtend', { numberOfKeys: 2, lua: EXTEND });
    redis.defineCommand('atendeChatLeaseRelease', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('atendeChatLeaseReap', { numberOfKeys: 1, lua: REAP });
    this.redis = redis as LeaseRedis;
    this.prefix = `${namespace}:lock:chat:`;
    this.leases = `${namespace}:chat-leases`;
  }

  tryWithLock<T>(key: string, fn: () => Promise<T>): Promise<LockResult<T>> {
    return this.local.tryWithLock(key, async () => {
      const lockKey = this.prefix + key;
      const token = randomBytes(12).toString('base64url');
      let held = false;
      try {
        if ((await this.redis.atendeChatLeaseAcquire(lockKey, this.leases, token, this.timing.leaseMs, key)) !== 1) return { ran: false } as const;
        held = true;
      } catch (err) {
        // Redis away: a speed-up is missing, not a guard (see the top of this file).
        this.logger.debug({ event: 'lock_degraded', err: { message: (err as Error).message } }, 'redis lock unavailable; relying on database guards');
      }
      const heartbeat = held
        ? setInterval(() => {
            this.redis.atendeChatLeaseExtend(lockKey, this.leases, token, this.timing.leaseMs, key).then(
              (kept) => {
                // Lost the lease (stalled past it): keep going, the conditional commit protects the data.
                if (kept !== 1) clearInterval(heartbeat);
              },
              () => {},
            );
          }, this.timing.heartbeatMs)
        : undefined;
      try {
        return { ran: true, value: await fn() } as const;
      } finally {
        clearInterval(heartbeat);
        // Released at once on a clean exit, so the chat's next message waits for nobody.
        if (held) await this.redis.atendeChatLeaseRelease(lockKey, this.leases, token, key).catch(() => {});
      }
    }).then((r) => (r.ran ? r.value : r));
  }

  /**
   * Chats whose holder died (its lease ran out unreleased), each reported to one caller only.
   * The caller tells the workers (a kick): that is how a dead worker's chat is picked up within
   * a lease plus one look, instead of the database sweep's much longer round.
   */
  async reapAbandoned(): Promise<string[]> {
    return (await this.redis.atendeChatLeaseReap(this.leases, this.prefix, REAP_BATCH)) as string[];
  }
}
