import { describe, expect, it } from 'vitest';
import { WindowLimiter } from './window-limiter.ts';

describe('WindowLimiter', () => {
  it('allows max hits per key and window, tells how long to wait, and starts over in the next window', () => {
    let now = 1_000_000;
    const limiter = new WindowLimiter(3, 60_000, () => now);
    expect([limiter.hit('a'), limiter.hit('a'), limiter.hit('a')]).toEqual([undefined, undefined, undefined]);
    now += 15_000;
    expect(limiter.hit('a')).toBe(45);
    // Other keys have their own count.
    expect(limiter.hit('b')).toBeUndefined();
    now += 45_000;
    expect(limiter.hit('a')).toBeUndefined();
  });

  it('never answers a wait shorter than one second', () => {
    let now = 0;
    const limiter = new WindowLimiter(1, 60_000, () => now);
    limiter.hit('a');
    now = 59_999;
    expect(limiter.hit('a')).toBe(1);
  });
});
