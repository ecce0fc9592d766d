// GET /contacts/export: the files as a user opens them — xlsx through the exceljs reader,
// csv through an RFC 4180 parser, json parsed — compared row by row with what GET /contacts
// lists, including formula-injection cases, a date from the daylight-saving years, and rows
// sharing one timestamp across the boundary between two read batches.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from '../bench/seed.ts';
import { buildReasonSearch, buildSearchText } from '../src/contacts/contact-filters.ts';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { DEFAULT_BATCH_SIZE } from '../src/contacts/export/rendered-batches.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient } from './helpers/contacts.ts';
import { asXmlText, expectedRow, HEADERS, listAll, parseCsv, readXlsx } from './helpers/export-files.ts';

const SEEDED = 4_500; // several read batches

/** Contacts the API would refuse (tab/CR starts, a malformed phone), as old data might hold. */
async function insertRaw(t: TestApp, c: { name: string; phone: string; email?: string; reason: string; createdAt?: Date }) {
  const row = { email: null, ...c };
  return t.atende.db.prisma.contact.create({
    data: { ...row, sourceChannel: 'api', createdBy: 'test', searchText: buildSearchText(row), reasonSearch: buildReasonSearch(row.reason) },
  });
}

const todayInSaoPaulo = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(new Date());

describe.each(BACKENDS)('contact export files on %s', (backend) => {
  let t: TestApp;
  let token: string;
  let listed: ContactDto[];
  const ids: Record<string, string> = {};

  const download = (query: string) => t.atende.http.inject({ url: `/contacts/export?${query}`, headers: { authorization: `Bearer ${token}` } });
  const byId = (rows: string[][], id: string) => rows.find((r) => r[9] === id)!;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    token = await t.login();
    await seedContacts(t.atende.db.prisma, SEEDED, { formulaRatio: 0.02 });
    // 20 rows straddling the end of the second read batch share one timestamp: the keyset must
    // break the tie by id, or rows would be repeated or lost there.
    const around = await t.atende.db.prisma.contact.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: 2 * DEFAULT_BATCH_SIZE - 10,
      take: 20,
      select: { id: true, createdAt: true },
    });
    await t.atende.db.prisma.contact.updateMany({ where: { id: { in: around.map((r) => r.id) } }, data: { createdAt: around[0]!.createdAt } });

    const api = contactsClient(t, token);
    // The API refuses a web address as a name; older rows or a direct import may still hold one.
    ids.hyperlink = (await insertRaw(t, { name: '=HYPERLINK("http://evil.example";"Clique aqui")', phone: '+5511912340001', reason: 'teste' })).id;
    ids.plus = (await api.created({ name: '+Maria Teste', phone: '11 91234-0002', email: '+ana@exemplo.com.br', reason: '=1+2' })).id;
    ids.minus = (await api.created({ name: '-João Teste', phone: '11 91234-0003', email: '-bia@exemplo.com.br', reason: '-2+3 urgente' })).id;
    ids.at = (await api.created({ name: '@Ana Teste', phone: '11 91234-0004', email: '=x@exemplo.com.br', reason: '@SUM(A1:A9)' })).id;
    ids.tab = (await insertRaw(t, { name: '\tTab Nome', phone: '+5511912340005', reason: '\r=cmd' })).id;
    ids.badPhone = (await insertRaw(t, { name: 'Fone Antigo', phone: '-5511', reason: 'motivo; com "aspas", vírgula\r\ne quebra' })).id;
    ids.summer = (await insertRaw(t, { name: 'Horário de Verão', phone: '+5511912340006', reason: 'DST', createdAt: new Date('2018-01-15T12:00:00Z') })).id;
    listed = await listAll(t, token);
  });
  afterAll(() => t?.close());

  it('xlsx: one sheet, PT-BR bold frozen header, every contact in list order, dates as São Paulo date cells', async () => {
    const res = await download('format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="contatos-${todayInSaoPaulo()}.xlsx"`);
    const sheet = await readXlsx(res.rawPayload);
    expect(sheet.header).toEqual(HEADERS);
    expect(sheet.headerBold).toBe(true);
    expect(sheet.frozenRows).toBe(1);
    expect(sheet.widths.every((w) => typeof w === 'number' && w >= 10)).toBe(true);
    expect(sheet.rows).toHaveLength(SEEDED + 7);
    expect(sheet.rows).toEqual(listed.map(expectedRow).map((r) => r.map(asXmlText)));
    // Phones stay text (Excel would show 5,5E+12 for a number); dates are real dates.
    expect(sheet.firstRow[1]).toMatchObject({ type: ExcelJS.ValueType.String, numFmt: '@' });
    expect(sheet.firstRow[7]).toMatchObject({ type: ExcelJS.ValueType.Date, numFmt: 'dd/mm/yyyy hh:mm' });
  });

  it('csv: UTF-8 BOM, ";" separator, CRLF, quoted fields, the same rows', async () => {
    const res = await download('format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="contatos-${todayInSaoPaulo()}.csv"`);
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = res.rawPayload.toString('utf8').slice(1);
    expect(text.startsWith(`${HEADERS.join(';')}\r\n`)).toBe(true);
    expect(text).toContain('"\'=HYPERLINK(""http://evil.example"";""Clique aqui"")"');
    const [header, ...rows] = parseCsv(text, ';');
    expect(header).toEqual(HEADERS);
    expect(rows).toEqual(listed.map(expectedRow));
  });

  it('csv with sep=, uses commas and quotes fields holding commas', async () => {
    const res = await download('format=csv&sep=,');
    expect(res.statusCode).toBe(200);
    const text = res.rawPayload.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.slice(1, text.indexOf('\r\n'))).toBe(HEADERS.join(','));
    expect(text).toContain('"motivo; com ""aspas"", vírgula\r\ne quebra"');
    const [, ...rows] = parseCsv(text.slice(1), ',');
    expect(rows).toEqual(listed.map(expectedRow));
  });

  it('json: an array of the same contacts as GET /contacts, ISO dates in UTC, values untouched', async () => {
    const res = await download('format=json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="contatos-${todayInSaoPaulo()}.json"`);
    const items = res.json<ContactDto[]>();
    expect(items).toEqual(listed);
    expect(items.find((c) => c.id === ids.plus)).toMatchObject({ name: '+Maria Teste', reason: '=1+2', email: '+ana@exemplo.com.br' });
    expect(items.find((c) => c.id === ids.summer)!.createdAt).toBe('2018-01-15T12:00:00.000Z');
  });

  it('neutralizes = + - @ tab and CR at the start of any text cell in xlsx and csv, but not E.164 phones', async () => {
    const xlsx = (await readXlsx((await download('format=xlsx')).rawPayload)).rows;
    const [, ...csv] = parseCsv((await download('format=csv')).rawPayload.toString('utf8').slice(1), ';');
    for (const rows of [xlsx.map((r) => r.map(asXmlText)), csv.map((r) => r.map(asXmlText))]) {
      expect(byId(rows, ids.hyperlink!)[0]).toBe('\'=HYPERLINK("http://evil.example";"Clique aqui")');
      expect(byId(rows, ids.plus!).slice(0, 4)).toEqual(["'+Maria Teste", '+5511912340002', "'+ana@exemplo.com.br", "'=1+2"]);
      expect(byId(rows, ids.minus!).slice(0, 4)).toEqual(["'-João Teste", '+5511912340003', "'-bia@exemplo.com.br", "'-2+3 urgente"]);
      expect(byId(rows, ids.at!).slice(0, 4)).toEqual(["'@Ana Teste", '+5511912340004', "'=x@exemplo.com.br", "'@SUM(A1:A9)"]);
      expect(byId(rows, ids.tab!).slice(0, 4)).toEqual(["'\tTab Nome", '+5511912340005', '', "'\n=cmd"]);
      // Only a value of the exact E.164 shape is trusted as a phone.
      expect(byId(rows, ids.badPhone!)[1]).toBe("'-5511");
      // No other cell of the file starts with a formula character unguarded.
      const unguarded = rows.flatMap((r) => r.filter((cell, i) => i !== 1 && /^[=+\-@\t\r]/.test(cell)));
      expect(unguarded).toEqual([]);
    }
  });

  it('shows times of the daylight-saving years in São Paulo summer time (UTC-2)', async () => {
    const xlsx = (await readXlsx((await download('format=xlsx')).rawPayload)).rows;
    const [, ...csv] = parseCsv((await download('format=csv')).rawPayload.toString('utf8').slice(1), ';');
    expect(byId(xlsx, ids.summer!)[7]).toBe('15/01/2018 10:00');
    expect(byId(csv, ids.summer!)[7]).toBe('15/01/2018 10:00');
  });
});
