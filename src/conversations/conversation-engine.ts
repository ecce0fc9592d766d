// Wires the message pipeline for the composition root: intake (API side) and, when this
// process runs workers (ROLE=all|worker), the kick consumer, the chat scheduler, the runner,
// the outbound sender and the sweeper. Redis, when configured, carries dedupe marks, kicks
// and locks across replicas; without it everything stays in this process.
import { conversationMachine } from '../../fsm/machine.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { Intake } from '../../connectors/types.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config/env.ts';
import type { ContactService } from '../contacts/contact-service.ts';
import type { Database } from '../db/database.ts';
import { llmPolicyOptions, worstCaseMs } from '../extraction/llm-policy.ts';
import type { Extractor } from '../extraction/mcp-extractor.ts';
import type { VoiceNotes } from '../voice/voice-notes.ts';
import { withVoiceNotes } from '../voice/voice-intake.ts';
import type { HealthCheck } from '../http/health-routes.ts';
import { InboxRepository } from '../intake/inbox-repository.ts';
import { IntakePipeline } from '../intake/intake-pipeline.ts';
import { type ChatLock, InProcessChatLock, RedisChatLock } from '../locks/chat-lock.ts';
import { LeaseReaper } from '../locks/lease-reaper.ts';
import type { RedisClients } from '../locks/redis.ts';
import type { Logger } from '../observability/logger.ts';
import { DeliveryStatusRecorder } from '../outbound/delivery-status.ts';
import { OutboundRepository } from '../outbound/outbound-repository.ts';
import { OutboundSender, type StaffMessageStatus } from '../outbound/outbound-sender.ts';
import { UserRepository } from '../users/user-repository.ts';
import type { Registry } from 'prom-client';
import { botServices } from './bot-actors.ts';
import type { ConversationMachine } from '../../fsm/machine.ts';
import type { UpdateRequestService } from '../contacts/update-requests.ts';
import { ChatScheduler } from './chat-scheduler.ts';
import { ConversationAdmin } from './conversation-admin.ts';
import { createSubjectEraser } from './conversation-eraser.ts';
import { conversationRoutes } from './conversation-routes.ts';
import { ConversationRunner } from './conversation-runner.ts';
import { ConversationStore } from './conversation-store.ts';
import type { SqlClient } from '../db/sql.ts';
import { extractThrough } from './extract-adapter.ts';
import { type KickQueue, LocalKickQueue, RedisKickQueue } from './kick-queue.ts';
import { MachineHost } from './machine-host.ts';
import { ModeResolver } from './mode-resolver.ts';
import { createPipelineMetrics } from './pipeline-metrics.ts';
import { Sweeper } from './sweeper.ts';
import { ConversationRetention } from '../privacy/conversation-retention.ts';
import { RetentionJob } from '../privacy/retention-job.ts';
import { conversationHistoryOf } from '../privacy/conversation-history.ts';
import { RedisLease } from '../locks/lease.ts';
import { TurnProcessor, type TurnObserver } from './turn-processor.ts';
import { TurnPresenceHub } from './turn-presence.ts';

/** The conversation runtime's repositories, built by the composition root (the handoff inbox works on the same rows). */
export interface ConversationRepositories {
  conversations: ConversationStore;
  inbox: InboxRepository;
  outbound: OutboundRepository;
  users: UserRepository;
}

export function createConversationRepositories(db: Database, options: { keepRaw: boolean }): ConversationRepositories {
  return {
    conversations: new ConversationStore(db),
    inbox: new InboxRepository(db, options.keepRaw),
    outbound: new OutboundRepository(db),
    users: new UserRepository(db.prisma, db),
  };
}

export interface ConversationEngineDeps {
  repositories: ConversationRepositories;
  config: Config;
  db: Database;
  /** The hot path's direct SQL (owned, and closed, by the caller). */
  sql: SqlClient;
  logger: Logger;
  registry: Registry;
  audit: AuditLog;
  contacts: ContactService;
  updateRequests: UpdateRequestService;
  connectors: ConnectorRegistry;
  /** The conversation machine (fsm/ by default; the runtime's tests use a smaller one). */
  machine?: ConversationMachine;
  redis?: RedisClients;
  /** The MCP extraction client; without one the bot asks field by field. */
  extractor?: Extractor;
  /** The handoff inbox's view of turns (live events, out-of-hours notice). */
  observer?: TurnObserver;
  /** Delivery of staff-written messages (sent, delivered, read, failed), for the console. */
  onStaffStatus?: (update: StaffMessageStatus) => void;
  /** Voice notes → text before they are stored (src/voice); without it they stay textless. */
  voice?: VoiceNotes;
}

// Chats one process works on at once: most of a turn is waiting (LLM, database), not CPU.
const WORKER_CONCURRENCY = 32;
// A turn may wait for extraction's worst case (every LLM retry) and then a save.
const SAVE_MARGIN_MS = 30_000;

export function createConversationEngine(deps: ConversationEngineDeps) {
  const { config, db, logger, redis } = deps;
  const runsWorkers = config.ROLE !== 'api';
  const pipelineSql = deps.sql;
  const { conversations: store, inbox, outbound } = deps.repositories;
  const metrics = createPipelineMetrics(deps.registry, () => inbox.countPending());
  const kicks: KickQueue = redis ? new RedisKickQueue(redis.namespace, redis.commands, redis.blocking, logger) : new LocalKickQueue(logger);
  const intake: Intake = new IntakePipeline({
    inbox,
    kicks,
    metrics,
    logger,
  });
  deps.contacts.onErase(createSubjectEraser(deps.connectors, deps.repositories));
  deps.contacts.onExport((contact) => conversationHistoryOf({ db: pipelineSql, conversations: store, inbox, outbound }, contact));

  const redisLock = redis ? new RedisChatLock(redis.commands, redis.namespace, logger) : undefined;
  const lock: ChatLock = redisLock ?? new InProcessChatLock();
  // Embedded, a chat's lock dies with the only process: nothing to reap.
  const reaper = redisLock ? new LeaseReaper({ reap: () => redisLock.reapAbandoned(), kick: (chats) => kicks.kick(chats.map((chat) => ({ chat }))), logger }) : undefined;
  const sender = new OutboundSender({ outbound, connectors: deps.connectors, metrics, logger, ...(deps.onStaffStatus ? { onStaffStatus: deps.onStaffStatus } : {}) });
  const host = new MachineHost(
    deps.machine ?? conversationMachine,
    botServices({ contacts: deps.contacts, updateRequests: deps.updateRequests, extract: extractThrough(deps.extractor), metrics }),
    worstCaseMs(llmPolicyOptions(config)) + SAVE_MARGIN_MS,
  );
  const retention = new ConversationRetention({ prisma: db.prisma, tables: deps.repositories, connectors: deps.connectors, retentionDays: config.CONVERSATION_RETENTION_DAYS });
  // One pass at a time across replicas; the lease outlasts a pass by far, and should one
  // overrun it the passes still cannot collide (rows are taken FOR UPDATE SKIP LOCKED).
  const retentionJob = new RetentionJob({ retention, logger, ...(redis ? { lease: new RedisLease(redis.commands, `${redis.namespace}:lock:retention`, 15 * 60_000) } : {}) });
  const turns = new TurnProcessor({
    store,
    inbox,
    host,
    modes: new ModeResolver(deps.repositories.users),
    metrics,
    timeoutMin: config.CONVERSATION_TIMEOUT_MIN,
    forgetClosed: (id, at) =>
      retention.forgetClosed(id, at).catch((err: Error) => {
        logger.warn({ event: 'forget_on_close_failed', err: { message: err.message } }, 'texts of a declined/cancelled conversation not dropped yet; the retention job will');
      }),
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
  const runner = new ConversationRunner({
    store,
    inbox,
    lock,
    sender,
    turns,
    logger,
    burstWindowMs: config.BURST_WINDOW_MS,
    presence: new TurnPresenceHub(deps.connectors, deps.registry, logger),
    // One process taking its own messages, kicks in memory: nothing can slip past a drain.
    lookAgainAfterDrain: !!redis || config.ROLE !== 'all',
  });
  const scheduler = new ChatScheduler((key, upTo) => runner.drain(key, upTo), WORKER_CONCURRENCY, (err) =>
    logger.error({ event: 'drain_failed', err }, 'a chat could not be processed; the sweeper will retry'),
  );
  const schedule = (key: string) => void scheduler.schedule({ chat: key });
  const sweeper = new Sweeper({ inbox, sender, schedule, logger, timeoutMin: config.CONVERSATION_TIMEOUT_MIN });
  const admin = new ConversationAdmin({ store, inbox, outbound, users: deps.repositories.users, audit: deps.audit, kick: (kick) => kicks.kick([kick]) });

  const healthChecks: HealthCheck[] = redis
    ? [{ name: 'redis', check: async () => (redis.ready() ? { status: 'up' } : { status: 'degraded', detail: 'unreachable: dedupe, locks and kicks fall back to the database' }) }]
    : [];

  return {
    intake,
    runsWorkers,
    /** Texts of closed conversations: dropped at close (declined/cancelled), purged after retention. */
    retention,
    /** The periodic retention pass (workers only); `runOnce(now)` runs one now. */
    retentionJob,
    healthChecks,
    /** Conversations as staff see them (the handoff inbox builds on it). */
    admin,
    repositories: deps.repositories,
    /** Wakes a worker for a chat (e.g. a staff message was queued in its outbox). */
    kick: (chatKey: string) => kicks.kick([{ chat: chatKey }]),
    /** Admin routes: GET /conversations, GET /conversations/:id, POST /conversations/:id/resume. */
    routes: async (app: Parameters<typeof conversationRoutes>[0]) => app.register(conversationRoutes, { admin }),
    async start() {
      if (config.ROLE !== 'all' && !redis) {
        logger.warn({ event: 'role_without_redis', role: config.ROLE }, 'ROLE is split without REDIS_URL: kicks stay in this process, so workers elsewhere find new messages only through their sweeper (every few seconds)');
      }
      await deps.connectors.startAll({ intake: deps.voice ? withVoiceNotes(intake, deps.connectors, deps.voice) : intake, deliveryStatus: new DeliveryStatusRecorder(outbound, deps.onStaffStatus), logger, runsWorkers });
      if (!runsWorkers) return;
      kicks.consume({ handle: (kick) => scheduler.schedule(kick), freeSlots: () => scheduler.freeSlots(), whenFree: () => scheduler.whenFree() });
      sweeper.start();
      retentionJob.start();
      reaper?.start();
    },
    /** Resolves when this process has no chat work running (tests, shutdown). */
    whenIdle: () => scheduler.whenIdle(),
    async close() {
      await sweeper.stop();
      await retentionJob.stop();
      await reaper?.stop();
      await kicks.close();
      // A burst still gathering is not started now: its rows stay pending for the next worker.
      scheduler.cancelDeferred();
      // In-flight turns finish (bounded): an unfinished one is redone by another worker.
      await Promise.race([scheduler.whenIdle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      host.clear();
      await deps.connectors.stopAll();
    },
  };
}

export type ConversationEngine = ReturnType<typeof createConversationEngine>;
