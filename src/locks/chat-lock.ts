// One worker at a time per chat. In-process, a set of held keys serializes the chats of this
// process; with Redis, a redlock lease (auto-extended while the holder works) extends that to
// every replica. Losing the lease (Redis down, a stalled process) costs speed, not
// correctness: each turn commits only if its inbox row is still unprocessed and the
// conversation still has the version it was computed from.
import { lockedElsewhere, singleAttemptRedlock } from './lease.ts';
import type { Lock, Redlock } from './redlock.ts';
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

// Long enough to survive a GC pause, short enough that a crashed holder's chats are picked
// up by another worker within seconds (the sweeper re-kicks every few seconds).
const LEASE_MS = 10_000;
const EXTEND_EVERY_MS = 3_000;

export class RedisChatLock implements ChatLock {
  private readonly local = new InProcessChatLock();
  private readonly redlock: InstanceType<typeof Redlock>;

  constructor(
    redis: Redis,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {
    // A busy chat is someone else's job right now, not worth waiting for.
    this.redlock = singleAttemptRedlock(redis);
  }

  tryWithLock<T>(key: string, fn: () => Promise<T>): Promise<LockResult<T>> {
    return this.local.tryWithLock(key, async () => {
      let lock: Lock | undefined;
      try {
        lock = await this.redlock.acquire([`${this.namespace}:lock:chat:${key}`], LEASE_MS);
      } catch (err) {
        if (await lockedElsewhere(err)) return { ran: false } as const;
        this.logger.debug({ event: 'lock_degraded', err: { message: (err as Error).message } }, 'redis lock unavailable; relying on database guards');
      }
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const extend = () => {
        timer = setTimeout(async () => {
          try {
            lock = await lock!.extend(LEASE_MS);
            if (!done) extend();
          } catch {
            // Lost the lease: keep going, the conditional commit protects the data.
          }
        }, EXTEND_EVERY_MS);
      };
      if (lock) extend();
      try {
        return { ran: true, value: await fn() } as const;
      } finally {
        done = true;
        clearTimeout(timer);
        await lock?.release().catch(() => {});
      }
    }).then((r) => (r.ran ? r.value : r));
  }
}
