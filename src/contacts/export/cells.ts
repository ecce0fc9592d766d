// Cell values shared by the spreadsheet formats (xlsx, csv): São Paulo wall-clock times and
// the formula-injection guard.

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

/**
 * The São Paulo wall-clock time of the instant `utcMs`, as milliseconds whose UTC reading
 * shows it. Spreadsheet date cells have no time zone: this is what makes them show São Paulo time.
 */
export function saoPauloWallClockMs(utcMs: number): number {
  return utcMs + offsetMs(utcMs);
}

/** saoPauloWallClockMs as a Date. */
export function saoPauloWallClock(date: Date): Date {
  return new Date(saoPauloWallClockMs(date.getTime()));
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const MINUTE_MS = 60_000;

/** "23/11/2026 14:05" — dd/mm/aaaa HH:mm in America/Sao_Paulo. */
export function formatDateTimeBR(date: Date): string {
  const w = saoPauloWallClock(date);
  return `${pad(w.getUTCDate())}/${pad(w.getUTCMonth() + 1)}/${w.getUTCFullYear()} ${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}`;
}

/**
 * formatDateTimeBR remembering its last minute: an export goes through the rows in time order,
 * so neighbouring rows mostly share their minute and the text is built once for them.
 * One per column per export (the columns are not in one order).
 */
export function dateTimeBRFormatter(): (date: Date) => string {
  let minute = Number.NaN;
  let text = '';
  return (date) => {
    const m = Math.floor(saoPauloWallClockMs(date.getTime()) / MINUTE_MS);
    if (m !== minute) {
      minute = m;
      text = formatDateTimeBR(date);
    }
    return text;
  };
}

/** "2026-11-23" — today's date in São Paulo, for file names. */
export function saoPauloDate(now: Date = new Date()): string {
  return saoPauloWallClock(now).toISOString().slice(0, 10);
}

// Excel, LibreOffice and Google Sheets read a cell starting with one of these as a formula
// (tab and CR too: some importers strip them and then see the next character). OWASP's advice:
// prefix such cells with a single quote so they are shown, never evaluated.
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

// Phones are stored normalized to E.164 by our own validator: "+" and digits, nothing a
// spreadsheet can run. Prefixing them would turn "+5511999998888" into "'+5511999998888" for
// every single contact, breaking copy-paste and re-import, so a value of exactly that shape is
// kept as is (in xlsx it is also written as a text cell, so Excel keeps the "+" and all digits).
// Anything else in the column is treated like free text.
const E164 = /^\+[1-9]\d{6,14}$/;

export function phoneCell(phone: string): string {
  return E164.test(phone) ? phone : neutralizeFormula(phone);
}
