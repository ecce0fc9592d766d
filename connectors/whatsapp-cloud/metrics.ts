// The Cloud API channel's Prometheus metrics, on the app's own registry.
import { Counter, type Registry } from 'prom-client';

/** accepted: signature good, events handed on; bad_signature: 401; invalid: 400 (bad JSON or
 * envelope); unavailable: 503 (storage down, Meta redelivers); handshake / handshake_refused:
 * the GET verification. */
export type WebhookOutcome = 'accepted' | 'bad_signature' | 'invalid' | 'unavailable' | 'handshake' | 'handshake_refused';
/** sent; permanent: 4xx, given up; transient: 429/5xx/network, retried later; circuit_open. */
export type SendOutcome = 'sent' | 'permanent' | 'transient' | 'circuit_open';

export interface WhatsappCloudMetrics {
  webhooks: Counter<'outcome'>;
  events: Counter<'type'>;
  statuses: Counter<'status'>;
  sends: Counter<'outcome'>;
}

export function createWhatsappCloudMetrics(registry: Registry): WhatsappCloudMetrics {
  return {
    webhooks: new Counter({
      name: 'atende_whatsapp_cloud_webhooks_total',
      help: 'Cloud API webhook requests by outcome (accepted, bad_signature, invalid, unavailable, handshake, handshake_refused)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: 'atende_whatsapp_cloud_webhook_items_total',
      help: 'Items in accepted Cloud API webhooks by type (message, status, ignored, invalid)',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    statuses: new Counter({
      name: 'atende_whatsapp_cloud_status_updates_total',
      help: 'Delivery statuses reported by the Cloud API (sent, delivered, read, failed)',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    sends: new Counter({
      name: 'atende_whatsapp_cloud_sends_total',
      help: 'Graph API send calls by outcome (sent, permanent, transient, circuit_open)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
