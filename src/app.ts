// The composition root: the whole object graph is built here, by hand, in dependency order.
// Nothing connects at import time, so a test can build as many apps as it likes, each with
// its own database and port.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { AuditLog } from './audit/audit-log.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { bootstrapAdmin } from './auth/bootstrap-admin.ts';
import { resolveJwtSecret } from './auth/jwt-secret.ts';
import { TokenService } from './auth/token-service.ts';
import type { Config } from './config/env.ts';
import { type Database, openDatabase, pgliteDir } from './db/database.ts';
import { healthRoutes, type HealthCheck } from './http/health-routes.ts';
import { metricsRoutes } from './http/metrics-routes.ts';
import { createHttpServer, type HttpServer } from './http/server.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface AtendeOptions {
  /** Where log lines go (stdout by default). */
  logDestination?: DestinationStream;
}

export interface Atende {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Database;
  http: HttpServer;
  /** Stops accepting requests, finishes in-flight ones, closes the database. */
  close(): Promise<void>;
}

export async function createAtende(config: Config, options: AtendeOptions = {}): Promise<Atende> {
  const logger = createLogger({ level: config.LOG_LEVEL, destination: options.logDestination });
  const metrics = createMetrics();
  const dataDir = path.resolve(config.DATA_DIR);

  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: pgliteDir(dataDir), poolSize: config.DATABASE_POOL_SIZE });
  try {
    const applied = await db.migrate();
    if (applied.length) logger.info({ event: 'migrations_applied', count: applied.length, database: db.kind }, 'database migrated');

    const audit = new AuditLog(db.prisma);
    const tokens = new TokenService(db.prisma, { secret: await resolveJwtSecret(config.JWT_SECRET, dataDir) });
    await bootstrapAdmin(db.prisma, logger, {
      adminEmail: config.ADMIN_EMAIL,
      adminPassword: config.ADMIN_PASSWORD,
      production: config.NODE_ENV === 'production',
      dataDir,
    });

    const checks: HealthCheck[] = [{ name: 'database', check: async () => (await db.ping(), { status: 'up' }) }];

    const http = await createHttpServer({ logger, metrics, auth: tokens, bodyLimit: config.BODY_LIMIT_BYTES, version: VERSION });
    await http.register(healthRoutes, { checks });
    await http.register(metricsRoutes, { registry: metrics.registry, token: config.METRICS_TOKEN });
    await http.register(authRoutes, { prisma: db.prisma, tokens, audit, loginRateLimitPerMinute: config.LOGIN_RATE_LIMIT_PER_MIN });
    await http.ready();

    return {
      config,
      logger,
      metrics,
      db,
      http,
      async close() {
        await http.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
