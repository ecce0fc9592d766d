// Runs chat drains in this process: at most `concurrency` chats at once, one drain per chat
// at a time. A kick for a chat that is being drained is not queued again: it marks the
// drain to look once more when it finishes (with the newest inbox id it was about), which
// covers a message committed just after the drain's last read.
// A drain may also ask to be run again later (a message burst still gathering, burst.ts):
// the chat then waits on a timer, outside the running set, so it takes no worker slot; kicks
// for it meanwhile change nothing, since the timer's drain reads everything that came.
import type { Kick } from './kick-queue.ts';

export type Drain = (chatKey: string, upTo?: bigint) => Promise<{ againInMs: number } | void>;

/** What a running drain should look at once more: nothing, a known row, or "anything". */
type Again = bigint | 'any' | null;

const merge = (a: Again, upTo: bigint | undefined): Again => {
  if (a === 'any' || upTo === undefined) return 'any';
  return a === null || upTo > a ? upTo : a;
};

export class ChatScheduler {
  private readonly running = new Map<string, { again: Again }>();
  private readonly waiting = new Map<string, Again>();
  private readonly deferred = new Map<string, NodeJS.Timeout>();
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
    if (this.deferred.has(kick.chat)) return Promise.resolve();
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

  /** Resolves when no drain is running, waiting, or due to run again (shutdown, tests). */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Shutdown: drops the pending looks-again; their messages stay in the inbox for the next worker. */
  cancelDeferred(): void {
    for (const timer of this.deferred.values()) clearTimeout(timer);
    this.deferred.clear();
    this.next();
  }

  private idle(): boolean {
    return !this.running.size && !this.waiting.size && !this.deferred.size;
  }

  private async run(chatKey: string, first: Again): Promise<void> {
    const state: { again: Again } = { again: null };
    this.running.set(chatKey, state);
    let later: number | undefined;
    try {
      for (let next: Again = first; next !== null; next = state.again) {
        state.again = null;
        try {
          later = (await this.drain(chatKey, next === 'any' ? undefined : next))?.againInMs;
          if (later !== undefined) break;
        } catch (err) {
          this.onError(err, chatKey);
          break;
        }
      }
    } finally {
      this.running.delete(chatKey);
      if (later !== undefined) this.defer(chatKey, later);
      this.next();
    }
  }

  private defer(chatKey: string, ms: number) {
    const timer = setTimeout(() => {
      this.deferred.delete(chatKey);
      void this.schedule({ chat: chatKey }).finally(() => this.next());
    }, ms);
    this.deferred.set(chatKey, timer);
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
    if (this.idle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }
}
