// "Nothing else happens" for tests: after an observable event (the engine idle, a reply
// seen), a bounded quiet period during which what the test watches is read again and again and
// must not change. A bare sleep followed by one look would miss a change that came and went,
// and says nothing about why that long was enough.
import { isDeepStrictEqual } from 'node:util';

/** Reads `read` for `quietMs` (every 20 ms); throws if it ever differs from the first reading, else returns it. */
export async function staysFor<T>(read: () => T | Promise<T>, quietMs = 300): Promise<T> {
  const first = await read();
  const until = Date.now() + quietMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await read();
    if (!isDeepStrictEqual(now, first)) throw new Error(`expected no change for ${quietMs} ms, but ${JSON.stringify(first)} became ${JSON.stringify(now)}`);
  }
  return first;
}
