// A fixed-window request counter for hot public endpoints (web chat messages, webhooks): one
// Map lookup per hit. @fastify/rate-limit did the same job with a per-key timer store and a
// chain of hooks, ~2 % of the CPU of the message path; this keeps one window for all keys,
// so memory is bounded by the keys seen in one window and is dropped at once when it ends.
// Like every fixed window it lets a key burst up to 2 × max across a window boundary.

export class WindowLimiter {
  private counts = new Map<string, number>();
  private windowEndsAt: number;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowEndsAt = now() + windowMs;
  }

  /** Counts a hit for the key: undefined when allowed, else the seconds until it may retry. */
  hit(key: string): number | undefined {
    const now = this.now();
    if (now >= this.windowEndsAt) {
      this.counts = new Map();
      this.windowEndsAt = now + this.windowMs;
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count > this.max ? Math.max(1, Math.ceil((this.windowEndsAt - now) / 1000)) : undefined;
  }
}
