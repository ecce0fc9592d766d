// The adaptive batcher of the inbox writes: no timer (a lone item goes at once), concurrent
// items share a batch while the previous one runs, and items of one chat never travel in two
// batches at once — so a chat's inbox ids follow the order its messages arrived in.
import { describe, expect, it } from 'vitest';
import { AdaptiveBatcher } from '../src/intake/adaptive-batcher.ts';

interface Item {
  chat: string;
  n: number;
}

function recorder(delayMs = 5) {
  const batches: Item[][] = [];
  const inFlight = new Set<string>();
  const overlaps: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const batcher = new AdaptiveBatcher<Item, string>(
    async (items) => {
      batches.push(items);
      const chats = new Set(items.map((i) => i.chat));
      for (const chat of chats) if (inFlight.has(chat)) overlaps.push(chat);
      chats.forEach((c) => inFlight.add(c));
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setTimeout(r, delayMs));
      running--;
      chats.forEach((c) => inFlight.delete(c));
      return items.map((i) => `${i.chat}#${i.n}`);
    },
    { maxBatch: 10, maxInFlight: 2, groupOf: (i) => i.chat },
  );
  return { batcher, batches, overlaps, maxRunning: () => maxRunning };
}

describe('adaptive batcher', () => {
  it('sends a lone item at once and answers each item with its own result', async () => {
    const { batcher, batches } = recorder();
    const started = performance.now();
    expect(await batcher.push({ chat: 'a', n: 1 })).toBe('a#1');
    expect(performance.now() - started).toBeLessThan(50);
    expect(batches).toHaveLength(1);
  });

  it('groups items that arrive while batches run, never more than two at once nor over the size limit', async () => {
    const { batcher, batches, maxRunning } = recorder();
    const results = await Promise.all(Array.from({ length: 60 }, (_, n) => batcher.push({ chat: `c${n}`, n })));
    expect(results).toEqual(Array.from({ length: 60 }, (_, n) => `c${n}#${n}`));
    expect(batches.length).toBeLessThan(60);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    expect(maxRunning()).toBeLessThanOrEqual(2);
  });

  it('keeps one chat in one batch at a time, in arrival order', async () => {
    const { batcher, batches, overlaps } = recorder();
    const pushed = Array.from({ length: 30 }, (_, n) => ({ chat: n % 3 === 0 ? 'busy' : `c${n}`, n }));
    await Promise.all(pushed.map((item) => batcher.push(item)));
    const order = batches.flat().filter((i) => i.chat === 'busy').map((i) => i.n);
    expect(order).toEqual(pushed.filter((i) => i.chat === 'busy').map((i) => i.n));
    expect(overlaps).toEqual([]);
    expect(batches.filter((b) => b.some((x) => x.chat === 'busy')).length).toBeGreaterThan(1);
  });

  it('rejects every item of a batch whose write failed, and goes on with the next', async () => {
    let fail = true;
    const batcher = new AdaptiveBatcher<Item, number>(
      async (items) => {
        if (fail) {
          fail = false;
          throw new Error('database away');
        }
        return items.map((i) => i.n);
      },
      { maxBatch: 10, maxInFlight: 1, groupOf: (i) => i.chat },
    );
    const first = batcher.push({ chat: 'a', n: 1 });
    await expect(first).rejects.toThrow('database away');
    expect(await batcher.push({ chat: 'a', n: 2 })).toBe(2);
  });
});
