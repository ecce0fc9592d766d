// COPY's text output arrives in chunks cut anywhere, an escape sequence included: decoding it
// in any two pieces must give the bytes of the lines, and the number of rows.
import { describe, expect, it } from 'vitest';
import { copyTextDecoder, csvRecordDecoder } from './copied-rows.ts';
import type { RenderedBatch } from './rendered-batches.ts';

/** `input` fed to one decoder in pieces cut at `cuts`: the bytes out and the rows counted. */
function decodedInPieces(decode: (chunk: Buffer) => RenderedBatch, input: Buffer, cuts: number[]) {
  const bounds = [0, ...cuts, input.length];
  const parts = bounds.slice(1).map((end, i) => decode(input.subarray(bounds[i], end)));
  return { text: Buffer.concat(parts.map((p) => Buffer.from(p.text))), rows: parts.reduce((n, p) => n + p.rows, 0) };
}

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
      expect(decodedInPieces(copyTextDecoder(), COPY_TEXT, [cut])).toEqual({ text: LINES, rows: 2 });
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
      for (const cuts of [[cut], [cut, Math.min(COPY_CSV.length, cut + 3)]]) {
        expect(decodedInPieces(csvRecordDecoder(), COPY_CSV, cuts)).toEqual({ text: CSV_LINES, rows: 3 });
      }
    }
  });
});
