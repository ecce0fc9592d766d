// Who may hold the WhatsApp socket. One login must have one live socket: two sockets of the
// same session kick each other off (WhatsApp closes the older one with 440 "replaced") and
// race on the Signal keys. With Redis, a lease (src/locks/lease.ts) names the holder; the holder extends it
// while alive, the others try to take it every few seconds, so a dead holder is replaced
// within about one lease period. Without Redis there is one process: it always holds it.
import type { Redis } from 'ioredis';
import { RedisLease as Lease } from '../../src/locks/lease.ts';
import type { Logger } from '../../src/observability/logger.ts';

export interface LeaseHandlers {
  /** This process now holds the socket lease: connect. */
  onAcquired(): void;
  /** The lease was lost (Redis away, a stall past its expiry): disconnect at once. */
  onLost(): void;
}

export interface SocketLease {
  start(handlers: LeaseHandlers): void;
  /** Stops trying and releases the lease if held. */
  stop(): Promise<void>;
  held(): boolean;
}

export class LocalLease implements SocketLease {
  private holding = false;
  start(handlers: LeaseHandlers) {
    this.holding = true;
    handlers.onAcquired();
  }
  async stop() {
    this.holding = false;
  }
  held() {
    return this.holding;
  }
}

export interface RedisLeaseOptions {
  /** How long the lease lives without extension; a dead holder is replaced after it. */
  leaseMs: number;
  /** How often the holder extends it (well under leaseMs). */
  extendEveryMs: number;
  /** How often a standby replica tries to take it. */
  retryMs: number;
}

// 30 s survives a long GC pause or a slow Redis round trip; a standby notices a dead holder
// within 30 s + 5 s — an acceptable gap for a chat bot (WhatsApp queues messages meanwhile).
export const DEFAULT_LEASE: RedisLeaseOptions = { leaseMs: 30_000, extendEveryMs: 10_000, retryMs: 5_000 };

export class RedisLease implements SocketLease {
  private readonly lease: Lease;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    redis: Redis,
    key: string,
    private readonly logger: Logger,
    private readonly options: RedisLeaseOptions = DEFAULT_LEASE,
  ) {
    // Tries once each time: our own loop retries, at its own pace.
    this.lease = new Lease(redis, key, options.leaseMs);
  }

  start(handlers: LeaseHandlers) {
    this.stopped = false;
    void this.tryAcquire(handlers);
  }

  held() {
    return this.lease.held();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.lease.release();
  }

  private schedule(fn: () => Promise<void>, ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => void fn(), ms);
    this.timer.unref();
  }

  private async tryAcquire(handlers: LeaseHandlers) {
    if (this.stopped) return;
    if ((await this.lease.acquire()) !== 'held') {
      // Held elsewhere, or Redis unreachable: either way not ours yet.
      this.schedule(() => this.tryAcquire(handlers), this.options.retryMs);
      return;
    }
    if (this.stopped) {
      await this.lease.release();
      return;
    }
    this.logger.info({ event: 'whatsapp_lease_acquired' }, 'this replica holds the WhatsApp socket');
    handlers.onAcquired();
    this.schedule(() => this.extend(handlers), this.options.extendEveryMs);
  }

  private async extend(handlers: LeaseHandlers) {
    if (this.stopped || !this.lease.held()) return;
    if (await this.lease.extend()) {
      this.schedule(() => this.extend(handlers), this.options.extendEveryMs);
      return;
    }
    if (this.stopped) return;
    this.logger.warn({ event: 'whatsapp_lease_lost' }, 'lost the WhatsApp socket lease; disconnecting');
    handlers.onLost();
    this.schedule(() => this.tryAcquire(handlers), this.options.retryMs);
  }
}
