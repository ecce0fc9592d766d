// Prometheus gauges of the handoff queue, read from the database at scrape time (so every
// replica reports the same truth, and nothing drifts): how many people wait for a person, and
// for how long the oldest has waited. docs/prometheus-alerts.yml alerts on the latter.
import { Gauge, type Registry } from 'prom-client';
import type { ConversationStore } from '../conversations/conversation-store.ts';

export function registerHandoffMetrics(registry: Registry, conversations: ConversationStore) {
  const read = () => conversations.handoffStats();
  new Gauge({
    name: 'atende_handoffs_open',
    help: 'Conversations in a handoff (waiting for or talking with a person), by whether an attendant holds them',
    labelNames: ['claimed'] as const,
    registers: [registry],
    async collect() {
      const row = await read().catch(() => undefined);
      if (!row) return;
      this.set({ claimed: 'yes' }, Number(row.claimed));
      this.set({ claimed: 'no' }, Number(row.open) - Number(row.claimed));
    },
  });
  new Gauge({
    name: 'atende_handoff_oldest_wait_seconds',
    help: 'Seconds since the oldest open handoff began (0 when none is open)',
    registers: [registry],
    async collect() {
      const row = await read().catch(() => undefined);
      if (!row) return;
      this.set(row.oldest ? Math.max(0, (Date.now() - new Date(row.oldest).getTime()) / 1000) : 0);
    },
  });
}
