// The channels this deployment runs, built from the configuration. A new channel adds its
// `register(create<Name>Connector(...))` here; the core only knows the Connector contract.
import type { Config } from '../src/config/env.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import type { AccessTokenVerifier } from '../src/http/auth-guard.ts';
import type { RedisClients } from '../src/locks/redis.ts';
import type { Logger } from '../src/observability/logger.ts';
import type { Registry } from 'prom-client';
import { ConnectorRegistry } from './registry.ts';
import { webChannelConfig } from './web/config.ts';
import { LocalWebChatEvents, RedisWebChatEvents } from './web/events.ts';
import { createWebConnector } from './web/index.ts';
import { whatsappChannelConfig } from './whatsapp/config.ts';
import type { SentTextStore } from './whatsapp/resend-lookup.ts';
import type { WhatsappSocketFactory } from './whatsapp/socket.ts';
import { whatsappCloudConfig } from './whatsapp-cloud/config.ts';
import { createWhatsappCloudConnector } from './whatsapp-cloud/index.ts';
import { telegramConfig, telegramEnabled } from './telegram/config.ts';
import { createTelegramConnector } from './telegram/index.ts';

export interface ConnectorDeps {
  config: Config;
  prisma: PrismaClient;
  jwtSecret: string;
  accessTokens: AccessTokenVerifier;
  redis?: RedisClients;
  logger: Logger;
  /** Prometheus registry of this app: channels add their own metrics to it. */
  registry: Registry;
  /** DATA_DIR, resolved. */
  dataDir: string;
  /** The outbound store's read of a sent reply (WhatsApp answers recipients' retries from it). */
  sentTexts?: SentTextStore;
  /** Replacements for provider clients (tests: a fake WhatsApp socket). */
  channelOverrides?: { whatsappSocket?: WhatsappSocketFactory };
}

export async function createConnectorRegistry(deps: ConnectorDeps): Promise<ConnectorRegistry> {
  const registry = new ConnectorRegistry();
  registry.register(
    createWebConnector({
      prisma: deps.prisma,
      config: webChannelConfig(deps.config),
      jwtSecret: deps.jwtSecret,
      accessTokens: deps.accessTokens,
      events: deps.redis ? new RedisWebChatEvents(deps.redis.namespace, deps.redis.commands, deps.redis.subscriber) : new LocalWebChatEvents(),
    }),
  );
  // Real channels register below, each only when its configuration enables it.
  if (deps.config.WHATSAPP_BAILEYS_ENABLED) {
    // Baileys (with its protobuf tables) is ~21 MB of heap: loaded only when the channel is on.
    const { createWhatsappConnector } = await import('./whatsapp/index.ts');
    registry.register(
      createWhatsappConnector({
        prisma: deps.prisma,
        config: whatsappChannelConfig(deps.config),
        logger: deps.logger,
        registry: deps.registry,
        redis: deps.redis,
        ...(deps.sentTexts ? { sentTexts: deps.sentTexts } : {}),
        ...(deps.channelOverrides?.whatsappSocket ? { socketFactory: deps.channelOverrides.whatsappSocket } : {}),
      }),
    );
  }
  const cloud = whatsappCloudConfig(deps.config);
  if (cloud) registry.register(createWhatsappCloudConnector({ config: cloud, registry: deps.registry }));
  if (telegramEnabled(deps.config)) {
    registry.register(createTelegramConnector({ config: telegramConfig(deps.config), prisma: deps.prisma, redis: deps.redis, registry: deps.registry, logger: deps.logger }));
  }
  return registry;
}
