// The sheet rows written without exceljs's row writer must be the XML exceljs 4.4 wrote for
// the same contact (captured from its WorkbookWriter with addRow + the columns' styles):
// escaping, dropped control characters, CR/LF and tab kept, São Paulo date serials (summer
// time too), an empty date cell still styled. The files as a whole are read back through
// exceljs in test/export-formats.test.ts.
import { describe, expect, it } from 'vitest';
import type { ContactRow } from '../contact-repository.ts';
import { xlsxRowWriter } from './xlsx-rows.ts';

const row: ContactRow = {
  id: '0b6b0f5e-7a1e-4b8e-9d6e-1a2b3c4d5e6f',
  name: '=Ana & <b> "x"\ty',
  phone: '+5511912340001',
  email: null,
  reason: 'r\r\nx \u0001 ctl',
  sourceChannel: 'web',
  sourceChatId: null,
  createdBy: 'x',
  mode: 'contact',
  consentAt: null,
  syncStatus: 'disabled',
  syncError: null,
  syncedAt: null,
  createdAt: new Date('2018-01-15T12:00:00.123Z'),
  updatedAt: new Date('2026-11-23T14:05:00Z'),
  protocol: 'p',
  provenance: null,
} as ContactRow;

// exceljs 4.4's output for `row` as the second row of the sheet (text style 1, date style 2).
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

describe('xlsx sheet rows', () => {
  it('are the XML exceljs writes for the same contact', () => {
    const write = xlsxRowWriter([1, 1, 1, 1, 1, 1, 2, 2, 2, 1]);
    expect(write(row, 2)).toBe(EXCELJS_XML);
  });

  it('number every cell with the row it is in', () => {
    const xml = xlsxRowWriter([1, 1, 1, 1, 1, 1, 2, 2, 2, 1])(row, 1_000_001);
    expect(xml.match(/ r="[A-J]?\d+"/g)).toEqual([' r="1000001"', ...'ABCDEFGHIJ'.split('').map((l) => ` r="${l}1000001"`)]);
  });
});
