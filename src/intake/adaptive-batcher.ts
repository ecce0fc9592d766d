// Groups concurrent writes into one statement without a timer: a batch is flushed as soon as
// fewer than `maxInFlight` batches are running, so under light load each item goes alone
// (no added latency) and under heavy load items pile up while the database works and leave
// together. A fixed timer does not help a closed-loop sender; this does (ENVIRONMENT.md).
// Items of one group (a chat) never travel in two batches at once: a chat's messages commit
// in the order they arrived, so inbox ids follow arrival order within a chat.

export interface BatcherOptions<I> {
  /** Largest batch (keeps statements and their parameter lists bounded). */
  maxBatch: number;
  /** Batches allowed to run at once. */
  maxInFlight: number;
  /** Items with the same group are committed in order, one batch after the other. */
  groupOf: (item: I) => string;
}

interface Pending<I, O> {
  item: I;
  group: string;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export class AdaptiveBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Groups with an item in a running batch. */
  private readonly busy = new Map<string, number>();

  constructor(
    /** Must return one result per item, in order. */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions<I>,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, group: this.options.groupOf(item), resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || !this.queue.length) return;
    this.scheduled = true;
    // A microtask lets the items pushed in the same tick join this batch.
    queueMicrotask(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private take(): Pending<I, O>[] {
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    // A group already in flight, or held back earlier in this pass, waits (keeps its order).
    const held = new Set<string>();
    for (const p of this.queue) {
      if (batch.length < this.options.maxBatch && !this.busy.has(p.group) && !held.has(p.group)) batch.push(p);
      else {
        held.add(p.group);
        rest.push(p);
      }
    }
    this.queue = rest;
    return batch;
  }

  private run() {
    if (this.inFlight >= this.options.maxInFlight || !this.queue.length) return;
    const batch = this.take();
    if (!batch.length) return;
    this.inFlight++;
    for (const p of batch) this.busy.set(p.group, (this.busy.get(p.group) ?? 0) + 1);
    this.flush(batch.map((p) => p.item))
      .then(
        (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        for (const p of batch) {
          const left = this.busy.get(p.group)! - 1;
          if (left) this.busy.set(p.group, left);
          else this.busy.delete(p.group);
        }
        this.inFlight--;
        this.schedule();
      });
    this.schedule();
  }
}
