// Cell values of the exports as SQL expressions: the database renders every row's text, so the
// server neither parses nor formats a row (at 1M rows the driver's row objects and the per-row
// formatting in JavaScript were most of an export's time). The rules are the ones spreadsheet
// users rely on — formula-injection guard, São Paulo wall-clock times — and
// test/export-formats.test.ts checks the files against an independent reading of them, on
// PGlite and PostgreSQL. No expression depends on session settings (TimeZone, DateStyle):
// zones are named explicitly.
import { Fragment, sql } from '../../db/sql.ts';

/** SQL text, never a value: for column names and aliases only. */
export const raw = (text: string) => new Fragment([text], []);

// Excel, LibreOffice and Google Sheets read a cell starting with one of these as a formula
// (tab and CR too: some importers strip them and then see the next character). OWASP's advice:
// prefix such cells with a single quote so they are shown, never evaluated.
/** "'" when the text would start a formula, else "" (the prefix a neutralized cell gets). */
// ascii() of the first character compared as integers: at 1M rows a third of the cost of
// comparing left(text, 1) as text. = + - @ tab CR.
export const formulaPrefix = (text: Fragment) => sql`CASE WHEN ascii(${text}) IN (61, 43, 45, 64, 9, 13) THEN '''' ELSE '' END`;

// Phones are stored normalized to E.164 by our own validator: "+" and digits, nothing a
// spreadsheet can run. Prefixing them would turn "+5511999998888" into "'+5511999998888" for
// every single contact, breaking copy-paste and re-import, so a value of exactly that shape is
// kept as is (in xlsx it is also written as a text cell, so Excel keeps the "+" and all digits).
// Anything else in the column is treated like free text.
// The shape /^\+[1-9]\d{6,14}$/ without a regular expression (which cost ~3 s at 1M rows):
// "+" first, 8 to 16 bytes, no "0" after the "+", and nothing but digits besides that "+".
export const isE164 = (text: Fragment) =>
  sql`(ascii(${text}) = 43 AND octet_length(${text}) BETWEEN 8 AND 16 AND ${text} NOT LIKE '+0%' AND translate(${text}, '0123456789', '') = '+')`;

/** dd/mm/aaaa HH:mm in São Paulo (the zone database knows the daylight-saving years). */
export const saoPauloText = (instant: Fragment) => sql`to_char(${instant} AT TIME ZONE 'America/Sao_Paulo', 'DD/MM/YYYY HH24:MI')`;

/**
 * The São Paulo wall-clock time as an Excel serial day (1900 date system, as exceljs counts:
 * 25569 is 1970-01-01). Whole milliseconds first, then the float8 division exceljs does in
 * JavaScript, so the number is the same; float8 prints its shortest exact form, as JS does.
 */
export const excelSerial = (instant: Fragment) =>
  sql`(25569 + round(date_part('epoch', ${instant} AT TIME ZONE 'America/Sao_Paulo') * 1000) / 86400000)::text`;

/** ISO 8601 in UTC with milliseconds, as Date.prototype.toISOString writes it (the columns are timestamptz(3)). */
export const isoUtcText = (instant: Fragment) => sql`to_char(${instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
