// Reads the contacts an export selects, newest first, in keyset batches: each batch is one
// short query "after the last row of the previous batch", so no connection or transaction is
// held between batches (PGlite has a single connection that every other request needs too,
// and a PostgreSQL pool connection parked for minutes under a slow download is a leak).
// The filter is translated from contactWhere (filter-sql.ts) and the order is the one of
// GET /contacts, so the rows are the same.
//
// The database formats the rows (row-sql.ts) and hands each batch back as ONE text value:
// the export's bytes for those rows. Reading rows into JavaScript objects and formatting them
// there cost ~4 µs a row in the driver alone (1M rows: ~4 s of the csv target of 4 s), and
// Node's one thread then also formatted and wrote; this way Node's per-row work is nil and
// the formatting runs in the database's own process, on the other core.
import { Prisma } from '../../generated/prisma/client.ts';
import type { SqlRunner } from '../../db/sql-runner.ts';
import type { ContactFilters } from '../contact-filters.ts';
import { contactWhereSql } from './filter-sql.ts';
import type { RowFormat } from './row-sql.ts';

/**
 * Rows per query. Measured at 1M rows (bench/export.ts, PostgreSQL 15, 2 cores): FIXME
 */
export const DEFAULT_BATCH_SIZE = 2000;

/** One batch: the formatted text of `rows` contacts. */
export interface ExportChunk {
  text: string;
  rows: number;
}

interface Position {
  createdAt: Date;
  id: string;
}

interface BatchRow extends Record<string, unknown> {
  text: string | null;
  rows: number;
  lastAt: Date | null;
  lastId: string | null;
}

const ORDER = Prisma.raw('contacts.created_at DESC, contacts.id DESC');

function batchQuery(format: RowFormat, where: Prisma.Sql, after: Position | undefined, firstRow: number, limit: number): Prisma.Sql {
  // Written like cursor.ts's afterCursor: `created_at <= c` is the index condition that starts
  // the scan at the previous batch's end; the OR breaks ties between equal timestamps.
  // created_at is timestamptz(3): a Date holds it exactly.
  const keyset = after
    ? Prisma.sql`AND contacts.created_at <= ${after.createdAt}::timestamptz
                 AND (contacts.created_at < ${after.createdAt}::timestamptz OR contacts.id < ${after.id}::uuid)`
    : Prisma.empty;
  const cells = format.cells.map((cell, i) => Prisma.sql`${cell} AS ${Prisma.raw(`c${i}`)}`);
  const refs = format.cells.map((_, i) => Prisma.raw(`batch.c${i}`));
  // The inner query has a LIMIT, so PostgreSQL does not merge it into the outer one: each cell
  // is computed once per row, however often the row's text uses it. The aggregate's ORDER BY
  // is the scan's own order (PostgreSQL's sort notices presorted input).
  return Prisma.sql`
    SELECT string_agg(${format.line(refs, Prisma.raw('batch.r'))}, E'' ORDER BY batch.at DESC, batch.id DESC) AS text,
           count(*)::int AS rows, min(batch.at) AS "lastAt", (array_agg(batch.id ORDER BY batch.at, batch.id))[1]::text AS "lastId"
      FROM (SELECT contacts.created_at AS at, contacts.id,
                   (row_number() OVER (ORDER BY ${ORDER}) + ${firstRow - 1}::int)::text AS r,
                   ${Prisma.join(cells, ', ')}
              FROM contacts
             WHERE ${where} ${keyset}
             ORDER BY ${ORDER}
             LIMIT ${limit}) batch`;
}

/**
 * Yields the selected contacts' text batch by batch. The next batch is read while the caller
 * writes the current one (two batches in memory at most); leaving the loop early waits for
 * that read so no query outlives the export.
 */
export async function* exportChunks(
  reader: Pick<SqlRunner, 'query'>,
  filters: ContactFilters,
  format: RowFormat,
  batchSize = DEFAULT_BATCH_SIZE,
): AsyncGenerator<ExportChunk> {
  const where = contactWhereSql(filters);
  let read = 0;
  type Batch = { chunk: ExportChunk; next?: Position };
  const readBatch = async (after?: Position): Promise<Batch> => {
    // Prisma.Sql renders PostgreSQL's $1… placeholders as `.text`.
    const query = batchQuery(format, where, after, read + 1 + (format.rowOffset ?? 0), batchSize);
    read += batchSize;
    const [row] = await reader.query<BatchRow>(query.text, query.values);
    const rows = Number(row?.rows ?? 0);
    const next = rows === batchSize && row?.lastAt && row.lastId ? { createdAt: new Date(row.lastAt), id: row.lastId } : undefined;
    return { chunk: { text: row?.text ?? '', rows }, next };
  };
  let pending: Promise<Batch> | undefined = readBatch();
  try {
    while (pending) {
      const { chunk, next }: Batch = await pending;
      pending = next ? readBatch(next) : undefined;
      if (chunk.rows) yield chunk;
    }
  } finally {
    await pending?.catch(() => undefined);
  }
}
