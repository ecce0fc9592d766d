// The Telegram channel: a bot from @BotFather, reached through the Bot API. Updates arrive by
// webhook (POST /webhooks/telegram, needs a public HTTPS URL) or by long polling (works behind
// NAT; only in processes that run workers, one replica at a time). Replies go out through
// sendMessage. See README.md in this folder.
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { Connector, ConnectorContext, ConnectorHealth, Intake } from '../types.ts';
import { TelegramBotApi } from './bot-api.ts';
import { DEFAULT_TIMINGS, type TelegramConfig, type TelegramTimings } from './config.ts';
import { TELEGRAM_CHANNEL } from './normalize.ts';
import { downloadTelegramMedia } from './media-download.ts';
import { createTelegramMetrics } from './metrics.ts';
import { TelegramOffsetStore } from './offset-store.ts';
import { TelegramOutbound } from './sender.ts';
import { TelegramPresence, telegramTurnPresence } from './presence.ts';
import { LocalPollerLease, RedisPollerLease } from './poller-lease.ts';
import { TelegramPoller } from './poller.ts';
import { TelegramUpdateIntake } from './update-intake.ts';
import { telegramWebhookRoutes } from './routes.ts';

export interface TelegramConnectorDeps {
  config: TelegramConfig;
  prisma: PrismaClient;
  /** Redis of the scaled mode: the replicas then share one poller lease. */
  redis?: { namespace: string; commands: Redis };
  registry: Registry;
  logger: Logger;
  /** Shorter timings for tests. */
  timings?: Partial<TelegramTimings>;
  fetch?: typeof fetch;
}

export function createTelegramConnector(deps: TelegramConnectorDeps): Connector {
  const { config } = deps;
  const timings: TelegramTimings = { ...DEFAULT_TIMINGS, ...deps.timings };
  const logger = deps.logger.child({ channel: TELEGRAM_CHANNEL });
  const metrics = createTelegramMetrics(deps.registry);
  const api = new TelegramBotApi({
    apiUrl: config.apiUrl,
    token: config.token,
    requestTimeoutMs: timings.requestTimeoutMs,
    onCall: (method, ok, seconds) => metrics.apiDuration.observe({ method, outcome: ok ? 'ok' : 'error' }, seconds),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  let intake: Intake | undefined;
  const updates = new TelegramUpdateIntake({
    botId: config.botId,
    allowGroups: config.allowGroups,
    metrics,
    logger,
    intake: () => intake,
    answerCallback: (id) => api.call('answerCallbackQuery', { callback_query_id: id }),
  });
  const outbound = new TelegramOutbound(api, metrics);
  let poller: TelegramPoller | undefined;
  let runsWorkers = false;

  return {
    channel: TELEGRAM_CHANNEL,
    // The webhook route exists only in webhook mode: in polling mode nobody should post to it.
    ...(config.mode === 'webhook' && config.webhookSecret ? { routes: telegramWebhookRoutes({ secret: config.webhookSecret, updates }) } : {}),

    async start(context: ConnectorContext) {
      intake = context.intake;
      runsWorkers = context.runsWorkers;
      if (config.mode !== 'polling' || !context.runsWorkers) return;
      poller = new TelegramPoller({
        api,
        updates,
        offsets: new TelegramOffsetStore(deps.prisma, config.botId),
        lease: deps.redis ? new RedisPollerLease(deps.redis.commands, deps.redis.namespace, config.botId, timings.leaseMs) : new LocalPollerLease(),
        timings,
        metrics,
        logger,
      });
      // In the background: start-up must not wait for Telegram (nor fail when it is away).
      poller.start();
      logger.info({ event: 'telegram_polling_started', botId: config.botId }, 'telegram: long polling started');
    },

    async stop() {
      await poller?.stop();
      poller = undefined;
      intake = undefined;
    },

    turnPresence: telegramTurnPresence(new TelegramPresence(api)),
    downloadMedia: (media, limits) => downloadTelegramMedia({ api, apiUrl: config.apiUrl, token: config.token, ...(deps.fetch ? { fetch: deps.fetch } : {}) }, media, limits),
    sendText: (chatId, text, idempotencyKey, options) => outbound.sendText(chatId, text, idempotencyKey, options),

    async health(): Promise<ConnectorHealth> {
      if (config.mode === 'webhook') return { status: 'up', detail: 'webhook' };
      if (poller) return poller.health();
      return { status: 'up', detail: runsWorkers ? 'polling not started' : 'polling runs in the worker processes' };
    },
  };
}
