// São Paulo's calendar date, for the export's file name (the cells themselves are rendered by
// the database: sql-cells.ts).

// Brazil abolished daylight saving time in 2019; the last summer time in São Paulo ended on
// 2019-02-17 at 00:00 local (02:00 UTC). From then on the offset is a fixed UTC-3, which is
// computed directly; older instants ask the time-zone database (ICU), which knows the DST rules.
const FIXED_OFFSET_SINCE = Date.UTC(2019, 1, 17, 2);
const FIXED_OFFSET_MS = -3 * 3_600_000;
const zoneParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Sao_Paulo',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

function offsetMs(utcMs: number): number {
  if (utcMs >= FIXED_OFFSET_SINCE) return FIXED_OFFSET_MS;
  const p = Object.fromEntries(zoneParts.formatToParts(new Date(utcMs)).map((x) => [x.type, Number(x.value)]));
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (utcMs - (utcMs % 1000));
}

/** "2026-11-23" — today's date in São Paulo, for file names. */
export function saoPauloDate(now: Date = new Date()): string {
  return new Date(now.getTime() + offsetMs(now.getTime())).toISOString().slice(0, 10);
}
