// Runs chat drains in this process: at most `concurrency` chats at once, one drain per chat
// at a time. A kick for a chat that is being drained is not queued again: it marks the
// drain to look once more when it finishes, which covers a message committed just after
// the drain's last read.

export type Drain = (chatKey: string) => Promise<void>;

export class ChatScheduler {
  private readonly running = new Map<string, { again: boolean }>();
  private readonly waiting = new Set<string>();
  private freeWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly drain: Drain,
    private readonly concurrency: number,
    private readonly onError: (err: unknown, chatKey: string) => void,
  ) {}

  /** Resolves once the chat's work (including this kick) has been looked at. */
  schedule(chatKey: string): Promise<void> {
    const current = this.running.get(chatKey);
    if (current) {
      current.again = true;
      return Promise.resolve();
    }
    if (this.running.size >= this.concurrency) {
      this.waiting.add(chatKey);
      return Promise.resolve();
    }
    return this.run(chatKey);
  }

  freeSlots(): number {
    return Math.max(0, this.concurrency - this.running.size - this.waiting.size);
  }

  whenFree(): Promise<void> {
    if (this.freeSlots() > 0) return Promise.resolve();
    return new Promise((resolve) => this.freeWaiters.push(resolve));
  }

  /** Resolves when no drain is running or waiting (shutdown, tests). */
  whenIdle(): Promise<void> {
    if (!this.running.size && !this.waiting.size) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(chatKey: string): Promise<void> {
    const state = { again: false };
    this.running.set(chatKey, state);
    try {
      do {
        state.again = false;
        try {
          await this.drain(chatKey);
        } catch (err) {
          this.onError(err, chatKey);
          break;
        }
      } while (state.again);
    } finally {
      this.running.delete(chatKey);
      this.next();
    }
  }

  private next() {
    while (this.running.size < this.concurrency && this.waiting.size) {
      const key = this.waiting.values().next().value!;
      this.waiting.delete(key);
      void this.run(key);
    }
    if (this.freeSlots() > 0) {
      const waiters = this.freeWaiters;
      this.freeWaiters = [];
      waiters.forEach((w) => w());
    }
    if (!this.running.size && !this.waiting.size) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }
}
