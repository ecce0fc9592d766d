// São Paulo's date, for export file names. (The cells' values are SQL: cell-sql.ts.)

/** "2026-11-23" — today's date in São Paulo. */
export function saoPauloDate(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(now);
}
