// CSV as pt-BR Excel opens it by double-click: UTF-8 with a BOM (without it Excel reads the
// bytes as Windows-1252 and mangles every accent) and ";" between fields (Excel takes the
// list separator from the locale, and pt-BR uses the comma as decimal mark). `sep=,` gives
// the comma for other tools. Quoting and line ends follow RFC 4180.
import { Readable } from 'node:stream';
import type { ContactRow } from '../contact-repository.ts';
import { dateTimeBRFormatter } from './cells.ts';
import { SPREADSHEET_COLUMNS } from './columns.ts';

export type CsvSeparator = ';' | ',';

const BOM = '\uFEFF';
const CRLF = '\r\n';

function quoter(separator: CsvSeparator): (field: string) => string {
  const needsQuotes = separator === ';' ? /[;"\r\n]/ : /[,"\r\n]/;
  return (field) => (needsQuotes.test(field) ? `"${field.replace(/"/g, '""')}"` : field);
}

/** One export's line writer: fields of `row` in SPREADSHEET_COLUMNS order, CRLF at the end. */
export function csvLineWriter(separator: CsvSeparator): (row: ContactRow) => string {
  const quote = quoter(separator);
  const fields = SPREADSHEET_COLUMNS.map((column): ((row: ContactRow) => string) => {
    if (column.kind === 'text') return (row) => quote(column.value(row));
    const format = dateTimeBRFormatter();
    return (row) => {
      const value = column.value(row);
      return value ? format(value) : '';
    };
  });
  return (row) => {
    let line = fields[0]!(row);
    for (let i = 1; i < fields.length; i++) line += separator + fields[i]!(row);
    return line + CRLF;
  };
}

async function* csvChunks(batches: AsyncIterable<ContactRow[]>, separator: CsvSeparator): AsyncGenerator<string> {
  const quote = quoter(separator);
  const line = csvLineWriter(separator);
  yield BOM + SPREADSHEET_COLUMNS.map((c) => quote(c.header)).join(separator) + CRLF;
  for await (const batch of batches) {
    // One chunk per batch: far fewer stream operations than one per row.
    const lines = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) lines[i] = line(batch[i]!);
    yield lines.join('');
  }
}

/** A byte stream that pulls the next batch only when the consumer wants more. */
export function csvStream(batches: AsyncIterable<ContactRow[]>, separator: CsvSeparator): Readable {
  return Readable.from(csvChunks(batches, separator), { objectMode: false });
}
