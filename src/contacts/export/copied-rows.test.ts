// COPY's text output arrives in chunks cut anywhere, an escape sequence included: decoding it
// in any two pieces must give the bytes of the lines, and the number of rows.
import { describe, expect, it } from 'vitest';
import { copyTextDecoder, csvRecordDecoder } from './copied-rows.ts';

// Two rows as COPY (SELECT line) TO STDOUT sends them: \\ \n \r \t \b \f \v escaped, one newline per row.
const COPY_TEXT = Buffer.from('a;"x\\r\\ny";\\\\ é\\t😀\\r\\n\nb\\b\\f\\v;\\\\\\\\\\r\\n\n', 'utf8');
const LINES = Buffer.from('a;"x\r\ny";\\ é\t😀\r\nb\b\f\v;\\\\\r\n', 'utf8');

describe('copyTextDecoder', () => {
  it('undoes the escapes and drops the row ends, counting them', () => {
    const batch = copyTextDecoder()(COPY_TEXT);
    expect(Buffer.from(batch.text)).toEqual(LINES);
    expect(batch.rows).toBe(2);
  });

  it('gives the same bytes however the stream is cut', () => {
    for (let cut = 0; cut <= COPY_TEXT.length; cut++) {
      const decode = copyTextDecoder();
      const a = decode(COPY_TEXT.subarray(0, cut));
      const b = decode(COPY_TEXT.subarray(cut));
      expect(Buffer.concat([Buffer.from(a.text), Buffer.from(b.text)])).toEqual(LINES);
      expect(a.rows + b.rows).toBe(2);
    }
  });

  it('refuses an escape COPY does not write', () => {
    expect(() => copyTextDecoder()(Buffer.from('a\\x\n'))).toThrow(/unexpected escape/);
  });
});

// Three rows as COPY … WITH (FORMAT csv) sends them: LF row ends; a quoted field may hold LF,
// CR, the delimiter and doubled quotes.
const COPY_CSV = Buffer.from('a;"x\r\ny";é 😀\n"b ""q""\n";;\n"";c;"d;e"\n', 'utf8');
const CSV_LINES = Buffer.from('a;"x\r\ny";é 😀\r\n"b ""q""\n";;\r\n"";c;"d;e"\r\n', 'utf8');

describe('csvRecordDecoder', () => {
  it('ends each row with CRLF, leaving line ends inside quoted fields alone, and counts rows', () => {
    const batch = csvRecordDecoder()(COPY_CSV);
    expect(Buffer.from(batch.text)).toEqual(CSV_LINES);
    expect(batch.rows).toBe(3);
  });

  it('gives the same bytes however the stream is cut, in two or three pieces', () => {
    for (let cut = 0; cut <= COPY_CSV.length; cut++) {
      for (const second of [cut, Math.min(COPY_CSV.length, cut + 3)]) {
        const decode = csvRecordDecoder();
        const parts = [COPY_CSV.subarray(0, cut), COPY_CSV.subarray(cut, second), COPY_CSV.subarray(second)].map((p) => decode(p));
        expect(Buffer.concat(parts.map((p) => Buffer.from(p.text)))).toEqual(CSV_LINES);
        expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(3);
      }
    }
  });
});
