// Long polling, for machines without a public HTTPS URL: getUpdates in a loop.
// https://core.telegram.org/bots/api#getupdates
// - Telegram refuses getUpdates while a webhook is set (409), so the first poll deletes it.
// - The offset (next update_id) advances only after the intake stored the updates; passing
//   it to the next getUpdates confirms the earlier ones to Telegram, and it is saved in the
//   database so a restart resumes there (see offset-store.ts).
// - Errors back off exponentially (with jitter, capped); 429 waits retry_after; a 409 from
//   another getUpdates client (a second process with this token) waits longer.
// - stop() aborts the pending long poll at once instead of waiting for its timeout.
import type { Logger } from '../../src/observability/logger.ts';
import { TelegramApiError, type TelegramBotApi } from './bot-api.ts';
import type { TelegramTimings } from './config.ts';
import type { TelegramMetrics } from './metrics.ts';
import type { TelegramOffsetStore } from './offset-store.ts';
import type { PollerLease } from './poller-lease.ts';
import type { TelegramUpdateIntake } from './update-intake.ts';
import type { ConnectorHealth } from '../types.ts';

export interface PollerDeps {
  api: TelegramBotApi;
  updates: TelegramUpdateIntake;
  offsets: Pick<TelegramOffsetStore, 'load' | 'save'>;
  lease: PollerLease;
  timings: TelegramTimings;
  metrics: TelegramMetrics;
  logger: Logger;
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function describe(err: unknown): string {
  if (err instanceof TelegramApiError) return err.message;
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : 'unknown error';
}

export class TelegramPoller {
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  private offset: number | undefined;
  private webhookCleared = false;
  private failures = 0;
  private conflicts = 0;
  private standby = false;
  private leaseWarned = false;
  private readonly startedAt = Date.now();
  private lastOkAt: number | undefined;
  private lastError: string | undefined;

  constructor(private readonly deps: PollerDeps) {}

  start(): void {
    this.loop ??= this.run().catch((err) => this.deps.logger.error({ event: 'telegram_poller_crashed', err: { message: describe(err) } }, 'telegram poller stopped unexpectedly'));
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.loop;
    await this.deps.lease.release();
  }

  health(): ConnectorHealth {
    if (this.standby) return { status: 'up', detail: 'standby: another replica polls Telegram' };
    // Up while the last round succeeded and recently (a long poll may be held for its
    // timeout); degraded as soon as one fails, until one succeeds again.
    if (this.lastError) return { status: 'degraded', detail: this.lastError };
    const window = this.deps.timings.pollRequestTimeoutMs + 30_000;
    const now = Date.now();
    if (this.lastOkAt !== undefined && now - this.lastOkAt <= window) return { status: 'up', detail: 'polling' };
    if (this.lastOkAt === undefined && now - this.startedAt <= window) return { status: 'up', detail: 'starting to poll' };
    return { status: 'degraded', detail: 'no successful poll recently' };
  }

  private async run(): Promise<void> {
    const { lease, timings } = this.deps;
    while (!this.stopped.signal.aborted) {
      const state = await lease.acquire();
      this.standby = state === 'elsewhere';
      if (state === 'elsewhere') {
        await sleep(timings.leaseRetryMs, this.stopped.signal);
        continue;
      }
      if (state === 'unavailable' && !this.leaseWarned) {
        this.leaseWarned = true;
        this.deps.logger.warn({ event: 'telegram_poller_lease_unavailable' }, 'Redis unavailable: polling Telegram without the replica lease');
      }
      if (state === 'held') this.leaseWarned = false;
      await this.pollWhile(state === 'held');
    }
  }

  /** Polls while the lease is held (or one round without a lease), renewing it meanwhile. */
  private async pollWhile(held: boolean): Promise<void> {
    const { lease, timings } = this.deps;
    const lost = new AbortController();
    const signal = AbortSignal.any([this.stopped.signal, lost.signal]);
    let timer: NodeJS.Timeout | undefined;
    const renew = () => {
      timer = setTimeout(async () => {
        if (await lease.extend()) renew();
        else lost.abort();
      }, timings.leaseMs / 3);
    };
    if (held) renew();
    try {
      await this.loadOffset();
      do await this.round(signal);
      while (held && !signal.aborted);
    } finally {
      clearTimeout(timer);
      if (lost.signal.aborted && !this.stopped.signal.aborted) {
        this.deps.logger.warn({ event: 'telegram_poller_lease_lost' }, 'lost the Telegram poller lease; another replica may take over');
      }
    }
  }

  /** Another replica may have polled since: never go back behind the saved offset. */
  private async loadOffset(): Promise<void> {
    try {
      const saved = await this.deps.offsets.load();
      if (saved !== undefined && (this.offset === undefined || saved > this.offset)) this.offset = saved;
    } catch (err) {
      this.deps.logger.warn({ event: 'telegram_offset_load_failed', err: { message: describe(err) } }, 'could not read the saved Telegram offset; using the one in memory');
    }
  }

  private async round(signal: AbortSignal): Promise<void> {
    const { api, timings, metrics } = this.deps;
    try {
      if (!this.webhookCleared) {
        await api.call('deleteWebhook', { drop_pending_updates: false }, { signal });
        this.webhookCleared = true;
      }
      const body = { ...(this.offset !== undefined ? { offset: this.offset } : {}), timeout: timings.pollTimeoutS, allowed_updates: ['message', 'callback_query'] };
      const result = await api.call<unknown>('getUpdates', body, { signal, timeoutMs: timings.pollRequestTimeoutMs });
      if (!Array.isArray(result)) throw new TelegramApiError('getUpdates', 'bad-response', undefined, 'result is not a list');
      metrics.polls.inc({ outcome: 'ok' });
      this.lastOkAt = Date.now();
      this.conflicts = 0;
      if (result.length) await this.take(result);
      this.failures = 0;
      this.lastError = undefined;
    } catch (err) {
      if (signal.aborted) return;
      await this.failed(err, signal);
    }
  }

  /** Stores the updates, then moves the offset past them. */
  private async take(updates: unknown[]): Promise<void> {
    const { maxUpdateId } = await this.deps.updates.receive(updates, 'polling');
    if (maxUpdateId === undefined) return;
    const next = maxUpdateId + 1;
    if (this.offset !== undefined && next <= this.offset) return;
    this.offset = next;
    try {
      await this.deps.offsets.save(next);
    } catch (err) {
      // The next getUpdates confirms these to Telegram anyway; only a restart before the
      // next successful save would fetch them again, and dedupe absorbs that.
      this.deps.logger.warn({ event: 'telegram_offset_save_failed', err: { message: describe(err) } }, 'could not save the Telegram offset');
    }
  }

  private async failed(err: unknown, signal: AbortSignal): Promise<void> {
    const { timings, metrics, logger } = this.deps;
    if (err instanceof TelegramApiError && err.errorCode === 409) {
      metrics.polls.inc({ outcome: 'conflict' });
      this.conflicts += 1;
      const webhook = /webhook/i.test(err.description);
      this.lastError = webhook ? 'a webhook is set for this bot; deleting it to poll' : 'another process is polling this bot (409 Conflict)';
      if (webhook) this.webhookCleared = false;
      logger.warn({ event: 'telegram_poll_conflict', webhook, description: err.description }, 'telegram getUpdates conflict');
      // A webhook set meanwhile is deleted at once; a rival poller is waited out.
      if (!webhook || this.conflicts > 1) await sleep(timings.conflictBackoffMs, signal);
      return;
    }
    metrics.polls.inc({ outcome: 'error' });
    this.failures += 1;
    this.lastError = describe(err);
    const retryAfter = err instanceof TelegramApiError && err.retryAfterS !== undefined ? err.retryAfterS * 1000 : undefined;
    const backoff = Math.min(timings.backoffMinMs * 2 ** (this.failures - 1), timings.backoffMaxMs) * (0.8 + Math.random() * 0.4);
    const wait = retryAfter ?? backoff;
    logger.warn({ event: 'telegram_poll_failed', attempt: this.failures, retryInMs: Math.round(wait), err: { message: this.lastError } }, 'telegram poll failed; backing off');
    await sleep(wait, signal);
  }
}
