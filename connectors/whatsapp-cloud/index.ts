// The WhatsApp Cloud API channel: Meta calls our webhook with messages and delivery statuses;
// replies go out through the Graph API. On when the WHATSAPP_CLOUD_* credentials are set.
import type { Registry } from 'prom-client';
import type { Connector, ConnectorContext, ConnectorHealth } from '../types.ts';
import { WHATSAPP_CLOUD_CHANNEL, type WhatsappCloudConfig } from './config.ts';
import { whatsappCloudInboundRoutes } from './routes.ts';
import { createWhatsappCloudMetrics } from './metrics.ts';
import { downloadCloudMedia } from './media-download.ts';
import { GraphSender } from './sender.ts';
import { CloudPresence, cloudTurnPresence } from './presence.ts';

export interface WhatsappCloudConnectorDeps {
  config: WhatsappCloudConfig;
  /** The app's Prometheus registry. */
  registry: Registry;
}

export function createWhatsappCloudConnector(deps: WhatsappCloudConnectorDeps): Connector {
  const metrics = createWhatsappCloudMetrics(deps.registry);
  const sender = new GraphSender(deps.config, metrics);
  let context: ConnectorContext | undefined;

  return {
    channel: WHATSAPP_CLOUD_CHANNEL,
    routes: whatsappCloudInboundRoutes({ config: deps.config, metrics, context: () => context }),
    async start(ctx) {
      context = ctx;
    },
    async stop() {
      context = undefined;
    },
    turnPresence: cloudTurnPresence(
      new CloudPresence({ apiUrl: deps.config.apiUrl, phoneNumberId: deps.config.phoneNumberId, token: deps.config.token, timeoutMs: deps.config.policy.timeoutMs }),
    ),
    downloadMedia(media, limits) {
      return downloadCloudMedia(deps.config, media, limits);
    },
    sendText(chatId, text, idempotencyKey, options) {
      return sender.sendText(chatId, text, idempotencyKey, options);
    },
    async health(): Promise<ConnectorHealth> {
      // Inbound needs nothing but our own HTTP server; only sending can be impaired.
      return sender.circuitOpen ? { status: 'degraded', detail: 'Graph API failing: sends paused by the circuit breaker' } : { status: 'up' };
    },
  };
}
