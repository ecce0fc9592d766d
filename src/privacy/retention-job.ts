// Runs the retention purge periodically on workers (ROLE=all|worker). With Redis, replicas
// take turns through a lease, so one purge runs at a time; without Redis there is one worker.
import type { RedisLease } from '../locks/lease.ts';
import type { Logger } from '../observability/logger.ts';
import type { ConversationRetention } from './conversation-retention.ts';

export interface RetentionJobDeps {
  retention: ConversationRetention;
  logger: Logger;
  /** Held while a pass runs (Redis); absent: this process is the only worker. */
  lease?: Pick<RedisLease, 'acquire' | 'release'>;
  /** Between passes. Retention is counted in days; an hour late is not a breach. */
  intervalMs?: number;
  now?: () => Date;
}

const HOUR_MS = 3_600_000;
// The first pass a little after start, not in the middle of a deployment's warm-up.
const FIRST_PASS_MS = 60_000;

export class RetentionJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly now: () => Date;

  constructor(private readonly deps: RetentionJobDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    const tick = () => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.deps.intervalMs ?? HOUR_MS).unref();
      });
    };
    this.timer = setTimeout(tick, FIRST_PASS_MS).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass, if this replica gets the lease; never throws (the next pass tries again). */
  async runOnce(now: Date = this.now()): Promise<void> {
    try {
      if (this.deps.lease && (await this.deps.lease.acquire()) !== 'held') return;
      try {
        const result = await this.deps.retention.purge(now);
        if (result.expired || result.forgotten || result.loose) this.deps.logger.info({ event: 'retention_purge', ...result }, 'conversation texts purged');
      } finally {
        await this.deps.lease?.release();
      }
    } catch (err) {
      this.deps.logger.warn({ event: 'retention_failed', err: { message: (err as Error).message } }, 'retention purge failed; will try again');
    }
  }
}
