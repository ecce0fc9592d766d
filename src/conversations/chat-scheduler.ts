// Runs chat drains in this process: at most `concurrency` chats at once, one drain per chat
// at a time. A kick for a chat that is being drained is not queued again: it marks the
// drain to look once more when it finishes (with the newest inbox id it was about), which
// covers a message committed just after the drain's last read.
import type { Kick } from './kick-queue.ts';

export type Drain = (chatKey: string, upTo?: bigint) => Promise<void>;

/** What a running drain should look at once more: nothing, a known row, or "anything". */
type Again = bigint | 'any' | null;

const merge = (a: Again, upTo: bigint | undefined): Again => {
  if (a === 'any' || upTo === undefined) return 'any';
  return a === null || upTo > a ? upTo : a;
};

export class ChatScheduler {
  private readonly running = new Map<string, { again: Again }>();
  private readonly waiting = new Map<string, Again>();
  private freeWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly drain: Drain,
    private readonly concurrency: number,
    private readonly onError: (err: unknown, chatKey: string) => void,
  ) {}

  /** Resolves once the chat's work (including this kick) has been looked at or queued. */
  schedule(kick: Kick): Promise<void> {
    const upTo = kick.upTo ? BigInt(kick.upTo) : undefined;
    const current = this.running.get(kick.chat);
    if (current) {
      current.again = merge(current.again, upTo);
      return Promise.resolve();
    }
    if (this.running.size >= this.concurrency) {
      this.waiting.set(kick.chat, merge(this.waiting.get(kick.chat) ?? null, upTo));
      return Promise.resolve();
    }
    return this.run(kick.chat, upTo === undefined ? 'any' : upTo);
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

  private async run(chatKey: string, first: Again): Promise<void> {
    const state: { again: Again } = { again: null };
    this.running.set(chatKey, state);
    try {
      for (let next: Again = first; next !== null; next = state.again) {
        state.again = null;
        try {
          await this.drain(chatKey, next === 'any' ? undefined : next);
        } catch (err) {
          this.onError(err, chatKey);
          break;
        }
      }
    } finally {
      this.running.delete(chatKey);
      this.next();
    }
  }

  private next() {
    while (this.running.size < this.concurrency && this.waiting.size) {
      const [key, again] = this.waiting.entries().next().value!;
      this.waiting.delete(key);
      void this.run(key, again ?? 'any');
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
