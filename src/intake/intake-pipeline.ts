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
import { UnavailableError } from '../domain/errors.ts';
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
/** Per message: stored, already stored, refused by the database for its data, or not stored now. */
type Outcome = Result | 'invalid' | 'unavailable';

export class IntakePipeline implements Intake {
  private readonly batcher: AdaptiveBatcher<InboundMessage, Outcome>;

  constructor(private readonly deps: IntakeDeps) {
    // Two batches in flight keep the pool busy while the next one fills; 500 rows bound
    // the statement (ENVIRONMENT.md: adaptive batching measured best at these values).
    this.batcher = new AdaptiveBatcher<InboundMessage, Outcome>((items) => this.store(items), { maxBatch: 500, maxInFlight: 2, groupOf: chatKeyOf });
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
    const result = await this.batcher.push(valid).catch(() => 'unavailable' as const);
    this.deps.metrics.inbound.inc({ channel, outcome: result });
    if (result === 'unavailable') throw new UnavailableError('the message could not be stored right now; send it again', 5);
    return { accepted: result !== 'invalid', duplicate: result === 'duplicate' };
  }

  private async store(items: InboundMessage[]): Promise<Outcome[]> {
    const keys = items.map(dedupeKeyOf);
    // The same id twice in one batch (a provider retrying fast): the first one decides.
    const first = new Map<string, InboundMessage>();
    keys.forEach((key, i) => first.has(key) || first.set(key, items[i]!));
    const candidates = [...first.keys()];

    const inserted = new Map<string, bigint>();
    const failed = new Map<string, 'invalid' | 'unavailable'>();
    try {
      for (const [key, id] of await this.insert(candidates.map((k) => first.get(k)!))) inserted.set(key, id);
    } catch (err) {
      if (!isRowError(err)) {
        this.deps.logger.error({ event: 'inbox_store_failed', count: candidates.length, err }, 'inbox unavailable; messages refused');
        for (const key of candidates) failed.set(key, 'unavailable');
      } else {
        // One row the database refuses fails the whole statement: retry row by row so that
        // only that row fails, not other people's messages (issue 10). One at a time, in
        // order, so a chat's inbox ids still follow arrival order.
        for (const key of candidates) {
          try {
            for (const [k, id] of await this.insert([first.get(key)!])) inserted.set(k, id);
          } catch (rowErr) {
            const outcome = isRowError(rowErr) ? 'invalid' : 'unavailable';
            failed.set(key, outcome);
            const m = first.get(key)!;
            this.deps.logger.warn({ event: 'inbox_row_refused', channel: m.channel, outcome, code: sqlStateOf(rowErr) }, 'inbox refused one message');
          }
        }
      }
    }

    const claimed = new Set<string>();
    const results = keys.map((key): Outcome => {
      if (inserted.has(key) && !claimed.has(key)) {
        claimed.add(key);
        return 'accepted';
      }
      return failed.get(key) ?? 'duplicate';
    });
    // After the commit, off the ack path: a failure here only delays the chat to the sweeper.
    const newest = new Map<string, bigint>();
    for (const [key, id] of inserted) {
      const chat = chatKeyOf(first.get(key)!);
      if ((newest.get(chat) ?? -1n) < id) newest.set(chat, id);
    }
    if (newest.size) void this.deps.kicks.kick([...newest].map(([chat, id]) => ({ chat, upTo: String(id) }))).catch(() => {});
    return results;
  }

  private insert(messages: InboundMessage[]): Promise<Map<string, bigint>> {
    const ms = this.deps.storeTimeoutMs ?? 5_000;
    return withDeadline(this.deps.inbox.insertNew(messages), ms, () => new Error(`inbox write took over ${ms} ms`));
  }
}

/** PostgreSQL's SQLSTATE of a failed statement (pg and PGlite both carry it as `code`). */
function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Errors about the data of a row (class 22 data exception, 23 integrity): retrying won't help. */
function isRowError(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}
