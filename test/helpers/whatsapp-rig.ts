// Runs the WhatsApp connector inside a test app, against a fake socket. Until the composition
// root passes a socket factory through (AtendeOptions → ConnectorDeps.channelOverrides), the
// connector is wired here by hand exactly as connectors/index.ts wires it: registered on the
// app's connector registry (the outbound sender looks connectors up there at send time),
// started with the app's intake and delivery-status sink, and its admin routes served by an
// HTTP server built like the app's (same access tokens and role guard).
import { Registry } from 'prom-client';
import { whatsappChannelConfig, type WhatsappChannelConfig } from '../../connectors/whatsapp/config.ts';
import { createWhatsappConnector } from '../../connectors/whatsapp/index.ts';
import type { Connector } from '../../connectors/types.ts';
import { resolveJwtSecret } from '../../src/auth/jwt-secret.ts';
import { TokenService } from '../../src/auth/token-service.ts';
import { createPipelineSql } from '../../src/conversations/pipeline-sql.ts';
import { createHttpServer, type HttpServer } from '../../src/http/server.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { DeliveryStatusRecorder } from '../../src/outbound/delivery-status.ts';
import type { TestApp } from './app.ts';
import { BOT_JID, fakeSocketFactory, type FakeWhatsappSocket } from './fake-whatsapp-socket.ts';

export interface WhatsappRig {
  connector: Connector;
  sockets: ReturnType<typeof fakeSocketFactory>;
  /** The app's admin routes for the channel, behind the real auth guard. */
  http: HttpServer;
  registry: Registry;
  /** Opens socket 0 as the bot's number. */
  connect(): Promise<FakeWhatsappSocket>;
  close(): Promise<void>;
}

export async function attachWhatsapp(t: TestApp, overrides: Partial<WhatsappChannelConfig> = {}): Promise<WhatsappRig> {
  const { atende } = t;
  const sockets = fakeSocketFactory();
  const registry = new Registry();
  const config = { ...whatsappChannelConfig(atende.config), printQr: false, backoff: { baseMs: 20, capMs: 100 }, ...overrides };
  const connector = createWhatsappConnector({ prisma: atende.db.prisma, config, logger: atende.logger, registry, socketFactory: sockets.factory });
  atende.connectors.register(connector);
  const sql = createPipelineSql(atende.db, atende.config.DATABASE_URL, 2);
  await connector.start({ intake: atende.conversations.intake, deliveryStatus: new DeliveryStatusRecorder(sql), logger: atende.logger, runsWorkers: true });

  const tokens = new TokenService(atende.db.prisma, { secret: await resolveJwtSecret(atende.config.JWT_SECRET, t.dataDir) });
  const http = await createHttpServer({ logger: atende.logger, metrics: createMetrics(), auth: tokens, bodyLimit: 1_000_000, version: 'test' });
  await http.register(connector.routes!);
  await http.ready();

  return {
    connector,
    sockets,
    http,
    registry,
    async connect() {
      const sock = await sockets.socket(0);
      sock.open(BOT_JID);
      return sock;
    },
    async close() {
      await connector.stop();
      await http.close();
      await sql.close();
    },
  };
}
