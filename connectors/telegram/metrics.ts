// The Telegram channel's own metrics, on the app's registry. The pipeline counts accepted and
// duplicate messages per channel already (atende_inbound_messages_total); these add what only
// the channel sees: updates it ignored or could not read, polls, and Bot API calls.
import { Counter, Histogram, type Registry } from 'prom-client';

export type UpdateOutcome = 'accepted' | 'duplicate' | 'ignored' | 'malformed' | 'rejected' | 'unavailable';

export interface TelegramMetrics {
  updates: Counter<'source' | 'outcome'>;
  polls: Counter<'outcome'>;
  sends: Counter<'outcome'>;
  apiDuration: Histogram<'method' | 'outcome'>;
}

export function createTelegramMetrics(registry: Registry): TelegramMetrics {
  return {
    updates: new Counter({
      name: 'atende_telegram_updates_total',
      help: 'Telegram updates by source (webhook, polling) and outcome (accepted, duplicate, ignored, malformed, rejected, unavailable)',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    polls: new Counter({
      name: 'atende_telegram_polls_total',
      help: 'getUpdates long polls by outcome (ok, error, conflict)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    sends: new Counter({
      name: 'atende_telegram_sends_total',
      help: 'sendMessage calls by outcome (sent, transient, permanent)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    apiDuration: new Histogram({
      name: 'atende_telegram_api_duration_seconds',
      help: 'Bot API call duration by method and outcome (ok, error); getUpdates includes the long-poll wait',
      labelNames: ['method', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
