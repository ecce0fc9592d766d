// COPY's text output arrives in chunks cut anywhere, an escape sequence included: decoding it
// in any two pieces must give the bytes of the lines, and the number of rows.
import { describe, expect, it } from 'vitest';
import { copyTextDecoder } from './copied-rows.ts';

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
