// The Redis fast path of dedupe: a "seen" mark per message, set only once the message is in
// the inbox (marking first and failing to store would turn the provider's redelivery into a
// "duplicate" and lose the message). Marking and kicking the chat's worker are folded into
// one script: one round trip per batch after the commit.
import type { Redis } from 'ioredis';
import { type Kick, kickStream } from '../conversations/kick-queue.ts';

// KEYS: the seen marks, then the kick stream. ARGV: ttl, number of marks, then for each kick
// its chat key and the newest inbox id it is about.
const MARK_AND_KICK = `
local marks = tonumber(ARGV[2])
for i = 1, marks do redis.call('SET', KEYS[i], '1', 'EX', ARGV[1], 'NX') end
for i = 3, #ARGV, 2 do redis.call('XADD', KEYS[marks + 1], 'MAXLEN', '~', '100000', '*', 'chat', ARGV[i], 'upto', ARGV[i + 1]) end
return marks`;

type MarkAndKick = (numKeys: number, ...args: (string | number)[]) => Promise<number>;

export class SeenMarks {
  private readonly markAndKickScript: MarkAndKick;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    /**
     * How long a mark lives (DEDUPE_TTL_S, 2 days by default): longer than any provider
     * retries a webhook (Meta: up to 7 days at decreasing rates, but the bulk within hours),
     * short enough that Redis memory stays bounded. Past it, the database key still answers.
     */
    private readonly ttlSeconds: number,
  ) {
    redis.defineCommand('atendeMarkAndKick', { lua: MARK_AND_KICK });
    this.markAndKickScript = (redis as unknown as { atendeMarkAndKick: MarkAndKick }).atendeMarkAndKick.bind(redis);
  }

  /** Which of these dedupe keys are marked seen. Throws when Redis is away. */
  async seen(keys: string[]): Promise<boolean[]> {
    if (!keys.length) return [];
    const values = await this.redis.mget(keys.map((k) => this.markKey(k)));
    return values.map((v) => v !== null);
  }

  /** Marks committed messages seen and kicks their chats, in one round trip. */
  async markAndKick(keys: string[], kicks: Required<Kick>[]): Promise<void> {
    if (!keys.length && !kicks.length) return;
    const args = kicks.flatMap((k) => [k.chat, k.upTo]);
    await this.markAndKickScript(keys.length + 1, ...keys.map((k) => this.markKey(k)), kickStream(this.namespace), this.ttlSeconds, keys.length, ...args);
  }

  private markKey(dedupeKey: string) {
    return `${this.namespace}:seen:${dedupeKey}`;
  }
}
