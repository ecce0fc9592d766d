// Contact sync settings: the receiver and its limits from the environment, plus the timing
// knobs (backoff, polling, claim timeout) that have sane defaults and that tests shorten.
import type { Config } from '../config/env.ts';

export interface SyncTiming {
  /** First retry delay; doubled per attempt, jittered, capped at backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often a worker looks for due events when nothing kicked it (other replicas' writes). */
  pollIntervalMs: number;
  /** Events one worker claims per round. */
  batchSize: number;
}

export interface SyncOptions extends SyncTiming {
  url: string;
  secret: string;
  timeoutMs: number;
  maxAttempts: number;
  /**
   * A claimed event not settled within this time belongs to a worker that died: it becomes
   * due again. Longer than one HTTP attempt, so a slow but live worker keeps its claim.
   */
  claimTimeoutMs: number;
}

// 10 s doubling to 8 attempts spans ~20 minutes of receiver outage before an event fails —
// long enough for a deploy or restart of the receiving system, short enough to be noticed.
export const DEFAULT_SYNC_TIMING: SyncTiming = { backoffBaseMs: 10_000, backoffMaxMs: 3_600_000, pollIntervalMs: 5_000, batchSize: 20 };

/** The sync settings, or undefined when SYNC_WEBHOOK_URL is unset (sync disabled). */
export function syncOptionsFrom(config: Config, timing: Partial<SyncTiming> = {}): SyncOptions | undefined {
  if (!config.SYNC_WEBHOOK_URL || !config.SYNC_WEBHOOK_SECRET) return undefined;
  return {
    ...DEFAULT_SYNC_TIMING,
    ...timing,
    url: config.SYNC_WEBHOOK_URL,
    secret: config.SYNC_WEBHOOK_SECRET,
    timeoutMs: config.SYNC_WEBHOOK_TIMEOUT_MS,
    maxAttempts: config.SYNC_MAX_ATTEMPTS,
    claimTimeoutMs: config.SYNC_WEBHOOK_TIMEOUT_MS + 30_000,
  };
}

/** Delay before attempt `attempt + 1`: exponential with "equal jitter" (half fixed, half random). */
export function backoffDelayMs(attempt: number, timing: Pick<SyncTiming, 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number = Math.random): number {
  const exp = Math.min(timing.backoffMaxMs, timing.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
