// Delivers queued contact sync events. Runs only in processes that run workers (ROLE=all or
// worker). Woken right after a local commit, and every pollIntervalMs for writes made by
// other replicas. Delivery is at least once: an event is marked sent only after the receiver
// answered 2xx, in the same transaction that records it, so after a crash between the two
// the event is sent again with the same X-Atende-Delivery id — receivers dedupe on it.
import type { ContactRepository } from '../contacts/contact-repository.ts';
import type { ConversationStore } from '../conversations/conversation-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { ClaimedEvent, Settlement, SyncOutbox } from './sync-outbox.ts';
import { backoffDelayMs, type SyncOptions } from './sync-options.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { deletionPayload, eventHeader, handoffPayload, syncPayload } from './sync-payload.ts';
import { postWebhook } from './webhook-client.ts';

export interface SyncWorkerDeps {
  conversations: Pick<ConversationStore, 'find'>;
  contacts: Pick<ContactRepository, 'findById'>;
  outbox: SyncOutbox;
  options: SyncOptions;
  metrics: SyncMetrics;
  logger: Logger;
}

export class SyncWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: SyncWorkerDeps) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.deps.options.pollIntervalMs).unref();
    this.kick();
  }

  /** Looks for due events now (after a commit, or on the poll timer). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.deps.logger.warn({ event: 'sync_drain_failed', err }, 'contact sync could not read its queue; retrying on the next poll'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no round is running (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops claiming; an attempt in flight finishes (bounded by the HTTP timeout) and is recorded. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.whenIdle();
  }

  private async drain() {
    const { outbox, options } = this.deps;
    while (!this.stopped) {
      const claimed = await outbox.claim(options.batchSize, options.claimTimeoutMs);
      if (!claimed.length) return;
      // Events of one contact (or conversation) go one after another; different ones in parallel.
      const byContact = new Map<string, ClaimedEvent[]>();
      for (const e of claimed) {
        const key = e.contactId ?? `conversation:${e.conversationId}`;
        byContact.set(key, [...(byContact.get(key) ?? []), e]);
      }
      await Promise.all([...byContact.values()].map(async (events) => {
        for (const e of events) await this.deliver(e);
      }));
    }
  }

  private async deliver(event: ClaimedEvent) {
    const { outbox, options, logger } = this.deps;
    const log = { event: 'contact_sync', deliveryId: event.id, ...(event.contactId ? { contactId: event.contactId } : { conversationId: event.conversationId }), attempt: event.attempts };
    if (event.attempts > options.maxAttempts) {
      // Its last attempt was cut short by a worker that died; the budget is spent.
      await this.record(event, { kind: 'failed', error: `gave up after ${options.maxAttempts} attempts` });
      return;
    }
    const delivery = { deliveryId: event.id, event: event.event, attempt: event.attempts, queuedAt: event.createdAt };
    let body: string;
    if (event.event === 'deleted') body = JSON.stringify(deletionPayload(delivery, event.contactId!));
    else if (event.event === 'handoff') {
      const c = await this.deps.conversations.find(event.conversationId!);
      // Erased since (LGPD): nothing left to tell.
      if (!c) {
        await outbox.discard(event);
        return;
      }
      body = JSON.stringify(handoffPayload(delivery, { ...c, handoffAt: c.handoffAt ?? event.createdAt }));
    } else {
      const contact = await this.deps.contacts.findById(event.contactId!);
      if (!contact) {
        await outbox.discard(event);
        return;
      }
      body = JSON.stringify(syncPayload(delivery, contact));
    }
    const outcome = await postWebhook({ url: options.url, secret: options.secret, timeoutMs: options.timeoutMs, body, event: eventHeader(event.event), deliveryId: event.id });
    if (outcome.kind === 'sent') {
      await this.record(event, outcome);
      logger.info({ ...log, outcome: 'sent' }, 'contact synced');
    } else if (outcome.kind === 'retry' && event.attempts < options.maxAttempts) {
      const delayMs = Math.min(options.backoffMaxMs, Math.max(backoffDelayMs(event.attempts, options), outcome.retryAfterMs ?? 0));
      await this.record(event, { kind: 'retry', error: outcome.error, delayMs });
      logger.warn({ ...log, outcome: 'retry', error: outcome.error, retryInMs: delayMs }, 'contact sync failed; will retry');
    } else {
      const error = outcome.kind === 'retry' ? `${outcome.error} (gave up after ${event.attempts} attempts)` : outcome.error;
      await this.record(event, { kind: 'failed', error });
      logger.error({ ...log, outcome: 'failed', error }, 'contact sync failed for good; POST /contacts/:id/sync retries it');
    }
  }

  private async record(event: ClaimedEvent, settlement: Settlement) {
    await this.deps.outbox.settle(event, { ...settlement, ...(settlement.kind !== 'sent' ? { error: settlement.error.slice(0, 500) } : {}) } as Settlement);
    this.deps.metrics.attempts.inc({ outcome: settlement.kind });
  }
}
