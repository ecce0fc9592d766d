// The Telegram channel's settings, taken from the validated app config (src/config/env.ts
// checks the token's and the secret's format; the mode rule lives here).
import type { Config } from '../../src/config/env.ts';

export type TelegramMode = 'webhook' | 'polling';

export interface TelegramConfig {
  /** The bot token from @BotFather. A secret: it is part of every Bot API URL. */
  token: string;
  /** The bot's numeric id: the token's prefix ("123456:ABC…" → "123456"). The accountId. */
  botId: string;
  /** Bot API base URL, without a trailing slash (a local fake in tests). */
  apiUrl: string;
  mode: TelegramMode;
  /** Checked against X-Telegram-Bot-Api-Secret-Token on every webhook call. */
  webhookSecret?: string;
  allowGroups: boolean;
}

/** Timings, injectable so tests need not wait for the production values. */
export interface TelegramTimings {
  /** getUpdates `timeout` (seconds): Telegram holds the request this long when idle. */
  pollTimeoutS: number;
  /** Our own limit on one getUpdates call: the long poll plus a margin for the network. */
  pollRequestTimeoutMs: number;
  /** Every other Bot API call (sendMessage, deleteWebhook…). */
  requestTimeoutMs: number;
  /** Backoff after a failed poll: first wait and cap (exponential, with jitter). */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Another getUpdates client (409) is not going away soon: wait this long before trying again. */
  conflictBackoffMs: number;
  /** Poller lease (Redis): its length, and how often a replica without it tries to take it. */
  leaseMs: number;
  leaseRetryMs: number;
}

// 25 s: under the 30-60 s idle timeouts of common proxies and NATs, long enough that an idle
// bot makes ~2 requests a minute. The request limit adds 10 s for a slow network.
export const DEFAULT_TIMINGS: TelegramTimings = {
  pollTimeoutS: 25,
  pollRequestTimeoutMs: 35_000,
  requestTimeoutMs: 10_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 30_000,
  conflictBackoffMs: 10_000,
  leaseMs: 30_000,
  leaseRetryMs: 5_000,
};

export function telegramEnabled(config: Config): boolean {
  return !!config.TELEGRAM_BOT_TOKEN;
}

/** TELEGRAM_MODE, or unset: webhook when a webhook secret is configured, else polling. */
export function telegramMode(config: Pick<Config, 'TELEGRAM_MODE' | 'TELEGRAM_WEBHOOK_SECRET'>): TelegramMode {
  return config.TELEGRAM_MODE ?? (config.TELEGRAM_WEBHOOK_SECRET ? 'webhook' : 'polling');
}

export function telegramConfig(config: Config): TelegramConfig {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  return {
    token,
    botId: token.slice(0, token.indexOf(':')),
    apiUrl: config.TELEGRAM_API_URL.replace(/\/+$/, ''),
    mode: telegramMode(config),
    ...(config.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: config.TELEGRAM_WEBHOOK_SECRET } : {}),
    allowGroups: config.TELEGRAM_ALLOW_GROUPS,
  };
}
