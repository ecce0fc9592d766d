// The metrics of the message pipeline (SPEC §9), registered on the app's own registry.
// atende_contacts_created_total is counted by ContactService itself.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type InboundOutcome = 'accepted' | 'duplicate' | 'invalid' | 'unavailable';
export type OutboundOutcome = 'sent' | 'retry' | 'failed' | 'elsewhere';
/** intake: normalize → inbox → ack; turn: one event through the machine (incl. extraction);
 * commit: the turn's transaction; send: one delivery through a connector. */
export type Stage = 'intake' | 'turn' | 'extraction' | 'commit' | 'send';

export interface PipelineMetrics {
  inbound: Counter<'channel' | 'outcome'>;
  outbound: Counter<'channel' | 'outcome'>;
  stage: Histogram<'stage'>;
}

export function createPipelineMetrics(registry: Registry, inboxPending: () => Promise<number>): PipelineMetrics {
  new Gauge({
    name: 'atende_inbox_pending',
    help: 'Inbound messages stored but not yet handled by a worker',
    registers: [registry],
    async collect() {
      try {
        this.set(await inboxPending());
      } catch {
        // Database away: leave the last value; /health/ready reports the outage.
      }
    },
  });
  return {
    inbound: new Counter({
      name: 'atende_inbound_messages_total',
      help: 'Inbound messages by channel and outcome (accepted, duplicate, invalid, unavailable)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    outbound: new Counter({
      name: 'atende_outbound_messages_total',
      help: 'Outbound delivery attempts by channel and outcome (sent, retry, failed, elsewhere: left to the replica that holds the channel)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    stage: new Histogram({
      name: 'atende_stage_duration_seconds',
      help: 'Duration of pipeline stages: intake (to ack), turn, extraction, commit, send',
      labelNames: ['stage'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
