import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.ts';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000);
    expect(retryAfterMs('Fri, 04 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
  });
  it('ignores what is absent, unreadable, negative or past, and caps at an hour', () => {
    for (const bad of [null, undefined, '', 'soon', '-5', '1.5', 'Fri, 04 Dec 2026 11:00:00 GMT', '0']) expect(retryAfterMs(bad, now)).toBeUndefined();
    expect(retryAfterMs('999999', now)).toBe(3_600_000);
  });
});
