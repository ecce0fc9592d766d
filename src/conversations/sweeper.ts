// Crash recovery and housekeeping, on every worker: chats with messages left unprocessed or
// replies left unsent (a worker died, a kick was lost, a send is due for retry) are handed to
// this worker again, and conversations silent past the timeout are queued for expiry.
import type { Logger } from '../observability/logger.ts';
import type { OutboundSender } from '../outbound/outbound-sender.ts';
import { type ChatRef, chatKeyOf } from './chat-ref.ts';
import type { InboxRepository } from '../intake/inbox-repository.ts';

export interface SweeperDeps {
  inbox: InboxRepository;
  sender: OutboundSender;
  schedule: (chatKey: string) => void;
  logger: Logger;
  timeoutMin: number;
  /** How often to look (5 s): the longest a message waits when its kick was lost. */
  intervalMs?: number;
  now?: () => Date;
}

// A message younger than this is still on its way through a kick; leave it to that.
const STALE_AFTER_MS = 3_000;
const BATCH = 200;

export class Sweeper {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private readonly now: () => Date;

  constructor(private readonly deps: SweeperDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    const interval = this.deps.intervalMs ?? 5_000;
    const tick = () => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
        if (this.timer) this.timer = setTimeout(tick, interval);
      });
    };
    // The first sweep right away: a restarted worker picks up what its predecessor left.
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  async sweep(): Promise<void> {
    try {
      const now = this.now();
      const [stale, due] = await Promise.all([
        this.deps.inbox.chatsWithStale(new Date(now.getTime() - STALE_AFTER_MS), BATCH),
        this.deps.sender.chatsWithDueReplies(BATCH),
      ]);
      const expiring = await this.deps.inbox.queueExpiries(new Date(now.getTime() - this.deps.timeoutMin * 60_000), BATCH);
      const keys = new Set([...stale, ...due, ...expiring].map((c: ChatRef) => chatKeyOf(c)));
      for (const key of keys) this.deps.schedule(key);
      if (keys.size) this.deps.logger.info({ event: 'sweep', chats: keys.size, expiring: expiring.length }, 'sweeper found work');
    } catch (err) {
      this.deps.logger.warn({ event: 'sweep_failed', err: { message: (err as Error).message } }, 'sweep failed; will try again');
    }
  }
}
