// Contact sync, wired for the composition root: every contact created or changed (REST, MCP
// tools, the bot — all through ContactService) is pushed to SYNC_WEBHOOK_URL through the
// contact_sync_events outbox. Disabled (nothing queued, contacts stay 'disabled') when the
// URL is unset. The worker runs only where workers run (ROLE=all|worker).
import type { AuditContext, AuditLog } from '../audit/audit-log.ts';
import type { Registry } from 'prom-client';
import type { Config } from '../config/env.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import { ContactRepository } from '../contacts/contact-repository.ts';
import type { ConversationStore } from '../conversations/conversation-store.ts';
import type { Database } from '../db/database.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import { createSyncMetrics } from './sync-metrics.ts';
import { type SyncTiming, syncOptionsFrom } from './sync-options.ts';
import { SyncOutbox } from './sync-outbox.ts';
import { syncRoutes } from './sync-routes.ts';
import { SyncWorker } from './sync-worker.ts';

export interface ContactSyncDeps {
  config: Config;
  db: Database;
  /** The handoff notice reads its conversation. */
  conversations: ConversationStore;
  contacts: ContactService;
  /** A hand-requested push sends personal data out: it is audited like an export. */
  audit: AuditLog;
  registry: Registry;
  logger: Logger;
  /** Backoff/polling overrides (tests use short ones). */
  timing?: Partial<SyncTiming>;
}

export interface ContactSync {
  enabled: boolean;
  routes: (app: Parameters<typeof syncRoutes>[0]) => Promise<void>;
  start(): void;
  /** Queues the `conversation.handoff` webhook (nothing when sync is off). */
  handoffOpened(info: { conversationId: string; handoffAt: Date }): Promise<void>;
  /** Resolves when the worker has no round running. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

export function createContactSync(deps: ContactSyncDeps): ContactSync {
  const options = syncOptionsFrom(deps.config, deps.timing);
  const outbox = new SyncOutbox(deps.db);
  const contactRows = new ContactRepository(deps.db.prisma, deps.db);
  // Erasure removes queued events even when sync is (now) disabled: they name the contact.
  // With sync on, the receiver is told to erase its copy too (LGPD: the right to erasure
  // reaches the systems the data was passed on to), by a notice carrying only the id.
  deps.contacts.onErase(async (contact, tx) => {
    await outbox.replaceWithDeletion(tx, contact.id, Boolean(options));
  });
  if (!options) {
    return { enabled: false, routes: async (app) => void (await app.register(syncRoutes, {})), handoffOpened: async () => {}, start() {}, whenIdle: async () => {}, close: async () => {} };
  }

  const metrics = createSyncMetrics(deps.registry, () => outbox.countBacklog());
  const worker = deps.config.ROLE !== 'api' ? new SyncWorker({ conversations: deps.conversations, contacts: contactRows, outbox, options, metrics, logger: deps.logger }) : undefined;
  deps.contacts.onWrite({
    onCreate: () => ({ syncStatus: 'pending', syncEvent: true }),
    async inTransaction(row, event, tx) {
      await outbox.enqueue(tx, row.id, event);
      return { ...row, syncStatus: 'pending' };
    },
    afterCommit: () => worker?.kick(),
  });

  const requestSync = async (contactId: string, ctx: AuditContext) => {
    const deliveryId = await contactRows.transaction(async (tx) => {
      const exists = await contactRows.findById(contactId, tx);
      if (!exists) throw new NotFoundError('contact', contactId);
      const id = await outbox.enqueue(tx, contactId, 'updated');
      await deps.audit.record(ctx, { action: 'contact.sync', entityType: 'contact', entityId: contactId, meta: { deliveryId: id } }, tx);
      return id;
    });
    worker?.kick();
    return { deliveryId };
  };

  return {
    enabled: true,
    routes: async (app) => void (await app.register(syncRoutes, { requestSync })),
    async handoffOpened({ conversationId, handoffAt }) {
      if (await outbox.enqueueHandoff(conversationId, handoffAt)) worker?.kick();
    },
    start: () => worker?.start(),
    whenIdle: async () => worker?.whenIdle(),
    close: async () => worker?.close(),
  };
}
