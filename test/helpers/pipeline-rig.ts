// The conversation runtime without HTTP: a real database (PGlite in memory or a fresh
// PostgreSQL), optionally Redis, the real engine (intake, kicks, locks, runner, sender,
// sweeper) around a given machine, and a recording "test" channel connector.
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { UpdateRequestService } from '../../src/contacts/update-requests.ts';
import type { ConversationMachine } from '../../fsm/machine.ts';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { type Connector, ConnectorSendError, type InboundMessage } from '../../connectors/types.ts';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { loadConfig } from '../../src/config/env.ts';
import { ContactService } from '../../src/contacts/contact-service.ts';
import { createConversationEngine, createConversationRepositories, type ConversationEngine } from '../../src/conversations/conversation-engine.ts';
import { type Database, openDatabase } from '../../src/db/database.ts';
import type { Extractor } from '../../src/extraction/mcp-extractor.ts';
import { connectRedis, type RedisClients, redisNamespace } from '../../src/locks/redis.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Backend } from './app.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export interface Sent {
  chatId: string;
  text: string;
  key: string;
}

/** A channel that records what it is asked to send; `failNext` scripts failures. */
export class RecordingConnector implements Connector {
  readonly channel = 'test';
  readonly sent: Sent[] = [];
  readonly attempts: Sent[] = [];
  failNext: ('transient' | 'permanent')[] = [];
  async start() {}
  async stop() {}
  async health() {
    return { status: 'up' as const };
  }
  async sendText(chatId: string, text: string, key: string) {
    this.attempts.push({ chatId, text, key });
    const failure = this.failNext.shift();
    if (failure) throw new ConnectorSendError('test', failure, `scripted ${failure} failure`, failure === 'transient');
    if (!this.sent.some((s) => s.key === key)) this.sent.push({ chatId, text, key });
  }
  textsTo(chatId: string) {
    return this.sent.filter((s) => s.chatId === chatId).map((s) => s.text);
  }
}

export interface RigOptions {
  backend: Backend;
  machine: ConversationMachine;
  extractor?: Extractor;
  redisUrl?: string;
  /** Share a PostgreSQL database between rigs (two "replicas"). */
  database?: TestDatabase;
  env?: Record<string, string>;
}

export interface Rig {
  db: Database;
  engine: ConversationEngine;
  connector: RecordingConnector;
  contacts: ContactService;
  registry: Registry;
  redis?: RedisClients;
  testDb?: TestDatabase;
  close(): Promise<void>;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const ownDb = options.backend === 'postgres' && !options.database ? await createTestDatabase() : undefined;
  const testDb = options.database ?? ownDb;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    // Each message its own turn (the runtime's tests and bench:turns count one per message).
    BURST_WINDOW_MS: '0',
    ...(testDb ? { DATABASE_URL: testDb.url } : {}),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) as never });
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL });
  await db.migrate();
  const registry = new Registry();
  const audit = new AuditLog(db);
  const sql = db;
  const contacts = new ContactService({ prisma: db.prisma, sql, audit, registry });
  const connector = new RecordingConnector();
  const redis = options.redisUrl ? await connectRedis(options.redisUrl, logger, redisNamespace(config.DATABASE_URL)) : undefined;
  const engine = createConversationEngine({
    repositories: createConversationRepositories(db, { keepRaw: false }),
    config,
    db,
    sql,
    logger,
    registry,
    audit,
    contacts,
    updateRequests: new UpdateRequestService(db.prisma, contacts, audit),
    connectors: new ConnectorRegistry().register(connector),
    machine: options.machine,
    redis,
    extractor: options.extractor,
  });
  await engine.start();
  return {
    db,
    engine,
    connector,
    contacts,
    registry,
    redis,
    testDb,
    async close() {
      await engine.close();
      await redis?.close();
      await db.close();
      await ownDb?.drop();
    },
  };
}

let seq = 0;
export function message(chatId: string, text: string, messageId = `m${++seq}-${Date.now()}`): InboundMessage {
  return { channel: 'test', accountId: 'bot1', messageId, chatId, sender: { id: chatId }, text, kind: 'text', timestamp: new Date() };
}

/** Polls until `check` neither throws nor returns false (or fails after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw lastError ?? new Error(`condition not met within ${timeoutMs} ms`);
}
