// Live events for staff (the handoff inbox): every event is first written to the durable,
// bounded `conversation_events` log — its id is the SSE `id:`, so a console reconnecting with
// Last-Event-ID to ANY replica reads what it missed — and then a wake-up signal goes to the
// open streams: in-process when embedded, Redis pub/sub to every replica with REDIS_URL. Only
// the signal travels; streams read the log, so a lost signal is caught by their poll.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../observability/logger.ts';

export type HandoffEventType =
  | 'handoff.opened'
  | 'handoff.claimed'
  | 'handoff.released'
  | 'handoff.resumed'
  | 'message.inbound'
  | 'message.staff'
  | 'message.status';

export interface HandoffEvent {
  id: string;
  type: HandoffEventType;
  data: Record<string, unknown> & { conversationId: string };
}

// The log is for reconnecting consoles, not history: a day covers any reconnect; older rows
// are pruned every PRUNE_EVERY events (one cheap indexed DELETE, not one per event).
const KEEP_MS = 24 * 3600_000;
const PRUNE_EVERY = 200;
const SIGNAL = 'event';

export class HandoffEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private subscribed = false;
  private published = 0;
  private readonly channel: string;
  private readonly onMessage = (channel: string) => {
    if (channel === this.channel) this.emitter.emit(SIGNAL);
  };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly redis?: { namespace: string; publisher: Redis; subscriber: Redis },
  ) {
    this.channel = `${redis?.namespace ?? 'atende'}:handoff:events`;
  }

  /** Records an event and wakes every stream. Never throws: an event is not worth failing the
   * action it reports (which has already committed). */
  async publish(type: HandoffEventType, data: HandoffEvent['data']): Promise<void> {
    try {
      await this.prisma.conversationEvent.create({ data: { conversationId: data.conversationId, type, data: data as Prisma.InputJsonObject }, select: { id: true } });
      if (++this.published % PRUNE_EVERY === 0) {
        await this.prisma.conversationEvent.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - KEEP_MS) } } });
      }
    } catch (err) {
      this.logger.warn({ event: 'handoff_event_lost', type, conversationId: data.conversationId, err: { message: (err as Error).message } }, 'a staff event could not be recorded');
      return;
    }
    await this.signal();
  }

  /** Events after `lastId`, oldest first. */
  async after(lastId: bigint, limit = 200): Promise<HandoffEvent[]> {
    const rows = await this.prisma.conversationEvent.findMany({ where: { id: { gt: lastId } }, orderBy: { id: 'asc' }, take: limit });
    return rows.map((r) => ({ id: String(r.id), type: r.type as HandoffEventType, data: r.data as HandoffEvent['data'] }));
  }

  /** The newest event id: a fresh stream (no Last-Event-ID) starts after it. */
  async lastId(): Promise<bigint> {
    const row = await this.prisma.conversationEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return row?.id ?? 0n;
  }

  subscribe(listener: () => void): () => void {
    if (this.redis && !this.subscribed) {
      this.subscribed = true;
      this.redis.subscriber.on('message', this.onMessage);
      this.redis.subscriber.subscribe(this.channel).catch(() => {
        this.subscribed = false;
        this.redis?.subscriber.off('message', this.onMessage);
      });
    }
    this.emitter.on(SIGNAL, listener);
    return () => this.emitter.off(SIGNAL, listener);
  }

  close() {
    this.redis?.subscriber.off('message', this.onMessage);
    this.emitter.removeAllListeners();
  }

  private async signal() {
    if (!this.redis) return void this.emitter.emit(SIGNAL);
    try {
      await this.redis.publisher.publish(this.channel, '1');
    } catch {
      // Redis away: this replica's streams hear it now, the others at their next poll.
      this.emitter.emit(SIGNAL);
    }
  }
}
