// Groups concurrent writes into one statement without a timer: a batch is flushed as soon as
// fewer than `maxInFlight` batches are running, so under light load each item goes alone
// (no added latency) and under heavy load items pile up while the database works and leave
// together. A fixed timer does not help a closed-loop sender; this does (ENVIRONMENT.md).

export interface BatcherOptions {
  /** Largest batch (keeps statements and their parameter lists bounded). */
  maxBatch: number;
  /** Batches allowed to run at once. */
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export class AdaptiveBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Must return one result per item, in order. */
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions,
  ) {}

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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

  private run() {
    if (this.inFlight >= this.options.maxInFlight || !this.queue.length) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.inFlight++;
    this.flush(batch.map((p) => p.item))
      .then(
        (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
    this.schedule();
  }
}
