import { describe, expect, it } from 'vitest';
import { parseDateParam } from './date-param.ts';

describe('date query parameters', () => {
  it('reads a date as a whole day in São Paulo and a date-time as given', () => {
    expect(parseDateParam('2026-03-01')?.toISOString()).toBe('2026-03-01T03:00:00.000Z');
    expect(parseDateParam('2026-03-01', 'end')?.toISOString()).toBe('2026-03-02T03:00:00.000Z');
    expect(parseDateParam('2024-02-29')?.toISOString()).toBe('2024-02-29T03:00:00.000Z');
    expect(parseDateParam('2026-01-31T14:05:00-03:00')?.toISOString()).toBe('2026-01-31T17:05:00.000Z');
    expect(parseDateParam('2026-01-31T14:05:09.123456Z')?.toISOString()).toBe('2026-01-31T14:05:09.123Z');
    expect(parseDateParam('0001-01-01T00:00Z')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parseDateParam('9999-12-31')?.toISOString()).toBe('9999-12-31T03:00:00.000Z');
    // Bounds that step outside years 1-9999 are held at the edge (same rows, and PostgreSQL can read them).
    expect(parseDateParam('9999-12-31', 'end')?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(parseDateParam('0001-01-01T00:00+03:00')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('refuses what JavaScript would bend into another date, or PostgreSQL cannot hold', () => {
    for (const bad of [
      '2024-02-30',
      '2023-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '0000-01-01',
      '-000001-01-01',
      '+099999-01-01',
      '99999-01-01',
      '2026-01-31T24:00Z',
      '2026-01-31T10:60Z',
      '2026-01-31T10:00',
      '2026-01-31T10:00+15:00',
      '1700000000',
      'Jan 5 2026',
      '2026-1-5',
      '',
    ]) {
      expect(parseDateParam(bad), bad).toBeUndefined();
    }
  });
});
