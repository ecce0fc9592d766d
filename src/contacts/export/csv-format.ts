// CSV as pt-BR Excel opens it by double-click: UTF-8 with a BOM (without it Excel reads the
// bytes as Windows-1252 and mangles every accent) and ";" between fields (Excel takes the
// list separator from the locale, and pt-BR uses the comma as decimal mark). `sep=,` gives
// the comma for other tools. Quoting and line ends follow RFC 4180.
import { Readable } from 'node:stream';
import type { ContactRow } from '../contact-repository.ts';
import { formatDateTimeBR } from './cells.ts';
import { SPREADSHEET_COLUMNS } from './columns.ts';

export type CsvSeparator = ';' | ',';

const BOM = '\uFEFF';
const CRLF = '\r\n';

function quoter(separator: CsvSeparator): (field: string) => string {
  const needsQuotes = separator === ';' ? /[;"\r\n]/ : /[,"\r\n]/;
  return (field) => (needsQuotes.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
}

export function csvLine(row: ContactRow, separator: CsvSeparator, quote = quoter(separator)): string {
  let line = '';
  for (let i = 0; i < SPREADSHEET_COLUMNS.length; i++) {
    const column = SPREADSHEET_COLUMNS[i]!;
    let field: string;
    if (column.kind === 'date') {
      const value = column.value(row);
      field = value ? formatDateTimeBR(value) : '';
    } else {
      field = quote(column.value(row));
    }
    line += i === 0 ? field : separator + field;
  }
  return line + CRLF;
}

async function* csvChunks(batches: AsyncIterable<ContactRow[]>, separator: CsvSeparator): AsyncGenerator<string> {
  const quote = quoter(separator);
  yield BOM + SPREADSHEET_COLUMNS.map((c) => quote(c.header)).join(separator) + CRLF;
  for await (const batch of batches) {
    // One chunk per batch: far fewer stream operations than one per row.
    let chunk = '';
    for (const row of batch) chunk += csvLine(row, separator, quote);
    yield chunk;
  }
}

/** A byte stream that pulls the next batch only when the consumer wants more. */
export function csvStream(batches: AsyncIterable<ContactRow[]>, separator: CsvSeparator): Readable {
  return Readable.from(csvChunks(batches, separator), { objectMode: false });
}
