// The composition root: the whole object graph is built here, by hand, in dependency order.
// Nothing connects at import time, so a test can build as many apps as it likes, each with
// its own database and port.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createVoiceNotes } from './voice/voice-notes.ts';
import type { DestinationStream } from 'pino';
import { type ConnectorDeps, createConnectorRegistry } from '../connectors/index.ts';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { AuditLog } from './audit/audit-log.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { bootstrapAdmin } from './auth/bootstrap-admin.ts';
import { resolveJwtSecret } from './auth/jwt-secret.ts';
import { createPasswordPolicy } from './auth/password-strength.ts';
import { TokenService } from './auth/token-service.ts';
import { apiDocsEnabled, type Config } from './config/env.ts';
import { contactRoutes } from './contacts/contact-routes.ts';
import { updateRequestRoutes } from './contacts/update-request-routes.ts';
import { UpdateRequestService } from './contacts/update-requests.ts';
import { ContactService } from './contacts/contact-service.ts';
import { exportRoutes } from './contacts/export-routes.ts';
import { ContactExporter } from './contacts/export/contact-exporter.ts';
import { createConversationEngine, createConversationRepositories, type ConversationEngine } from './conversations/conversation-engine.ts';
import { secureDataDir } from './db/data-dir-modes.ts';
import { type Database, openDatabase, pgliteDir } from './db/database.ts';
import { createHandoffInbox, type HandoffInbox } from './handoff/handoff-inbox.ts';
import { createExtractionStack } from './extraction/extraction-stack.ts';
import type { Extractor } from './extraction/mcp-extractor.ts';
import { channelHealthChecks } from './http/channel-health.ts';
import { healthRoutes, type HealthCheck } from './http/health-routes.ts';
import { metricsRoutes } from './http/metrics-routes.ts';
import { createHttpServer, type HttpServer } from './http/server.ts';
import { webPages } from './http/web-pages.ts';
import { connectRedis, type RedisClients, redisNamespace } from './locks/redis.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { type ContactSync, createContactSync } from './sync/contact-sync.ts';
import type { SyncTiming } from './sync/sync-options.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { userRoutes } from './users/user-routes.ts';

/** The built pages (npm run build:web). */
// From src/ (tsx) and from dist/src/ (compiled; dist/web links to ../web) alike.
const WEB_DIR = path.resolve(import.meta.dirname, '../web/dist');

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface AtendeOptions {
  /** Where log lines go (stdout by default). */
  logDestination?: DestinationStream;
  /** Contact sync backoff/polling overrides (tests shorten them). */
  syncTiming?: Partial<SyncTiming>;
  /** Replacements for provider clients (tests: a fake WhatsApp socket). */
  channelOverrides?: ConnectorDeps['channelOverrides'];
}

export interface Atende {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Database;
  http: HttpServer;
  /** Contacts use cases, shared by the REST routes, exports, MCP tools and the bot. */
  contacts: ContactService;
  /** Contact extraction from free text — an MCP client (in-process server unless MCP_URL). */
  extractor: Extractor;
  /** Chat channels of this deployment (web, …). */
  connectors: ConnectorRegistry;
  /** The message pipeline: intake, workers, admin of conversations. */
  conversations: ConversationEngine;
  /** Pushes saved contacts to SYNC_WEBHOOK_URL (disabled when unset). */
  sync: ContactSync;
  /** Stops accepting requests, finishes in-flight ones, closes the database. */
  close(): Promise<void>;
}

export async function createAtende(config: Config, options: AtendeOptions = {}): Promise<Atende> {
  const logger = createLogger({ level: config.LOG_LEVEL, destination: options.logDestination });
  const metrics = createMetrics();
  const dataDir = path.resolve(config.DATA_DIR);

  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: pgliteDir(dataDir), poolSize: config.DATABASE_POOL_SIZE });
  let redis: RedisClients | undefined;
  let handoff: HandoffInbox | undefined;
  // What a failed start must close again, newest first: a start that fails half way (Redis
  // unreachable, a port taken, a bad channel credential) leaves no connection, timer or
  // data-directory lock behind, so the process exits cleanly and can be started again.
  const opened: (() => unknown)[] = [() => db.close()];
  try {
    await secureDataDir(dataDir, logger);
    const applied = await db.migrate();
    if (applied.length) logger.info({ event: 'migrations_applied', count: applied.length, database: db.kind }, 'database migrated');

    const audit = new AuditLog(db);
    // The conversation runtime's tables, shared by the engine, the handoff inbox and sync (and
    // the WhatsApp channel, which reads sent replies back for recipients' retries).
    const repositories = createConversationRepositories(db, { keepRaw: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' });
    const { users } = repositories;
    const contacts = new ContactService({ prisma: db.prisma, sql: db, audit, registry: metrics.registry });
    const updateRequests = new UpdateRequestService(db.prisma, contacts, audit);
    contacts.onExportRequests((id) => updateRequests.ofContact(id));
    const sync = createContactSync({ config, db, conversations: repositories.conversations, contacts, audit, registry: metrics.registry, logger, timing: options.syncTiming });
    opened.push(() => sync.close());
    const extraction = await createExtractionStack({ config, logger, registry: metrics.registry, version: VERSION, contacts });
    opened.push(() => extraction.close());
    const jwtSecret = await resolveJwtSecret(config.JWT_SECRET, dataDir);
    const tokens = new TokenService(users, { secret: jwtSecret });
    await bootstrapAdmin(users, logger, {
      adminEmail: config.ADMIN_EMAIL,
      adminPassword: config.ADMIN_PASSWORD,
      production: config.NODE_ENV === 'production',
      dataDir,
    });

    const checks: HealthCheck[] = [{ name: 'database', check: async () => (await db.ping(), { status: 'up', detail: db.dataDir && `embedded database in ${db.dataDir}` }) }];
    checks.push(extraction.healthCheck);
    redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger, redisNamespace(config.DATABASE_URL)) : undefined;
    opened.push(() => redis?.close());
    const connectors = await createConnectorRegistry({ config, prisma: db.prisma, jwtSecret, accessTokens: tokens, redis, logger, registry: metrics.registry, dataDir, sentTexts: repositories.outbound, channelOverrides: options.channelOverrides });
    // A new handoff is also told outside (conversation.handoff through the signed webhook).
    handoff = createHandoffInbox({ config, prisma: db.prisma, repositories, audit, logger, registry: metrics.registry, redis, onOpened: sync.handoffOpened });
    opened.push(() => handoff?.close());
    const conversations = createConversationEngine({ repositories, config, db, sql: db, logger, registry: metrics.registry, audit, contacts, updateRequests, connectors, redis, extractor: extraction.extractor, voice: createVoiceNotes(config, metrics.registry, logger), observer: handoff.observer, onStaffStatus: handoff.observer.staffStatus });
    opened.push(() => conversations.close());
    checks.push(...conversations.healthChecks, ...channelHealthChecks(connectors));

    const http = await createHttpServer({ logger, metrics, auth: tokens, bodyLimit: config.BODY_LIMIT_BYTES, version: VERSION, docs: apiDocsEnabled(config), trustProxy: config.TRUST_PROXY });
    opened.push(() => http.close());
    await http.register(healthRoutes, { checks });
    await http.register(metricsRoutes, { registry: metrics.registry, token: config.METRICS_TOKEN });
    await http.register(authRoutes, { users, tokens, audit, loginRateLimitPerMinute: config.LOGIN_RATE_LIMIT_PER_MIN, throttle: new LoginThrottle(db.prisma), streamTickets: handoff.tickets });
    await http.register(userRoutes, { users, tokens, audit, passwords: createPasswordPolicy() });
    await http.register(auditRoutes, { audit });
    await http.register(contactRoutes, { contacts, extractor: extraction.extractor });
    await http.register(updateRequestRoutes, { requests: updateRequests });
    await http.register(exportRoutes, { exporter: new ContactExporter({ db, audit, logger }) });
    for (const connector of connectors.list()) if (connector.routes) await http.register(connector.routes);
    await http.register(conversations.routes);
    await http.register(handoff.routes(conversations, tokens));
    await http.register(sync.routes);
    await http.register(webPages, { dir: WEB_DIR, chatFrameOrigins: config.WEB_CHAT_ALLOWED_ORIGINS, privacyNoticeUrl: config.PRIVACY_NOTICE_URL });
    await http.ready();
    await conversations.start();
    sync.start();

    return {
      config,
      logger,
      metrics,
      db,
      http,
      contacts,
      extractor: extraction.extractor,
      connectors,
      conversations,
      sync,
      async close() {
        await http.close();
        await conversations.close();
        handoff?.close();
        await sync.close();
        await redis?.close();
        await extraction.close();
        await db.close();
      },
    };
  } catch (err) {
    for (const close of opened.reverse()) await Promise.resolve().then(close).catch(() => {});
    throw err;
  }
}
