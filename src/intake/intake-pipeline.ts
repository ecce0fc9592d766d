// The inbound path up to the ack (SPEC §4): validate → dedupe → durable inbox → ack → kick.
// Nothing here waits on the LLM. Concurrent messages share one INSERT (adaptive batching),
// and the inbox unique key (channel, account, message id) decides what is new — it is the
// dedupe, on every replica and however late a redelivery comes, and a message is "seen"
// exactly when its row committed. A Redis "seen" mark checked before the INSERT (SET NX with
// a TTL, the fast path SPEC §4 sketches) was measured and dropped: it put a Redis round trip
// before every batch to save, on a redelivery only, an index probe that `ON CONFLICT DO
// NOTHING` does anyway — 9–17 % of the ack path's throughput (bench:intake). Redis still
// carries the kicks, after the commit.
import type { InboundMessage, Intake, IntakeOutcome } from '../../connectors/types.ts';
import { chatKeyOf } from '../conversations/chat-ref.ts';
import type { KickQueue } from '../conversations/kick-queue.ts';
import type { PipelineMetrics } from '../conversations/pipeline-metrics.ts';
import { ServiceUnavailableError } from '../http/errors.ts';
import { withDeadline } from '../util/deadline.ts';
import type { Logger } from '../observability/logger.ts';
import { AdaptiveBatcher } from './adaptive-batcher.ts';
import { dedupeKeyOf, validateInbound } from './inbound-validation.ts';
import type { InboxRepository } from './inbox-repository.ts';

export interface IntakeDeps {
  inbox: InboxRepository;
  kicks: KickQueue;
  metrics: PipelineMetrics;
  logger: Logger;
  /** A store slower than this answers 503 (the sender retries) instead of hanging. */
  storeTimeoutMs?: number;
}

type Result = 'accepted' | 'duplicate';

export class IntakePipeline implements Intake {
  private readonly batcher: AdaptiveBatcher<InboundMessage, Result>;

  constructor(private readonly deps: IntakeDeps) {
    // Two batches in flight keep the pool busy while the next one fills; 500 rows bound
    // the statement (ENVIRONMENT.md: adaptive batching measured best at these values).
    this.batcher = new AdaptiveBatcher<InboundMessage, Result>((items) => this.store(items), { maxBatch: 500, maxInFlight: 2, groupOf: chatKeyOf });
  }

  async receive(messages: InboundMessage[]): Promise<IntakeOutcome[]> {
    const started = performance.now();
    try {
      return await Promise.all(messages.map((m) => this.receiveOne(m)));
    } finally {
      this.deps.metrics.stage.observe({ stage: 'intake' }, (performance.now() - started) / 1000);
    }
  }

  private async receiveOne(message: InboundMessage): Promise<IntakeOutcome> {
    const valid = validateInbound(message);
    const channel = valid?.channel ?? 'unknown';
    if (!valid) {
      this.deps.metrics.inbound.inc({ channel, outcome: 'invalid' });
      return { accepted: false, duplicate: false };
    }
    try {
      const result = await this.batcher.push(valid);
      this.deps.metrics.inbound.inc({ channel, outcome: result });
      return { accepted: true, duplicate: result === 'duplicate' };
    } catch (err) {
      this.deps.metrics.inbound.inc({ channel, outcome: 'unavailable' });
      throw err;
    }
  }

  private async store(items: InboundMessage[]): Promise<Result[]> {
    const keys = items.map(dedupeKeyOf);
    // The same id twice in one batch (a provider retrying fast): the first one decides.
    const first = new Map<string, InboundMessage>();
    keys.forEach((key, i) => first.has(key) || first.set(key, items[i]!));
    const candidates = [...first.keys()];

    let inserted: Map<string, bigint>;
    try {
      const ms = this.deps.storeTimeoutMs ?? 5_000;
      inserted = await withDeadline(this.deps.inbox.insertNew(candidates.map((k) => first.get(k)!)), ms, () => new Error(`inbox write took over ${ms} ms`));
    } catch (err) {
      this.deps.logger.error({ event: 'inbox_store_failed', count: candidates.length, err }, 'inbox unavailable; messages refused');
      throw new ServiceUnavailableError('the message could not be stored right now; send it again', 5);
    }

    const claimed = new Set<string>();
    const results = keys.map((key): Result => {
      if (inserted.has(key) && !claimed.has(key)) {
        claimed.add(key);
        return 'accepted';
      }
      return 'duplicate';
    });
    // After the commit, off the ack path: a failure here only delays the chat to the sweeper.
    const newest = new Map<string, bigint>();
    for (const [key, id] of inserted) {
      const chat = chatKeyOf(first.get(key)!);
      if ((newest.get(chat) ?? -1n) < id) newest.set(chat, id);
    }
    void this.deps.kicks.kick([...newest].map(([chat, id]) => ({ chat, upTo: String(id) }))).catch(() => {});
    return results;
  }
}
