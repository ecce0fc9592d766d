// A socket can look open and be dead: gateway users (Evolution API, WAHA, Baileys issues)
// report sockets that stay "connected" for hours while nothing arrives. Baileys pings every
// 30 s and WhatsApp answers each ping, so a live socket never goes minutes without a frame;
// one that does is closed and reconnected by the caller (connection.ts). The clock and the
// check interval are injected so a test can run it in milliseconds.

export interface WatchdogOptions {
  /** Silence longer than this means the socket is dead. */
  idleMs: number;
  /** How often silence is measured: the watchdog fires between idleMs and idleMs + checkEveryMs. */
  checkEveryMs: number;
  now?: () => number;
}

/** idleMs from WHATSAPP_WATCHDOG_MIN; 0 turns the watchdog off. Checked every 1/10 of it, at most every 30 s. */
export function watchdogFromMinutes(minutes: number): WatchdogOptions | undefined {
  if (minutes <= 0) return undefined;
  const idleMs = minutes * 60_000;
  return { idleMs, checkEveryMs: Math.min(30_000, idleMs / 10) };
}

export class LivenessWatchdog {
  private last: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: WatchdogOptions,
    /** Called once, with how long the socket was silent, when it is judged dead. */
    private readonly onSilent: (silentMs: number) => void,
  ) {
    this.now = options.now ?? Date.now;
    this.last = this.now();
  }

  start(): void {
    this.stop();
    this.last = this.now();
    this.timer = setInterval(() => {
      const silent = this.now() - this.last;
      if (silent <= this.options.idleMs) return;
      this.stop();
      this.onSilent(silent);
    }, this.options.checkEveryMs);
    this.timer.unref();
  }

  /** Something arrived (a frame, an event, an ack): the socket is alive. */
  touch(): void {
    this.last = this.now();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
