// Reads the contacts an export selects, newest first, already rendered by the database as the
// format's text (csv lines, sheet XML, JSON objects), in keyset batches: each batch is one short
// query "after the last row of the previous batch" returning one row — the batch's text — so
// no connection or transaction is held between batches (PGlite has a single connection that
// every other request needs too, and a PostgreSQL pool connection parked for minutes under a
// slow download is a leak), and the server parses no contact rows at all: at 1M rows the
// driver's row objects and the per-row formatting in JavaScript were most of an export's time
// (csv ~21 s, json ~33 s on a loaded 2-core machine), while the database renders them in a few.
// The same statements run on PGlite and PostgreSQL. The filter is translated from contactWhere
// (filter-sql.ts) and the order is the one of GET /contacts, so the rows are the same.
import type { CopyFormat } from '../../db/copy-out.ts';
import { type Fragment, type SqlClient, sql } from '../../db/sql.ts';
import type { ContactFilters } from '../contact-filters.ts';
import { contactWhereSql } from './filter-sql.ts';

/** Rows per query; measured at 1M rows with bench/export.ts. */
export const DEFAULT_BATCH_SIZE = 1000;

/** How a format renders one contact, in SQL. */
export interface RowRenderer {
  /** A SELECT list over `contacts`: the values the line needs, under aliases it refers to. */
  values: Fragment;
  /**
   * One row's text, over those aliases and `row_number` (int8) / `row_label` (its text): the
   * row's number in the whole export, the first being `firstRowNumber`.
   */
  line: Fragment;
  /** Default 1; xlsx starts at 2, below its header row. */
  firstRowNumber?: number;
  /**
   * The line uses row_number / row_label (xlsx's cell references). Without it the single COPY
   * of PostgreSQL (copied-rows.ts) leaves out the window that numbers the rows: a WindowAgg
   * passes every row through a tuplestore, and with the JSON objects in the row that store
   * spilled the whole export to temporary files (1M rows: 5.4 → 3.4 s of database time).
   */
  numbered?: boolean;
  /**
   * PostgreSQL only (copied-rows.ts): what the COPY selects instead of `line`, in which of its
   * formats — csv's fields, for COPY's own CSV writer, which quotes as `line` does, in C.
   */
  copy?: { select: Fragment; format: CopyFormat };
}

export interface RenderedBatch {
  text: string | Buffer;
  rows: number;
}

interface Position {
  createdAt: Date;
  id: string;
}

interface BatchRow {
  text: string | null;
  rows: number;
  lastAt: number | null;
  lastId: string | null;
}

interface PageOptions {
  /** Numbers the rows (row_number, row_label), the first getting rowsBefore + 1. */
  numbered: boolean;
  rowsBefore: number;
  /** keyset and limit cut a batch out of the page. */
  keyset?: Fragment;
  limit?: number;
}

/** The selected contacts newest first (the order of GET /contacts), with the values the renderer needs. */
export function pageSql(where: Fragment, renderer: RowRenderer, { numbered, rowsBefore, keyset = sql``, limit }: PageOptions): Fragment {
  const position = sql`${rowsBefore}::int8 + row_number() OVER (ORDER BY contacts.created_at DESC, contacts.id DESC)`;
  return sql`
      SELECT contacts.id AS page_id, contacts.created_at AS page_created_at,
             ${numbered ? sql`${position} AS row_number, (${position})::text AS row_label,` : sql``}
             ${renderer.values}
        FROM contacts
       WHERE ${where} ${keyset}
       ORDER BY contacts.created_at DESC, contacts.id DESC
       ${limit === undefined ? sql`` : sql`LIMIT ${limit}::int`}`;
}

function batchQuery(where: Fragment, renderer: RowRenderer, after: Position | undefined, rowsBefore: number, limit: number): Fragment {
  // Written like contact-list-query.ts's afterCursorSql: `created_at <= c` is the index condition that starts
  // the scan at the previous batch's end; the OR breaks ties between equal timestamps.
  const keyset = after
    ? sql`AND contacts.created_at <= ${after.createdAt}::timestamptz
                 AND (contacts.created_at < ${after.createdAt}::timestamptz OR contacts.id < ${after.id}::uuid)`
    : sql``;
  // MATERIALIZED: the page is read once (by the index, stopping at LIMIT) and the line, the
  // count and the position of its last row are computed from it. The position comes back as
  // epoch milliseconds: exact for timestamptz(3), and no timestamp text to parse.
  return sql`
    WITH page AS MATERIALIZED (${pageSql(where, renderer, { numbered: true, rowsBefore, keyset, limit })})
    SELECT string_agg(${renderer.line}, '' ORDER BY row_number) AS text, count(*)::int AS rows,
           (SELECT round(date_part('epoch', page_created_at) * 1000) FROM page ORDER BY row_number DESC LIMIT 1)::float8 AS "lastAt",
           (SELECT page_id FROM page ORDER BY row_number DESC LIMIT 1)::text AS "lastId"
      FROM page`;
}

/**
 * Yields the selected contacts' text batch by batch. The next batch is fetched while the caller
 * writes the current one (two batches in memory at most); leaving the loop early waits for
 * that read so no query outlives the export.
 */
export async function* renderedBatches(
  reader: SqlClient,
  filters: ContactFilters,
  renderer: RowRenderer,
  batchSize = DEFAULT_BATCH_SIZE,
): AsyncGenerator<RenderedBatch> {
  const where = contactWhereSql(filters);
  // Rows numbered before the batch: the first row gets rowsBefore + 1.
  let rowsBefore = (renderer.firstRowNumber ?? 1) - 1;
  const read = (after?: Position) => reader.query<BatchRow>(batchQuery(where, renderer, after, rowsBefore, batchSize)).then((r) => r[0]!);
  let next: Promise<BatchRow> | undefined = read();
  try {
    while (next) {
      const batch: BatchRow = await next;
      rowsBefore += batch.rows;
      next =
        batch.rows === batchSize && batch.lastAt !== null && batch.lastId !== null
          ? read({ createdAt: new Date(batch.lastAt), id: batch.lastId })
          : undefined;
      if (batch.rows && batch.text !== null) yield { text: batch.text, rows: batch.rows };
    }
  } finally {
    await next?.catch(() => undefined);
  }
}
