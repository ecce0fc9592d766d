// Tells the workers about chats whose lock holder died. A killed worker cannot say so itself;
// its chat lease simply stops being renewed. Every worker looks often (the look is one Redis
// script, no database), and whoever finds a lapsed lease kicks its chat through the kick queue,
// so the first free worker takes it — within a lease and one look of the death, instead of the
// database sweep's round (message stale for 3 s, sweep every 5 s).
import type { Logger } from '../observability/logger.ts';

export interface LeaseReaperDeps {
  /** Chats whose lease ran out unreleased; each reported to one caller only. */
  reap(): Promise<string[]>;
  /** Hands the chats to the workers. */
  kick(chats: string[]): Promise<void>;
  logger: Logger;
  /** How often to look (500 ms): added to the lease, the longest a dead holder's chat waits. */
  intervalMs?: number;
}

export class LeaseReaper {
  private timer?: NodeJS.Timeout;
  private looking?: Promise<void>;

  constructor(private readonly deps: LeaseReaperDeps) {}

  start(): void {
    const interval = this.deps.intervalMs ?? 500;
    const tick = () => {
      this.looking = this.look().finally(() => {
        this.looking = undefined;
        if (this.timer) this.timer = setTimeout(tick, interval);
      });
    };
    this.timer = setTimeout(tick, interval);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.looking;
  }

  async look(): Promise<void> {
    try {
      const chats = await this.deps.reap();
      if (!chats.length) return;
      await this.deps.kick(chats);
      this.deps.logger.info({ event: 'lease_reaped', chats: chats.length }, 'chats of a worker that stopped were handed to the workers');
    } catch {
      // Redis away: the database sweep still finds the work.
    }
  }
}
