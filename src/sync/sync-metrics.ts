// atende_sync_total{outcome}: sent | retry | failed per attempt; atende_sync_backlog: events
// waiting (pending or in flight) — a backlog that only grows means the receiver is away.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface SyncMetrics {
  attempts: Counter<'outcome'>;
}

export function createSyncMetrics(registry: Registry, backlog: () => Promise<number>): SyncMetrics {
  const attempts =
    (registry.getSingleMetric('atende_sync_total') as Counter<'outcome'> | undefined) ??
    new Counter({ name: 'atende_sync_total', help: 'Contact sync webhook attempts by outcome (sent, retry, failed)', labelNames: ['outcome'] as const, registers: [registry] });
  if (!registry.getSingleMetric('atende_sync_backlog')) {
    new Gauge({
      name: 'atende_sync_backlog',
      help: 'Contact sync events not yet delivered nor given up',
      registers: [registry],
      async collect() {
        this.set(await backlog().catch(() => 0));
      },
    });
  }
  return { attempts };
}
