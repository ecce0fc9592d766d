// `COPY (query) TO STDOUT` on PostgreSQL as a byte stream with backpressure (pg-copy-streams):
// the server streams a query's rows already as text, without the driver parsing one of them
// (the contacts export at 1M rows: src/contacts/export/copied-rows.ts). PGlite has no such
// stream; Database.copyOut is there only on PostgreSQL.
//
// The COPY holds one pool connection while it runs, paused when the reader is: a slow download
// keeps it (the export allows 2 at once). COPY takes no bind parameters, so the statement's
// values are inlined as escaped literals. A reader that stops early destroys the stream: the
// connection is then closed instead of returned, which ends the query on the server (the
// protocol has no way to stop a COPY TO short of cancelling it).
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { compile, type Fragment } from './sql.ts';

/** A value as a SQL literal: strings escaped by the driver, Dates as ISO text, finite numbers as is. */
function literal(client: pg.PoolClient, value: unknown): string {
  if (typeof value === 'string') return client.escapeLiteral(value);
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw new Error(`copyOut: cannot inline a ${typeof value} as a literal`);
}

function inlined(client: pg.PoolClient, statement: Fragment): string {
  const { text, values } = compile(statement);
  // $n in the text is only ever a placeholder compile() wrote (SQL text in fragments is ours).
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(client, values[Number(n) - 1]));
}

/** How COPY writes the rows: its text format (one line a row, \\-escaped), or CSV with this delimiter. */
export type CopyFormat = { format: 'text' } | { format: 'csv'; delimiter: ';' | ',' };

/** What `COPY (query) TO STDOUT` sends, in the format asked (text by default). */
export async function copyOut(pool: pg.Pool, query: Fragment, format: CopyFormat = { format: 'text' }): Promise<Readable> {
  const client = await pool.connect();
  let released = false;
  const release = (err?: Error) => {
    if (released) return;
    released = true;
    client.release(err);
  };
  let copy: Readable;
  try {
    const options = format.format === 'csv' ? ` WITH (FORMAT csv, DELIMITER '${format.delimiter}')` : '';
    copy = client.query(copyTo(`COPY (${inlined(client, query)}) TO STDOUT${options}`));
  } catch (err) {
    release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  copy.once('end', () => release());
  copy.once('error', (err: Error) => release(err));
  // Destroyed before its end (reader gone): closed, not returned, so the server stops at its next write.
  copy.once('close', () => release(copy.readableEnded ? undefined : new Error('copy abandoned')));
  return copy;
}
