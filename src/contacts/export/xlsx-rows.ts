// The sheet XML of the export's rows, written directly: byte for byte what exceljs's row
// writer produces for the same values (inline "str" text cells, dates as serial numbers,
// exceljs's XML escaping), without its per-row Row/Cell objects, style lookups and XML
// builder, which were ~3/4 of the xlsx export's time (1M rows: ~26 s of ~35 s).
// test/export-formats.test.ts reads the files back through exceljs on both databases.
import type { ContactRow } from '../contact-repository.ts';
import { saoPauloWallClockMs } from './cells.ts';
import { SPREADSHEET_COLUMNS } from './columns.ts';

// exceljs's utils.xmlEncode: the five XML specials become entities; characters XML 1.0
// cannot hold are dropped (tab, LF and CR stay).
// Control characters are what this is about, hence the lint exception.
// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/;
// eslint-disable-next-line no-control-regex
const XML_SPECIALS = /[<>&'"\x7F\x00-\x08\x0B\x0C\x0E-\x1F]/g;
const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

export function xmlText(text: string): string {
  return XML_SPECIAL.test(text) ? text.replace(XML_SPECIALS, (c) => ENTITIES[c] ?? '') : text;
}

const DAY_MS = 86_400_000;
// 1970-01-01 as an Excel serial day (1900 date system), as exceljs's dateToExcel counts.
const EXCEL_EPOCH_DAYS = 25569;

/** The XML writer for the export's rows; `styleIds[i]` is the style id of column i. */
export function xlsxRowWriter(styleIds: readonly number[]): (row: ContactRow, rowNumber: number) => string {
  const letters = SPREADSHEET_COLUMNS.map((_, i) => String.fromCharCode(65 + i));
  const open = `" spans="1:${SPREADSHEET_COLUMNS.length}" x14ac:dyDescent="0.25">`;
  const cells = SPREADSHEET_COLUMNS.map((column, i) => {
    const prefix = `<c r="${letters[i]}`;
    const style = `" s="${styleIds[i]}"`;
    if (column.kind === 'text') {
      const value = column.value;
      return (row: ContactRow, r: number) => `${prefix}${r}${style} t="str"><v>${xmlText(value(row))}</v></c>`;
    }
    const value = column.value;
    return (row: ContactRow, r: number) => {
      const date = value(row);
      return date ? `${prefix}${r}${style}><v>${EXCEL_EPOCH_DAYS + saoPauloWallClockMs(date.getTime()) / DAY_MS}</v></c>` : `${prefix}${r}${style}/>`;
    };
  });
  return (row, r) => {
    let xml = `<row r="${r}${open}`;
    for (let i = 0; i < cells.length; i++) xml += cells[i]!(row, r);
    return `${xml}</row>`;
  };
}
