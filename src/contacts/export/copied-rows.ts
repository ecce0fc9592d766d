// On PostgreSQL the export's rows come from one `COPY (SELECT line …) TO STDOUT` instead of
// keyset batches: the same rendered lines (rendered-batches.ts renders them with the same SQL on
// PGlite), streamed by the server with backpressure, with no per-batch statement, window or
// aggregate around them (measured at 1M rows: see README). The cost is one pool connection held
// while the export runs (copy-out.ts).
//
// COPY's text format ends each row with a newline and escapes backslash and control characters
// in it; the lines are the file's bytes already (they carry their own line ends), so this undoes
// the escaping and drops the row ends, counting them. csv goes through COPY's CSV format instead
// (RowRenderer.copy): its rows only need their LF ends made CRLF.
import type { Readable } from 'node:stream';
import type { CopyFormat } from '../../db/copy-out.ts';
import type { Fragment } from '../../db/sql.ts';
import { sql } from '../../db/sql.ts';
import type { ContactFilters } from '../contact-filters.ts';
import { contactWhereSql } from './filter-sql.ts';
import { pageSql, type RenderedBatch, type RowRenderer } from './rendered-batches.ts';

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
// What follows a backslash in COPY's text output, and the byte it stands for.
const ESCAPED: Record<number, number> = { 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x76: 0x0b, 0x5c: 0x5c };

function unescaped(byte: number): number {
  const b = ESCAPED[byte];
  if (b === undefined) throw new Error(`unexpected escape \\${String.fromCharCode(byte)} in COPY output`);
  return b;
}

/** Decodes COPY text output of one column, chunk by chunk (an escape may straddle two chunks). */
export function copyTextDecoder(): (chunk: Buffer) => RenderedBatch {
  let pendingBackslash = false;
  return (chunk) => {
    const out = Buffer.allocUnsafe(chunk.length);
    let o = 0;
    let i = 0;
    let rows = 0;
    if (pendingBackslash && chunk.length) {
      out[o++] = unescaped(chunk[0]!);
      i = 1;
      pendingBackslash = false;
    }
    // Native searches for the next row end and the next escape; the bytes between are copied.
    let newline = chunk.indexOf(NEWLINE, i);
    let backslash = chunk.indexOf(BACKSLASH, i);
    while (i < chunk.length) {
      const stop = newline === -1 ? backslash : backslash === -1 ? newline : Math.min(newline, backslash);
      if (stop === -1) {
        o += chunk.copy(out, o, i);
        break;
      }
      o += chunk.copy(out, o, i, stop);
      if (stop === newline) {
        rows++;
        i = stop + 1;
        newline = chunk.indexOf(NEWLINE, i);
      } else {
        if (stop + 1 === chunk.length) pendingBackslash = true;
        else out[o++] = unescaped(chunk[stop + 1]!);
        i = stop + 2;
        backslash = chunk.indexOf(BACKSLASH, i);
      }
    }
    return { text: out.subarray(0, o), rows };
  };
}

const QUOTE = 0x22;
const CRLF = Buffer.from('\r\n');

/**
 * Turns COPY's CSV output into the file's bytes, chunk by chunk: a row ends at a LF outside
 * quotes, which becomes CRLF (COPY ends rows with LF only); a LF inside a quoted field stays.
 * Inside quotes a doubled quote toggles twice, so counting quotes is enough to know where we are.
 */
export function csvRecordDecoder(): (chunk: Buffer) => RenderedBatch {
  let inQuotes = false;
  return (chunk) => {
    // At most one extra byte per row end.
    const out = Buffer.allocUnsafe(chunk.length * 2);
    let o = 0;
    let i = 0;
    let rows = 0;
    // Next positions, searched again only once passed (a chunk may hold no quote at all).
    let quote = chunk.indexOf(QUOTE, i);
    let newline = chunk.indexOf(NEWLINE, i);
    while (i < chunk.length) {
      if (inQuotes) {
        if (quote === -1) {
          o += chunk.copy(out, o, i);
          break;
        }
        o += chunk.copy(out, o, i, quote + 1);
        i = quote + 1;
        inQuotes = false;
      } else {
        if (newline !== -1 && (quote === -1 || newline < quote)) {
          o += chunk.copy(out, o, i, newline);
          o += CRLF.copy(out, o);
          rows++;
          i = newline + 1;
        } else if (quote !== -1) {
          o += chunk.copy(out, o, i, quote + 1);
          i = quote + 1;
          inQuotes = true;
        } else {
          o += chunk.copy(out, o, i);
          break;
        }
      }
      if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
      if (newline !== -1 && newline < i) newline = chunk.indexOf(NEWLINE, i);
    }
    return { text: out.subarray(0, o), rows };
  };
}

/** The COPY statement's query: the lines in export order (the subquery's order, kept by the plain scan over it). */
export function copyQuery(filters: ContactFilters, renderer: RowRenderer): Fragment {
  // OFFSET 0 keeps the subquery a unit, so each value is computed once, not once per use in the line.
  const page = pageSql(contactWhereSql(filters), renderer, { numbered: renderer.numbered === true, rowsBefore: (renderer.firstRowNumber ?? 1) - 1 });
  return sql`SELECT ${renderer.copy?.select ?? renderer.line} FROM (${page} OFFSET 0) page`;
}

/** The selected contacts' text, chunk by chunk as PostgreSQL sends it; leaving the loop ends the COPY. */
export async function* copiedRows(
  copyOut: (query: Fragment, format?: CopyFormat) => Promise<Readable>,
  filters: ContactFilters,
  renderer: RowRenderer,
): AsyncGenerator<RenderedBatch> {
  const format = renderer.copy?.format ?? { format: 'text' };
  const decode = format.format === 'csv' ? csvRecordDecoder() : copyTextDecoder();
  const stream = await copyOut(copyQuery(filters, renderer), format);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const batch = decode(chunk);
    if (batch.text.length || batch.rows) yield batch;
  }
}
