// When people answer handoffs (HANDOFF_HOURS, HANDOFF_HOLIDAYS), read in one time zone
// (America/Sao_Paulo by default). Out of hours the bot tells the person, once per handoff,
// when someone will answer; the bot itself keeps registering people 24/7.
// Format: `seg-sex 08:00-18:00; sab 08:00-12:00` — day names in Portuguese (dom seg ter qua
// qui sex sab, accents optional), a range (seg-sex), a list (seg,qua) or one day, then one or
// more `HH:MM-HH:MM` intervals; `;` separates rules. Holidays: `YYYY-MM-DD` separated by commas.

const DAYS = ['dom', 'seg', 'ter', 'qua', 'qui', 'sex', 'sab'] as const;
const DAY_LABELS = ['dom', 'seg', 'ter', 'qua', 'qui', 'sex', 'sáb'];
const DAY_NAMES = ['domingo', 'segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado'];

export interface Interval {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

export interface BusinessHours {
  /** Intervals per weekday (0 = Sunday). */
  week: Interval[][];
  holidays: Set<string>;
  timeZone: string;
  /** The rules as people read them: "seg–sex 08:00–18:00; sáb 08:00–12:00". */
  label: string;
}

export class BusinessHoursError extends Error {}

const plain = (s: string) => s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function day(name: string): number {
  const i = DAYS.indexOf(plain(name).slice(0, 3) as (typeof DAYS)[number]);
  if (i < 0 || plain(name).length > 7) throw new BusinessHoursError(`"${name}" is not a day (use dom, seg, ter, qua, qui, sex, sab)`);
  return i;
}

function days(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const [from, to, extra] = part.split('-').map((s) => s.trim());
    if (!from || extra !== undefined) throw new BusinessHoursError(`"${part}" is not a day or a day range like seg-sex`);
    if (to === undefined) out.push(day(from));
    else for (let d = day(from); ; d = (d + 1) % 7) {
      out.push(d);
      if (d === day(to)) break;
    }
  }
  return out;
}

function time(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60) throw new BusinessHoursError(`"${s}" is not a time like 08:00`);
  return minutes;
}

export function parseBusinessHours(text: string, holidays = '', timeZone = 'America/Sao_Paulo'): BusinessHours {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new BusinessHoursError(`"${timeZone}" is not a time zone`);
  }
  const week: Interval[][] = DAYS.map(() => []);
  const labels: string[] = [];
  for (const rule of text.split(';').map((r) => r.trim()).filter(Boolean)) {
    const [daySpec, ...times] = rule.split(/\s+/);
    if (!daySpec || !times.length) throw new BusinessHoursError(`"${rule}" needs days and at least one interval, like "seg-sex 08:00-18:00"`);
    const intervals = times.map((t) => {
      const [a, b, extra] = t.split('-');
      if (!a || !b || extra !== undefined) throw new BusinessHoursError(`"${t}" is not an interval like 08:00-18:00`);
      const interval = { start: time(a), end: time(b) };
      if (interval.end <= interval.start) throw new BusinessHoursError(`"${t}" ends before it starts`);
      return interval;
    });
    for (const d of days(daySpec)) week[d]!.push(...intervals);
    const dayLabel = daySpec.split(',').map((p) => p.split('-').map((n) => DAY_LABELS[day(n)]).join('–')).join(', ');
    labels.push(`${dayLabel} ${intervals.map((i) => `${hhmm(i.start)}–${hhmm(i.end)}`).join(', ')}`);
  }
  if (!labels.length) throw new BusinessHoursError('no rule given; expected something like "seg-sex 08:00-18:00"');
  for (const list of week) list.sort((a, b) => a.start - b.start);
  const dates = new Set<string>();
  for (const h of holidays.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h) || Number.isNaN(Date.parse(`${h}T00:00:00Z`))) throw new BusinessHoursError(`"${h}" is not a date like 2026-12-25`);
    dates.add(h);
  }
  return { week, holidays: dates, timeZone, label: labels.join('; ') };
}

interface LocalTime {
  date: string;
  weekday: number;
  minutes: number;
}

function local(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday!);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

export interface NextOpening {
  /** Days from today (local): 0 today, 1 tomorrow… */
  inDays: number;
  weekday: number;
  date: string;
  start: number;
}

/** null while open; otherwise when the team answers next (within two weeks, else null too). */
export function nextOpening(hours: BusinessHours, at: Date): NextOpening | null | 'never' {
  for (let d = 0; d < 15; d++) {
    const t = local(new Date(at.getTime() + d * 24 * 3600_000), hours.timeZone);
    if (hours.holidays.has(t.date)) continue;
    const now = d === 0 ? t.minutes : -1;
    for (const interval of hours.week[t.weekday]!) {
      if (d === 0 && now >= interval.start && now < interval.end) return null;
      if (interval.start > now) return { inDays: d, weekday: t.weekday, date: t.date, start: interval.start };
    }
  }
  return 'never';
}

/** "hoje, 14:00" / "amanhã, 08:00" / "segunda, 08:00" / "25/12, 08:00" (a week or more away). */
export function describeOpening(o: NextOpening): string {
  const when = o.inDays === 0 ? 'hoje' : o.inDays === 1 ? 'amanhã' : o.inDays < 7 ? DAY_NAMES[o.weekday]! : `${o.date.slice(8, 10)}/${o.date.slice(5, 7)}`;
  return `${when}, ${hhmm(o.start)}`;
}
