// Reading export files back the way a user's tools would (exceljs reader, an RFC 4180 CSV
// parser), and what each contact should look like in them — computed independently of the
// export code (Intl for São Paulo time) so a bug there cannot hide in both places.
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import type { ContactDto } from '../../src/contacts/contact-schemas.ts';
import type { TestApp } from './app.ts';

export const HEADERS = ['Nome', 'Telefone', 'E-mail', 'Motivo', 'Canal', 'Origem', 'Consentimento em', 'Criado em', 'Atualizado em', 'ID'];
const MODE_LABELS: Record<string, string> = { contact: 'autocadastro', attendant: 'atendente', api: 'API' };

const saoPaulo = new Intl.DateTimeFormat('pt-BR', {
  timeZone: 'America/Sao_Paulo',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "dd/mm/aaaa HH:mm" in America/Sao_Paulo. */
export function brDateTime(iso: string | null): string {
  return iso ? saoPaulo.format(new Date(iso)).replace(',', '') : '';
}

/** What a spreadsheet cell shows for a free-text value: formula starters get a ' in front. */
export function shownText(value: string | null): string {
  if (value === null) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Text as an XML reader returns it: XML turns every CR or CRLF into LF (a spreadsheet app
 * reading the xlsx does the same), so CRs cannot survive a trip through xlsx.
 */
export function asXmlText(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

/** The row a contact should become in xlsx/csv, every cell as displayed text. */
export function expectedRow(c: ContactDto): string[] {
  return [
    shownText(c.name),
    // Phones in E.164 (all the API stores) are shown as they are; anything else is free text.
    /^\+[1-9]\d{6,14}$/.test(c.phone) ? c.phone : shownText(c.phone),
    shownText(c.email),
    shownText(c.reason),
    shownText(c.source.channel),
    MODE_LABELS[c.mode]!,
    brDateTime(c.consentAt),
    brDateTime(c.createdAt),
    brDateTime(c.updatedAt),
    c.id,
  ];
}

/** RFC 4180: quoted fields may hold the separator, doubled quotes and line breaks; records end in CRLF. */
export function parseCsv(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && field === '') {
      // A quoted field: up to the next quote that is not a doubled one.
      i++;
      for (;;) {
        const k = text.indexOf('"', i);
        if (k === -1) throw new Error('unterminated quoted field');
        field += text.slice(i, k);
        i = k + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
      if (i < text.length && text[i] !== separator && !text.startsWith('\r\n', i)) throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    if (ch === separator) {
      record.push(field);
      field = '';
      i++;
    } else if (text.startsWith('\r\n', i)) {
      records.push([...record, field]);
      record = [];
      field = '';
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      throw new Error(`bare ${ch === '\n' ? 'LF' : 'CR'} outside quotes at ${i}`);
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || record.length) throw new Error('last record does not end with CRLF');
  return records;
}

export interface XlsxSheet {
  name: string;
  frozenRows: number | undefined;
  widths: (number | undefined)[];
  headerBold: boolean;
  /** Data rows (after the header), each cell as the text Excel would show. */
  rows: string[][];
  header: string[];
  /** Cell types and formats of the first data row. */
  firstRow: { type: ExcelJS.ValueType; numFmt: string | undefined; value: ExcelJS.CellValue }[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A cell as shown with its format: date cells (which hold wall-clock time) as dd/mm/aaaa HH:mm. */
function shown(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    if (cell.numFmt !== 'dd/mm/yyyy hh:mm') throw new Error(`date cell ${cell.address} has format ${cell.numFmt}`);
    return `${pad(v.getUTCDate())}/${pad(v.getUTCMonth() + 1)}/${v.getUTCFullYear()} ${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}`;
  }
  if (typeof v !== 'string') throw new Error(`cell ${cell.address} holds ${typeof v}, expected text or date`);
  return v;
}

export async function readXlsx(data: Buffer): Promise<XlsxSheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(data as unknown as ArrayBuffer);
  const [sheet] = workbook.worksheets;
  if (!sheet || workbook.worksheets.length !== 1) throw new Error('expected exactly one worksheet');
  const width = sheet.columnCount;
  const rowText = (n: number) => Array.from({ length: width }, (_, i) => shown(sheet.getRow(n).getCell(i + 1)));
  const rows: string[][] = [];
  for (let n = 2; n <= sheet.rowCount; n++) rows.push(rowText(n));
  const first = sheet.getRow(2);
  return {
    name: sheet.name,
    frozenRows: sheet.views[0]?.state === 'frozen' ? sheet.views[0].ySplit : undefined,
    widths: sheet.columns.map((c) => c.width),
    headerBold: Array.from({ length: width }, (_, i) => sheet.getRow(1).getCell(i + 1).font?.bold === true).every(Boolean),
    header: rowText(1),
    rows,
    firstRow: Array.from({ length: width }, (_, i) => {
      const cell = first.getCell(i + 1);
      return { type: cell.type, numFmt: cell.numFmt, value: cell.value };
    }),
  };
}

/** Every contact GET /contacts returns for `query`, all pages, in its order. */
export async function listAll(t: TestApp, token: string, query: Record<string, string> = {}): Promise<ContactDto[]> {
  const all: ContactDto[] = [];
  let cursor: string | null = null;
  do {
    const res: LightMyRequestResponse = await t.atende.http.inject({
      url: '/contacts',
      headers: { authorization: `Bearer ${token}` },
      query: { ...query, limit: '200', ...(cursor ? { cursor } : {}) },
    });
    if (res.statusCode !== 200) throw new Error(`GET /contacts: ${res.statusCode} ${res.body}`);
    const page: { items: ContactDto[]; nextCursor: string | null } = res.json();
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
