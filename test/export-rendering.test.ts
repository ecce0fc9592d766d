// The export's rows are rendered by the database (src/contacts/export/rendered-batches.ts).
// These pin that text for values that break naive renderers — quotes, separators, CR/LF,
// formula starters, accents and emoji, control characters, empty and null fields — against
// renderings computed here in JavaScript: csv with RFC 4180 quoting, JSON exactly as
// JSON.stringify writes GET /contacts' objects, and the sheet XML exceljs 4.4 writes. Each
// format is rendered in batches of 3 and of 1000: the same text, rows numbered on across batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReasonSearch, buildSearchText } from '../src/contacts/contact-filters.ts';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { csvRenderer } from '../src/contacts/export/csv-format.ts';
import { JSON_RENDERER, jsonStream } from '../src/contacts/export/json-format.ts';
import { copiedRows } from '../src/contacts/export/copied-rows.ts';
import { type RenderedBatch, type RowRenderer, renderedBatches } from '../src/contacts/export/rendered-batches.ts';
import { xlsxRowRenderer } from '../src/contacts/export/xlsx-rows.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { expectedRow, listAll } from './helpers/export-files.ts';

interface RawContact {
  name: string;
  phone: string;
  email?: string | null;
  reason: string;
  sourceChannel?: string;
  mode?: string;
  createdAt: Date;
  updatedAt?: Date;
  consentAt?: Date | null;
}

// Newest first, as the export orders them.
const CONTACTS: RawContact[] = [
  { name: 'Ana "Aspas" ; vírgula, ponto', phone: '+5511912340009', email: 'ana@exemplo.com.br', reason: 'linha 1\r\nlinha 2\nlinha 3\rfim', createdAt: new Date('2026-11-23T14:05:59.999Z'), consentAt: new Date('2026-11-23T14:05:00.001Z') },
  { name: '=cmd|" /C calc"!A0', phone: '-5511', email: null, reason: '', createdAt: new Date('2026-11-23T14:05:00.000Z') },
  { name: 'João Ção 😀 \u2028 fim', phone: '11 9123', email: '', reason: '\ttab inicial', sourceChannel: '+canal', mode: 'attendant', createdAt: new Date('2026-01-01T03:00:00.000Z') },
  { name: 'Controle \u0001\u0008\u000b\u001f\u007f <b>&amp;</b> \'x\'', phone: '+14155552671', email: '@x.com', reason: 'barra \\ invertida "q"', mode: 'contact', createdAt: new Date('2019-02-17T01:59:59.000Z') },
  { name: 'Horário de Verão', phone: '+5511912340006', reason: 'DST', createdAt: new Date('2018-01-15T12:00:00.123Z'), updatedAt: new Date('2026-11-23T14:05:00Z') },
  { name: '@SUM(A1)', phone: '+551', reason: '-2+3', mode: 'api', createdAt: new Date('2001-06-30T23:59:59.500Z') },
  // Around the E.164 shape (+, 1-9, 6 to 14 more digits): only the first two are kept as they are (the column holds 16 characters at most).
  { name: 'Fone 8', phone: '+1234567', reason: 'x', createdAt: new Date('2000-01-04T00:00:00Z') },
  { name: 'Fone 16', phone: '+123456789012345', reason: 'x', createdAt: new Date('2000-01-03T00:00:00Z') },
  { name: 'Fone zero', phone: '+0551191234567', reason: 'x', createdAt: new Date('2000-01-01T00:00:00Z') },
  { name: 'Fone dois +', phone: '+55119+123456', reason: 'x', createdAt: new Date('1999-12-31T00:00:00Z') },
  { name: 'Fone espaço', phone: '+55 11 912345', reason: 'x', createdAt: new Date('1999-12-30T00:00:00Z') },
];

// exceljs 4.4's output for this contact as the second row of a sheet (text style 1, date style 2),
// captured from its WorkbookWriter with addRow + the columns' styles.
const PINNED: RawContact = {
  name: '=Ana & <b> "x"\ty',
  phone: '+5511912340001',
  email: null,
  reason: 'r\r\nx \u0001 ctl',
  sourceChannel: 'web',
  mode: 'contact',
  createdAt: new Date('2018-01-15T12:00:00.123Z'),
  updatedAt: new Date('2026-11-23T14:05:00Z'),
};
const PINNED_ID = '0b6b0f5e-7a1e-4b8e-9d6e-1a2b3c4d5e6f';
const EXCELJS_XML =
  '<row r="2" spans="1:10" x14ac:dyDescent="0.25">' +
  '<c r="A2" s="1" t="str"><v>&apos;=Ana &amp; &lt;b&gt; &quot;x&quot;\ty</v></c>' +
  '<c r="B2" s="1" t="str"><v>+5511912340001</v></c>' +
  '<c r="C2" s="1" t="str"><v></v></c>' +
  '<c r="D2" s="1" t="str"><v>r\r\nx  ctl</v></c>' +
  '<c r="E2" s="1" t="str"><v>web</v></c>' +
  '<c r="F2" s="1" t="str"><v>autocadastro</v></c>' +
  '<c r="G2" s="2"/>' +
  '<c r="H2" s="2"><v>43115.41666809028</v></c>' +
  '<c r="I2" s="2"><v>46349.461805555555</v></c>' +
  '<c r="J2" s="1" t="str"><v>0b6b0f5e-7a1e-4b8e-9d6e-1a2b3c4d5e6f</v></c>' +
  '</row>';

/** RFC 4180 as Excel reads it: quote a field holding the separator, a quote, CR or LF. */
function csvLine(fields: string[], separator: string): string {
  const needsQuotes = new RegExp(`[${separator}"\\r\\n]`);
  return fields.map((f) => (needsQuotes.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(separator) + '\r\n';
}

describe.each(BACKENDS)('rows rendered by the database on %s', (backend) => {
  let t: TestApp;
  let listed: ContactDto[];

  async function insert(c: RawContact, id?: string) {
    const row = { email: null, sourceChannel: 'api', mode: 'api', ...c, updatedAt: c.updatedAt ?? c.createdAt };
    await t.atende.db.prisma.contact.create({
      data: { ...(id ? { id } : {}), ...row, createdBy: 'test', searchText: buildSearchText(row), reasonSearch: buildReasonSearch(row.reason) },
    });
  }

  async function concat(batches: AsyncIterable<RenderedBatch>) {
    const parts: Buffer[] = [];
    let rows = 0;
    for await (const batch of batches) {
      parts.push(Buffer.from(batch.text));
      rows += batch.rows;
    }
    return { text: Buffer.concat(parts).toString('utf8'), rows };
  }
  const render = (renderer: RowRenderer, batchSize: number, filters = {}) => concat(renderedBatches(t.atende.db, filters, renderer, batchSize));

  beforeAll(async () => {
    t = await startTestApp({ backend });
    const token = await t.login();
    for (const c of CONTACTS) await insert(c);
    listed = await listAll(t, token);
  });
  afterAll(() => t?.close());

  it('lists the contacts in the export order (the fixtures are what the cases below compare)', () => {
    expect(listed.map((c) => c.name)).toEqual(CONTACTS.map((c) => c.name));
  });

  it.each([';', ','] as const)('csv with "%s": RFC 4180 lines of the cells a spreadsheet shows', async (separator) => {
    const expected = listed.map((c) => csvLine(expectedRow(c), separator)).join('');
    for (const size of [3, 1000]) expect(await render(csvRenderer(separator), size)).toEqual({ text: expected, rows: CONTACTS.length });
  });

  it('json: byte for byte what JSON.stringify writes for the API objects', async () => {
    // Each object after ",\n"; the stream drops the first comma, so the rows need no numbering.
    const lines = listed.map((c) => ',\n' + JSON.stringify({ ...c, provenance: null })).join('');
    for (const size of [3, 1000]) expect(await render(JSON_RENDERER, size)).toEqual({ text: lines, rows: CONTACTS.length });
    const file = async (batches: AsyncIterable<RenderedBatch>) => {
      const chunks: Buffer[] = [];
      for await (const chunk of jsonStream(batches)) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    };
    const expected = `[\n${listed.map((c) => JSON.stringify({ ...c, provenance: null })).join(',\n')}\n]\n`;
    expect(await file(renderedBatches(t.atende.db, {}, JSON_RENDERER, 3))).toBe(expected);
    if (t.atende.db.copyOut) expect(await file(copiedRows(t.atende.db.copyOut.bind(t.atende.db), {}, JSON_RENDERER))).toBe(expected);
    expect(await file(renderedBatches(t.atende.db, { q: 'nobody-has-this-name' }, JSON_RENDERER, 3))).toBe('[]\n');
  });

  it('xlsx: numbers the rows from 2 on across batches', async () => {
    const { text } = await render(xlsxRowRenderer([1, 1, 1, 1, 1, 1, 2, 2, 2, 1]), 3);
    const rows = text.match(/<row r="\d+"/g);
    expect(rows).toEqual(CONTACTS.map((_, i) => `<row r="${i + 2}"`));
    expect(text).toBe((await render(xlsxRowRenderer([1, 1, 1, 1, 1, 1, 2, 2, 2, 1]), 1000)).text);
  });

  it('PostgreSQL streams the same bytes through COPY (its export path); PGlite has no COPY stream', async () => {
    const copyOut = t.atende.db.copyOut?.bind(t.atende.db);
    expect(Boolean(copyOut)).toBe(backend === 'postgres');
    if (!copyOut) return;
    const renderers = [csvRenderer(';'), csvRenderer(','), JSON_RENDERER, xlsxRowRenderer([1, 1, 1, 1, 1, 1, 2, 2, 2, 1])];
    for (const renderer of renderers) expect(await concat(copiedRows(copyOut, {}, renderer))).toEqual(await render(renderer, 4));
    // Filters are inlined as literals into the COPY (it takes no parameters): quotes and backslashes in them too.
    for (const q of ["Ana O'Brien", 'barra \\ invertida']) {
      expect(await concat(copiedRows(copyOut, { q }, JSON_RENDERER))).toEqual(await render(JSON_RENDERER, 4, { q }));
    }
    expect((await concat(copiedRows(copyOut, { q: 'Ana' }, JSON_RENDERER))).rows).toBe(1);
  });

  it('xlsx: the sheet XML exceljs writes for the same contact', async () => {
    await insert(PINNED, PINNED_ID);
    const { text } = await render(xlsxRowRenderer([1, 1, 1, 1, 1, 1, 2, 2, 2, 1]), 1000, { channel: 'web' });
    expect(text).toBe(EXCELJS_XML);
  });
});
