// With several replicas, only the lease holder knows the socket's state and QR, but the admin
// routes may be served by any replica (a load balancer picks one). The holder publishes both
// to a Redis key that expires unless refreshed, and the other replicas answer from it — so
// GET /channels/whatsapp/qr works wherever it lands, and a dead holder's state vanishes
// rather than being reported as current.
import type { Redis } from 'ioredis';
import type { WhatsappStatusView } from './routes.ts';

export interface SharedSnapshot {
  view: WhatsappStatusView;
  qr?: string;
}

export class SharedStatus {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async publish(snapshot: SharedSnapshot): Promise<void> {
    await this.redis.set(this.key, JSON.stringify(snapshot), 'PX', this.ttlMs).catch(() => {});
  }

  async read(): Promise<SharedSnapshot | undefined> {
    try {
      const text = await this.redis.get(this.key);
      return text ? (JSON.parse(text) as SharedSnapshot) : undefined;
    } catch {
      return undefined;
    }
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key).catch(() => {});
  }
}
