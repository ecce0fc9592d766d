// SQL for the cell values of the exports: the formula-injection guard, São Paulo wall-clock
// times, and each format's escaping. The database formats every row of an export (see
// contact-batches.ts for why), so these rules live here as SQL, written to give byte for byte
// what the JavaScript versions gave (and exceljs's XML writer, for xlsx).
// Every string constant is spelled with E'' so the SQL means the same whatever
// standard_conforming_strings says.
import { Prisma } from '../../generated/prisma/client.ts';

const raw = (strings: TemplateStringsArray, ...parts: Prisma.Sql[]) => Prisma.sql(strings, ...parts);

// Excel, LibreOffice and Google Sheets read a cell starting with one of these as a formula
// (tab and CR too: some importers strip them and then see the next character). OWASP's advice:
// prefix such cells with a single quote so they are shown, never evaluated.
const FORMULA_STARTS = Prisma.raw(`(E'=', E'+', E'-', E'@', E'\\t', E'\\r')`);

/** The text of `value` (NULL → ''), with a ' in front when it starts like a formula. */
export function neutralizedText(value: Prisma.Sql): Prisma.Sql {
  return raw`(CASE WHEN left(${value}, 1) IN ${FORMULA_STARTS} THEN E'\\'' || ${value} ELSE coalesce(${value}, E'') END)`;
}

// Phones are stored normalized to E.164 by our own validator: "+" and digits, nothing a
// spreadsheet can run. Prefixing them would turn "+5511999998888" into "'+5511999998888" for
// every single contact, breaking copy-paste and re-import, so a value of exactly that shape is
// kept as is (in xlsx it is also written as a text cell, so Excel keeps the "+" and all digits).
// Anything else in the column is treated like free text. [0-9], not \d: PostgreSQL's \d
// follows the locale and may take other scripts' digits; [+] needs no backslash in E''.
export function phoneText(value: Prisma.Sql): Prisma.Sql {
  return raw`(CASE WHEN ${value} ~ E'^[+][1-9][0-9]{6,14}$' THEN ${value} ELSE ${neutralizedText(value)} END)`;
}

// Brazil abolished daylight saving time in 2019; PostgreSQL's time-zone database knows the
// older rules, so a 2018 summer instant shows UTC-2.
const wallClock = (instant: Prisma.Sql) => raw`(${instant} AT TIME ZONE 'America/Sao_Paulo')`;

/** "23/11/2026 14:05" (dd/mm/aaaa HH:mm in America/Sao_Paulo), '' for NULL. */
export function dateTimeBR(instant: Prisma.Sql): Prisma.Sql {
  return raw`coalesce(to_char(${wallClock(instant)}, 'DD/MM/YYYY HH24:MI'), E'')`;
}

/**
 * The Excel date serial of the São Paulo wall-clock time (spreadsheet dates have no zone), as
 * text; NULL for NULL. Computed as exceljs does (25569 + ms / 86400000) in the same float8
 * operations, and float8's text is the shortest exact one, like JavaScript's.
 */
export function excelSerial(instant: Prisma.Sql): Prisma.Sql {
  return raw`(25569 + round(date_part('epoch', ${wallClock(instant)}) * 1000) / 86400000::float8)::text`;
}

/** "2026-11-23T17:05:00.000Z" as a JSON string (toISOString), or null. */
export function jsonInstant(instant: Prisma.Sql): Prisma.Sql {
  return raw`coalesce(E'"' || to_char(${instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || E'"', E'null')`;
}

/** A JSON string (PostgreSQL escapes exactly the characters JSON.stringify does), or null. */
export function jsonText(value: Prisma.Sql): Prisma.Sql {
  return raw`coalesce(to_json(${value})::text, E'null')`;
}

/** RFC 4180: quoted (quotes doubled) when it holds the separator, a quote or a line break. */
export function csvField(value: Prisma.Sql, separator: ';' | ','): Prisma.Sql {
  const special = Prisma.raw(separator === ';' ? `E'[;"\\r\\n]'` : `E'[,"\\r\\n]'`);
  return raw`(CASE WHEN ${value} ~ ${special} THEN E'"' || replace(${value}, E'"', E'""') || E'"' ELSE ${value} END)`;
}

// XML 1.0 cannot hold these; exceljs drops them (and keeps tab, LF and CR).
const XML_FORBIDDEN = Prisma.raw(
  `E'${[...Array.from({ length: 31 }, (_, i) => i + 1).filter((c) => c !== 9 && c !== 10 && c !== 13), 127].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}'`,
);

/** Text for an XML element, escaped as exceljs's xmlEncode does. */
export function xmlText(value: Prisma.Sql): Prisma.Sql {
  return raw`replace(replace(replace(replace(replace(translate(${value}, ${XML_FORBIDDEN}, E''), E'&', E'&amp;'), E'<', E'&lt;'), E'>', E'&gt;'), E'"', E'&quot;'), E'\\'', E'&apos;')`;
}
