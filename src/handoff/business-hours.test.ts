import { describe, expect, it } from 'vitest';
import { BusinessHoursError, describeOpening, nextOpening, parseBusinessHours } from './business-hours.ts';

// São Paulo is UTC−3 all year (no daylight saving since 2019).
const sp = (local: string) => new Date(`${local}-03:00`);
const HOURS = 'seg-sex 08:00-18:00; sáb 08:00-12:00';

describe('business hours', () => {
  const hours = parseBusinessHours(HOURS, '2026-12-25,2027-01-01');

  it('reads the rules and labels them as people read them', () => {
    expect(hours.label).toBe('seg–sex 08:00–18:00; sáb 08:00–12:00');
    expect(hours.week[0]).toEqual([]);
    expect(hours.week[1]).toEqual([{ start: 480, end: 1080 }]);
    expect(hours.week[6]).toEqual([{ start: 480, end: 720 }]);
  });

  it('is open inside an interval, in São Paulo time', () => {
    expect(nextOpening(hours, sp('2026-12-02T10:00:00'))).toBeNull(); // Wednesday
    expect(nextOpening(hours, sp('2026-12-05T11:59:00'))).toBeNull(); // Saturday
  });

  it('says when the team answers next out of hours', () => {
    const friNight = nextOpening(hours, sp('2026-12-04T19:30:00'));
    expect(friNight).toMatchObject({ inDays: 1, start: 480 });
    expect(describeOpening(friNight as never)).toBe('amanhã, 08:00');
    const satAfternoon = nextOpening(hours, sp('2026-12-05T13:00:00'));
    expect(describeOpening(satAfternoon as never)).toBe('segunda, 08:00');
    expect(describeOpening(nextOpening(hours, sp('2026-12-02T06:00:00')) as never)).toBe('hoje, 08:00');
  });

  it('skips holidays', () => {
    // Christmas Eve 2026 is a Thursday night; Christmas (Friday) is a holiday: Saturday 08:00.
    expect(describeOpening(nextOpening(hours, sp('2026-12-24T20:00:00')) as never)).toBe('sábado, 08:00');
  });

  it('rejects bad rules with a message saying what is wrong', () => {
    expect(() => parseBusinessHours('seg-sxt 08:00-18:00')).toThrow(BusinessHoursError);
    expect(() => parseBusinessHours('seg-sxt 08:00-18:00')).toThrow(/"sxt" is not a day/);
    expect(() => parseBusinessHours('seg 18:00-08:00')).toThrow(/ends before it starts/);
    expect(() => parseBusinessHours('seg 8h-18h')).toThrow(/not an interval|not a time/);
    expect(() => parseBusinessHours('seg')).toThrow(/needs days and at least one interval/);
    expect(() => parseBusinessHours(HOURS, '25/12/2026')).toThrow(/not a date/);
    expect(() => parseBusinessHours(HOURS, '', 'Mars/Olympus')).toThrow(/not a time zone/);
  });
});
