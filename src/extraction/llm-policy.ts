// Resilience of LLM calls with cockatiel (SPEC §7), composed as
//   retry( breaker( timeout( call ) ) )
// so that every attempt — not every extraction — counts towards the breaker: an Ollama that is
// down opens the circuit within one extraction, and later extractions fail fast instead of each
// paying the full retry schedule. An open breaker (BrokenCircuitError) is never retried, nor is
// a 4xx answer (a missing model stays missing however often we ask).
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type GeneratorFn,
} from 'cockatiel';
import type { Config } from '../config/env.ts';
import { LlmCallError } from './ollama-chat.ts';

export interface LlmPolicyOptions {
  /** Per attempt; the HTTP request is aborted when it passes. */
  timeoutMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff delay; doubled per retry (1 s, 2 s, 4 s), each jittered by ±20 %. */
  backoffMs: number;
  /** Consecutive failed attempts that open the breaker. */
  breakerThreshold: number;
  /** How long an open breaker fails fast before letting one trial call through. */
  halfOpenAfterMs: number;
}

export function llmPolicyOptions(config: Config): LlmPolicyOptions {
  return {
    timeoutMs: config.LLM_TIMEOUT_MS,
    maxAttempts: config.LLM_MAX_ATTEMPTS,
    backoffMs: config.LLM_BACKOFF_MS,
    breakerThreshold: config.LLM_BREAKER_THRESHOLD,
    halfOpenAfterMs: config.LLM_BREAKER_HALF_OPEN_MS,
  };
}

/** Worst case of one extraction: every attempt times out, every backoff at its longest. */
export function worstCaseMs(o: LlmPolicyOptions): number {
  let backoff = 0;
  for (let i = 0; i < o.maxAttempts - 1; i++) backoff += o.backoffMs * 2 ** i * 1.2;
  return o.maxAttempts * o.timeoutMs + backoff;
}

// Spread retries of many conversations hitting the same outage so they do not arrive together.
const jittered: GeneratorFn<number> = (state, options) => {
  const [delay, next] = noJitterGenerator(state, options);
  return [Math.round(delay * (0.8 + Math.random() * 0.4)), next];
};

/** Failures that say "the LLM is not there right now". */
export function isOutage(err: unknown): boolean {
  return err instanceof TaskCancelledError || (err instanceof LlmCallError && err.isOutage);
}

export type CircuitListener = (open: boolean) => void;

export class LlmPolicy {
  private readonly breaker;
  private readonly policy;

  constructor(readonly options: LlmPolicyOptions) {
    const outage = handleWhen(isOutage);
    this.breaker = circuitBreaker(outage, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    const retries = retry(outage, {
      maxAttempts: options.maxAttempts - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.backoffMs, maxDelay: Math.max(options.backoffMs * 8, 1), generator: jittered }),
    });
    const perAttempt = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    this.policy = wrap(retries, this.breaker, perAttempt);
  }

  /** Runs `call` with the per-attempt signal; throws the last error (or BrokenCircuitError). */
  execute<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.policy.execute(({ signal: attemptSignal }) => call(attemptSignal), signal);
  }

  get circuitOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /**
   * A health probe (start-up, /health/ready) found the LLM unreachable: that is what failed
   * attempts would find, so the breaker opens now instead of after a first extraction has
   * paid for its retries. It then half-opens on its own period, like after real failures: one
   * trial call, no retries. An open breaker stays as it is (its period is not extended).
   */
  async reportOutage(reason: LlmCallError): Promise<void> {
    // Through the breaker's own accounting (consecutive failures), so its state, period and
    // listeners (the circuit gauge) are exactly those of an outage seen by real calls.
    for (let i = 0; i < this.options.breakerThreshold && this.breaker.state === CircuitState.Closed; i++) {
      await this.breaker.execute(() => Promise.reject(reason)).catch(() => {});
    }
  }

  onCircuitChange(listener: CircuitListener): void {
    this.breaker.onStateChange((state) => listener(state !== CircuitState.Closed));
  }
}

export const isBrokenCircuit = (err: unknown): boolean => err instanceof BrokenCircuitError;
