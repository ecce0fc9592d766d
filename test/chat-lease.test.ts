// The chat lease on real Redis (issue 17): a turn longer than the lease keeps it through its
// heartbeat and gives it back at once when it ends; a holder that stops beating (its process
// was killed) loses the chat within a lease, and exactly one survivor is told — through the
// kick queue, so a free worker takes it. Kicks a dead worker had taken are claimed by another
// within seconds, while a live worker's long turn keeps its kick.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CHAT_LEASE, RedisChatLock } from '../src/locks/chat-lock.ts';
import { LeaseReaper } from '../src/locks/lease-reaper.ts';
import { type Kick, RedisKickQueue } from '../src/conversations/kick-queue.ts';
import { dropRedisNamespace, REDIS_TEST_URL } from './helpers/postgres.ts';

const logger = pino({ level: 'silent' });
const name = `chat_lease_${process.pid}_${Date.now()}`;
const namespace = `atende:${name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const connections: Redis[] = [];
async function connect(): Promise<Redis> {
  const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1_000 });
  await redis.connect();
  connections.push(redis);
  return redis;
}

afterAll(async () => {
  for (const c of connections) c.disconnect();
  await dropRedisNamespace(name);
});

describe('chat lease', () => {
  it('is kept past its length while the turn runs, and given back at once when it ends', async () => {
    const a = new RedisChatLock(await connect(), namespace, logger);
    const b = new RedisChatLock(await connect(), namespace, logger);
    let finish!: () => void;
    const turn = a.tryWithLock('web:a:long', () => new Promise<string>((r) => (finish = () => r('done'))));
    await sleep(CHAT_LEASE.leaseMs * 2);
    // Two lease lengths in: still A's, and nobody thinks A died.
    expect(await b.tryWithLock('web:a:long', async () => 'b')).toEqual({ ran: false });
    expect(await b.reapAbandoned()).toEqual([]);
    finish();
    expect(await turn).toEqual({ ran: true, value: 'done' });
    // Released, not lapsed: the next worker gets it now, and it is no one's to reap.
    expect(await b.tryWithLock('web:a:long', async () => 'b')).toEqual({ ran: true, value: 'b' });
    expect(await b.reapAbandoned()).toEqual([]);
  });

  it("of a holder that stopped beating is taken from it within a lease, and reported to one survivor", async () => {
    const deadRedis = await connect();
    const dead = new RedisChatLock(deadRedis, namespace, logger);
    const survivors = [new RedisChatLock(await connect(), namespace, logger), new RedisChatLock(await connect(), namespace, logger)];
    void dead.tryWithLock('web:a:dies', () => new Promise(() => {}));
    await sleep(300);
    expect(await survivors[0]!.tryWithLock('web:a:dies', async () => 'x')).toEqual({ ran: false });
    // kill -9: no more beats, no release.
    deadRedis.disconnect();
    const killedAt = Date.now();

    const reported: string[] = [];
    let reportedAfterMs = 0;
    while (Date.now() - killedAt < CHAT_LEASE.leaseMs * 3) {
      const found = (await Promise.all(survivors.map((s) => s.reapAbandoned()))).flat();
      if (found.length && !reported.length) reportedAfterMs = Date.now() - killedAt;
      reported.push(...found);
      await sleep(100);
    }
    expect(reported).toEqual(['web:a:dies']);
    // Within the lease (plus one look), not the old 10 s lease and 5 s sweep.
    expect(reportedAfterMs).toBeLessThanOrEqual(CHAT_LEASE.leaseMs + 500);
    expect(await survivors[1]!.tryWithLock('web:a:dies', async () => 'taken over')).toEqual({ ran: true, value: 'taken over' });
  });
});

describe('telling the workers', () => {
  const queues: RedisKickQueue[] = [];
  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
  });

  const worker = async (handle: (kick: Kick) => Promise<void>) => {
    const commands = await connect();
    const blocking = await connect();
    const queue = new RedisKickQueue(namespace, commands, blocking, logger);
    queues.push(queue);
    queue.consume({ handle, freeSlots: () => 8, whenFree: async () => {} });
    return { queue, commands, blocking };
  };

  it('keeps delivering kicks after the stream (and its consumer group) was deleted', async () => {
    const received: Kick[] = [];
    const { commands } = await worker(async (kick) => void received.push(kick));
    // One batch, as intake sends it: each chat with the newest inbox id it is about, or none.
    await queues.at(-1)!.kick([{ chat: 'web:a:before', upTo: '41' }, { chat: 'web:a:plain' }]);
    await expect.poll(() => received.filter((k) => k.chat.startsWith('web:a:')).length, { timeout: 5_000 }).toBe(2);
    expect(received).toEqual(expect.arrayContaining([{ chat: 'web:a:before', upTo: '41' }, { chat: 'web:a:plain' }]));
    // A Redis flushed or restarted empty: the next read answers NOGROUP, and the worker
    // makes the group again instead of stalling.
    await commands.del(`${namespace}:kicks`);
    await sleep(1_500);
    await queues.at(-1)!.kick([{ chat: 'web:a:after' }]);
    await expect.poll(() => received.some((k) => k.chat === 'web:a:after'), { timeout: 8_000 }).toBe(true);
    expect(received.filter((k) => k.chat === 'web:a:before')).toHaveLength(1);
  });

  it("kicks a dead holder's chat through the kick queue, to a worker that is free", async () => {
    const received: Kick[] = [];
    await worker(async (kick) => void received.push(kick));
    const deadRedis = await connect();
    void new RedisChatLock(deadRedis, namespace, logger).tryWithLock('web:a:reaped', () => new Promise(() => {}));
    await sleep(300);
    deadRedis.disconnect();

    const survivor = new RedisChatLock(await connect(), namespace, logger);
    const reaper = new LeaseReaper({ reap: () => survivor.reapAbandoned(), kick: (chats) => queues[0]!.kick(chats.map((chat) => ({ chat }))), logger, intervalMs: 200 });
    reaper.start();
    try {
      await expect.poll(() => received.some((k) => k.chat === 'web:a:reaped'), { timeout: CHAT_LEASE.leaseMs * 3 }).toBe(true);
    } finally {
      await reaper.stop();
    }
  });

  it("hands a dead worker's kick to another within seconds, but leaves a live worker's long turn alone", async () => {
    const taken: string[] = [];
    // The busy worker takes every kick and works on it for a long time (an LLM turn).
    const busy = await worker(async (kick) => {
      taken.push(`busy:${kick.chat}`);
      await sleep(8_000);
    });
    await busy.queue.kick([{ chat: 'web:a:long-turn' }]);
    await expect.poll(() => taken, { timeout: 5_000 }).toEqual(['busy:web:a:long-turn']);
    const other = await worker(async (kick) => void taken.push(`other:${kick.chat}`));
    // Well past the claim time: the busy worker is alive and keeps its kick.
    await sleep(6_000);
    expect(taken).toEqual(['busy:web:a:long-turn']);

    // Now a kick taken by a worker that dies with it, before anyone else is there to take it.
    await other.queue.close();
    await busy.queue.kick([{ chat: 'web:a:orphan' }]);
    await expect.poll(() => taken.includes('busy:web:a:orphan'), { timeout: 5_000 }).toBe(true);
    // kill -9: its connections drop, its kicks stay unacknowledged and stop being refreshed.
    busy.commands.disconnect();
    busy.blocking.disconnect();
    await worker(async (kick) => void taken.push(`next:${kick.chat}`));
    // Claimed after 3.5 s of silence, not the former 30 s.
    await expect.poll(() => taken.includes('next:web:a:orphan'), { timeout: 8_000 }).toBe(true);
  }, 40_000);
});
