// The sheet XML of the export's rows, rendered by the database (rendered-batches.ts): byte for
// byte what exceljs's row writer produces for the same values (inline "str" text cells, dates
// as serial numbers, exceljs's XML escaping), without its per-row Row/Cell objects, style
// lookups and XML builder, which were ~3/4 of the xlsx export's time (1M rows: ~26 s of ~35 s),
// nor the driver's row objects that came after them.
// xlsx-rows.test.ts pins the XML; test/export-formats.test.ts reads the files back through
// exceljs on both databases.
import { type Fragment, join, sql } from '../../db/sql.ts';
import { cell, SPREADSHEET_COLUMNS, spreadsheetValues } from './columns.ts';
import type { RowRenderer } from './rendered-batches.ts';
import { excelSerial, raw } from './sql-cells.ts';

// exceljs's utils.xmlEncode: the five XML specials become entities; characters XML 1.0
// cannot hold are dropped (tab, LF and CR stay; text cannot hold NUL).
const XML_CONTROLS = String.raw`[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]`;
const XML_SPECIALS = String.raw`[<>&''"\x01-\x08\x0b\x0c\x0e-\x1f\x7f]`;

function xmlText(value: Fragment): Fragment {
  const escaped = sql`replace(replace(replace(replace(replace(${value}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '''', '&apos;'), '"', '&quot;')`;
  return sql`CASE WHEN ${value} ~ '${raw(XML_SPECIALS)}' THEN regexp_replace(${escaped}, '${raw(XML_CONTROLS)}', '', 'g') ELSE ${value} END`;
}

/** The renderer of the export's rows; `styleIds[i]` is the style id of column i (from exceljs). */
export function xlsxRowRenderer(styleIds: readonly number[]): RowRenderer {
  const cells = SPREADSHEET_COLUMNS.map((column, i) => {
    const style = styleIds[i];
    if (!Number.isInteger(style)) throw new Error(`xlsx style id of column ${i} is not an integer: ${style}`);
    const open = sql`'<c r="${raw(String.fromCharCode(65 + i))}' || row_label || '" s="${raw(String(style))}"`;
    if (column.kind === 'text') return sql`${open} t="str"><v>' || ${xmlText(cell(i))} || '</v></c>'`;
    return sql`CASE WHEN ${cell(i)} IS NULL THEN ${open}/>' ELSE ${open}><v>' || ${excelSerial(cell(i))} || '</v></c>' END`;
  });
  const open = sql`'<row r="' || row_label || '" spans="1:${raw(String(SPREADSHEET_COLUMNS.length))}" x14ac:dyDescent="0.25">'`;
  // Row 1 is the header exceljs writes.
  return { values: spreadsheetValues(), line: sql`${open} || ${join(cells, ' || ')} || '</row>'`, firstRowNumber: 2, numbered: true };
}
