// Wires the handoff inbox for the composition root: the staff event log and its live signal
// (Redis pub/sub across replicas when configured), the turn observer the conversation engine
// calls, business hours, metrics, and — once the engine exists — the service and its routes.
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config/env.ts';
import type { ConversationAdmin } from '../conversations/conversation-admin.ts';
import type { ConversationRepositories } from '../conversations/conversation-engine.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { AccessTokenVerifier } from '../http/auth-guard.ts';
import type { RedisClients } from '../locks/redis.ts';
import type { Logger } from '../observability/logger.ts';
import { parseBusinessHours } from './business-hours.ts';
import { HandoffEvents } from './handoff-events.ts';
import { registerHandoffMetrics } from './handoff-metrics.ts';
import { HandoffObserver } from './handoff-observer.ts';
import { handoffRoutes } from './handoff-routes.ts';
import { HandoffService } from './handoff-service.ts';
import { StreamTickets } from './stream-tickets.ts';

export interface HandoffInboxDeps {
  config: Config;
  prisma: PrismaClient;
  repositories: ConversationRepositories;
  audit: AuditLog;
  logger: Logger;
  registry: Registry;
  redis?: RedisClients;
  onOpened?: (info: { conversationId: string; channel: string; handoffAt: Date }) => Promise<void>;
}

export function createHandoffInbox(deps: HandoffInboxDeps) {
  const { config, prisma, redis } = deps;
  const events = new HandoffEvents(prisma, deps.logger, redis ? { namespace: redis.namespace, publisher: redis.commands, subscriber: redis.subscriber } : undefined);
  // Checked at start-up by the config schema; parsed once here.
  const hours = config.HANDOFF_HOURS ? parseBusinessHours(config.HANDOFF_HOURS, config.HANDOFF_HOLIDAYS ?? '', config.HANDOFF_TIMEZONE) : undefined;
  const observer = new HandoffObserver({ conversations: deps.repositories.conversations, events, logger: deps.logger, ...(hours ? { hours } : {}), ...(deps.onOpened ? { onOpened: deps.onOpened } : {}) });
  const tickets = new StreamTickets(prisma, deps.repositories.users);
  registerHandoffMetrics(deps.registry, deps.repositories.conversations);

  return {
    events,
    observer,
    tickets,
    /** The API, once the conversation engine (admin, kicks) exists. */
    routes(engine: { admin: ConversationAdmin; kick: (chatKey: string) => Promise<void> }, verifier: AccessTokenVerifier) {
      const service = new HandoffService({ ...deps.repositories, audit: deps.audit, events, admin: engine.admin, kick: engine.kick });
      return async (app: Parameters<typeof handoffRoutes>[0]) => app.register(handoffRoutes, { service, events, tickets, verifier });
    },
    close: () => events.close(),
  };
}

export type HandoffInbox = ReturnType<typeof createHandoffInbox>;
