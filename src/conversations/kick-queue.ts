// "This chat has work": the signal from intake (and the sweeper, and the admin API) to the
// workers. Embedded, it is a function call. With Redis, it goes through a stream with a
// consumer group, so any replica's worker can take any chat, and a kick taken by a worker
// that dies is claimed by another. Kicks are hints, not data: the inbox rows are the data,
// and a lost kick only waits for the sweeper.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

/** The error code a Redis error reply starts with (RESP: "-NOGROUP No such key…"). */
function redisErrorCode(err: unknown): string | undefined {
  // By name, not instanceof: ioredis loads only when Redis is configured (locks/redis.ts).
  return err instanceof Error && err.name === 'ReplyError' ? err.message.split(' ', 1)[0] : undefined;
}

/**
 * A kick: chat key, and — when it comes from intake — the id of the newest inbox row it is
 * about, so a worker that has already handled that row skips it without asking the database.
 */
export interface Kick {
  chat: string;
  upTo?: string;
}

export type KickHandler = (kick: Kick) => Promise<void>;

export interface KickConsumer {
  handle: KickHandler;
  /** How many more kicks the worker can take right now. */
  freeSlots(): number;
  /** Resolves when a slot frees up. */
  whenFree(): Promise<void>;
}

export interface KickQueue {
  kick(kicks: Kick[]): Promise<void>;
  /** Workers only: starts handing kicks to the consumer. */
  consume(consumer: KickConsumer): void;
  close(): Promise<void>;
}

export const kickStream = (namespace: string) => `${namespace}:kicks`;
const GROUP = 'workers';
// A kick unacknowledged this long belongs to a worker that died: another one takes it. A
// live worker keeps its kicks fresh (REFRESH_MS) however long their turns take (an LLM call may
// take 30 s), so the idle time measures the worker's silence, not the turn's length; a few
// refreshes fit in it, so one late beat does not hand a live worker's kick to another.
const CLAIM_IDLE_MS = 3_500;
const REFRESH_MS = 1_000;
// How often a worker looks for a dead one's kicks.
const CLAIM_EVERY_MS = 1_000;

// Appends one stream entry per kick (chat, upto pairs in ARGV; an empty upto is left out).
// ~100k entries cap the stream if no worker runs at all; acked entries are deleted.
const ADD_KICKS = `
for i = 1, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*', 'chat', ARGV[i])
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*', 'chat', ARGV[i], 'upto', ARGV[i + 1])
  end
end
return #ARGV / 2`;

export class LocalKickQueue implements KickQueue {
  private consumer?: KickConsumer;

  constructor(private readonly logger: Logger) {}

  async kick(kicks: Kick[]): Promise<void> {
    for (const kick of kicks) this.deliver(kick);
  }

  /** Hands a kick to this process's worker, if it runs one. */
  deliver(kick: Kick) {
    this.consumer?.handle(kick).catch((err) => this.logger.error({ event: 'kick_failed', err }, 'handling a kick failed'));
  }

  consume(consumer: KickConsumer): void {
    this.consumer = consumer;
  }

  async close(): Promise<void> {
    this.consumer = undefined;
  }
}

export class RedisKickQueue implements KickQueue {
  private readonly local: LocalKickQueue;
  private running = false;
  private loop?: Promise<void>;
  private readonly name = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly stream: string;

  constructor(
    namespace: string,
    private readonly commands: Redis,
    private readonly blocking: Redis,
    private readonly logger: Logger,
  ) {
    this.local = new LocalKickQueue(logger);
    this.stream = kickStream(namespace);
  }

  async kick(kicks: Kick[]): Promise<void> {
    if (!kicks.length) return;
    try {
      // One command for the whole batch (an intake batch kicks each of its chats): ioredis
      // spends more per command than Redis does per entry (bench:intake, ~20 µs a message).
      await this.commands.eval(ADD_KICKS, 1, this.stream, ...kicks.flatMap((k) => [k.chat, k.upTo ?? '']));
    } catch {
      // Redis away: this process's worker (if any) takes the chats; the sweeper the rest.
      for (const kick of kicks) this.local.deliver(kick);
    }
  }

  consume(consumer: KickConsumer): void {
    this.local.consume(consumer);
    this.running = true;
    this.loop = this.run(consumer);
    this.refresher = setInterval(() => this.refresh(), REFRESH_MS);
  }

  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.refresher);
    await this.local.close();
    await this.loop?.catch(() => {});
  }

  private async run(consumer: KickConsumer) {
    let lastClaim = 0;
    while (this.running) {
      try {
        if (consumer.freeSlots() <= 0) {
          await consumer.whenFree();
          continue;
        }
        if (Date.now() - lastClaim > CLAIM_EVERY_MS) {
          lastClaim = Date.now();
          await this.claimAbandoned(consumer);
        }
        const reply = (await this.blocking.xreadgroup('GROUP', GROUP, this.name, 'COUNT', consumer.freeSlots(), 'BLOCK', 1_000, 'STREAMS', this.stream, '>')) as
          | [string, [string, string[]][]][]
          | null;
        for (const [, entries] of reply ?? []) this.handleEntries(consumer, entries);
      } catch (err) {
        if (!this.running) break;
        if (redisErrorCode(err) === 'NOGROUP') await this.createGroup();
        else await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private handleEntries(consumer: KickConsumer, entries: [string, string[]][]) {
    for (const [id, fields] of entries) {
      const field = (name: string) => (fields.includes(name) ? fields[fields.indexOf(name) + 1] : undefined);
      const chat = field('chat');
      if (!chat) {
        this.ack(id);
        continue;
      }
      const upTo = field('upto');
      this.inflight.add(id);
      consumer
        .handle({ chat, ...(upTo ? { upTo } : {}) })
        .catch((err) => this.logger.error({ event: 'kick_failed', err }, 'handling a kick failed'))
        .finally(() => this.ack(id));
    }
  }

  private acks: string[] = [];
  /** Kicks taken and not yet acknowledged: kept fresh while their work runs. */
  private readonly inflight = new Set<string>();
  private refresher?: NodeJS.Timeout;

  /** Re-claiming its own kicks resets their idle time: "this worker is alive, leave them". */
  private refresh() {
    if (!this.inflight.size) return;
    this.commands.xclaim(this.stream, GROUP, this.name, 0, ...this.inflight, 'JUSTID').catch(() => {});
  }

  /** Acknowledges (and deletes) handled kicks, several per round trip. */
  private ack(id: string) {
    this.inflight.delete(id);
    this.acks.push(id);
    if (this.acks.length > 1) return;
    setImmediate(() => {
      const ids = this.acks;
      this.acks = [];
      this.commands.multi().xack(this.stream, GROUP, ...ids).xdel(this.stream, ...ids).exec().catch(() => {});
    });
  }

  private async claimAbandoned(consumer: KickConsumer) {
    const reply = (await this.commands.xautoclaim(this.stream, GROUP, this.name, CLAIM_IDLE_MS, '0', 'COUNT', 50)) as [string, [string, string[]][]];
    if (reply?.[1]?.length) this.handleEntries(consumer, reply[1].filter((e) => e && e[1]));
  }

  private async createGroup() {
    try {
      // From the start of the stream: kicks written before any worker existed count too.
      await this.commands.xgroup('CREATE', this.stream, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (redisErrorCode(err) !== 'BUSYGROUP') await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
