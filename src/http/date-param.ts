// The one parser for date query parameters (contact filters, export, audit). JavaScript's
// Date takes nearly anything — "2024-02-30" became March 1st, "-000001-01-01" and year
// 99999 went on to PostgreSQL, which failed the request (or an export already streaming,
// leaving a truncated file). Here a value is a real calendar date with a four-digit year, or
// an ISO 8601 date-time with an explicit offset; anything else is a 400 naming the parameter.
import { z } from 'zod';

// America/Sao_Paulo has had no daylight saving time since 2019: a fixed UTC-3 offset.
const SAO_PAULO_OFFSET_MIN = -180;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/i;

const MESSAGE = 'expected a date (2026-01-31) or an ISO date-time with offset (2026-01-31T14:00:00-03:00), years 0001-9999';

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one (UTC, so no time zone moves it).
  const date = new Date(Date.UTC(2000, month, 0));
  date.setUTCFullYear(year, month, 0);
  return day <= date.getUTCDate();
}

/**
 * "2026-01-31" → the start of that day in São Paulo ("end": the start of the next day, so an
 * upper bound includes the whole day); a date-time → that instant. undefined when invalid.
 */
export function parseDateParam(value: string, edge: 'start' | 'end' = 'start'): Date | undefined {
  const dateOnly = DATE_ONLY.exec(value);
  const m = dateOnly ?? DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isCalendarDate(year, month, day)) return undefined;
  let ms: number;
  if (dateOnly) {
    ms = utc(year, month, day, 0, 0, 0, 0) - SAO_PAULO_OFFSET_MIN * 60_000 + (edge === 'end' ? 86_400_000 : 0);
  } else {
    const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    const zone = m[8]!.toUpperCase();
    const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    if (Math.abs(offsetMin) > 14 * 60 || Number(zone.slice(4, 6) || 0) > 59) return undefined;
    const millis = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
    ms = utc(year, month, day, hour, minute, second, millis) - offsetMin * 60_000;
  }
  // An offset or the day's end can step just outside years 1-9999 (0001-01-01T00:00+03:00,
  // the end of 9999-12-31), where JavaScript writes "+010000-…" and PostgreSQL refuses year 0.
  // As a bound, the nearest instant inside selects the same rows.
  return new Date(Math.min(LATEST, Math.max(EARLIEST, ms)));
}

const EARLIEST = utc(1, 1, 1, 0, 0, 0, 0);
const LATEST = utc(9999, 12, 31, 23, 59, 59, 999);

function utc(year: number, month: number, day: number, h: number, min: number, s: number, ms: number): number {
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month - 1, day, h, min, s, ms));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** A query parameter holding a date or date-time (see parseDateParam), as a Date. */
export const dateParam = (edge: 'start' | 'end' = 'start') =>
  z
    .string()
    .trim()
    .max(40)
    .refine((v) => parseDateParam(v, edge) !== undefined, { error: MESSAGE })
    .transform((v) => parseDateParam(v, edge)!);
