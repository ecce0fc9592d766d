// Prometheus metrics of the WhatsApp channel, on the app's registry.
import { Counter, Gauge, type Registry } from 'prom-client';

export const CONNECTION_STATES = ['stopped', 'standby', 'connecting', 'qr', 'connected', 'reconnecting', 'logged-out'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export function createWhatsappMetrics(registry: Registry) {
  return {
    state: new Gauge({ name: 'atende_whatsapp_connection_state', help: 'WhatsApp socket state (1 = current state)', labelNames: ['state'], registers: [registry] }),
    reconnects: new Counter({ name: 'atende_whatsapp_reconnects_total', help: 'WhatsApp socket closes, by disconnect reason', labelNames: ['reason'], registers: [registry] }),
    skipped: new Counter({ name: 'atende_whatsapp_inbound_skipped_total', help: 'WhatsApp messages not handed to the bot, by why', labelNames: ['reason'], registers: [registry] }),
    watchdogReconnects: new Counter({ name: 'atende_whatsapp_watchdog_reconnects_total', help: 'Open WhatsApp sockets closed and reconnected because nothing arrived for WHATSAPP_WATCHDOG_MIN', registers: [registry] }),
    undecryptable: new Counter({
      name: 'atende_whatsapp_undecryptable_total',
      help: 'WhatsApp messages that could not be decrypted, by outcome (asked: the person was asked to send again; recovered: the message arrived readable within the grace period; failed: the request could not be sent)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

export type WhatsappMetrics = ReturnType<typeof createWhatsappMetrics>;
