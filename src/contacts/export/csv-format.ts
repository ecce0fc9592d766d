// CSV as pt-BR Excel opens it by double-click: UTF-8 with a BOM (without it Excel reads the
// bytes as Windows-1252 and mangles every accent) and ";" between fields (Excel takes the
// list separator from the locale, and pt-BR uses the comma as decimal mark). `sep=,` gives
// the comma for other tools. Quoting and line ends follow RFC 4180; the rows' text comes
// formatted from the database (row-sql.ts csvRow).
import type { ExportChunk } from './contact-batches.ts';
import { SPREADSHEET_COLUMNS } from './columns.ts';

export type CsvSeparator = ';' | ',';

const BOM = '\uFEFF';
const CRLF = '\r\n';

function quote(field: string, separator: CsvSeparator): string {
  return field.includes(separator) || /["\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** The file's chunks: BOM and header, then each batch's rows as the database wrote them. */
export async function* csvChunks(chunks: AsyncIterable<ExportChunk>, separator: CsvSeparator): AsyncGenerator<string> {
  yield BOM + SPREADSHEET_COLUMNS.map((c) => quote(c.header, separator)).join(separator) + CRLF;
  for await (const chunk of chunks) yield chunk.text;
}
