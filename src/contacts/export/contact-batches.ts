// Reads the contacts an export selects, newest first, in keyset batches: each batch is one
// short query "after the last row of the previous batch", so no connection or transaction is
// held between batches (PGlite has a single connection that every other request needs too,
// and a PostgreSQL pool connection parked for minutes under a slow download is a leak).
// Prisma has no server-side cursors; this gives the same constant memory.
// The filter is translated from contactWhere (filter-sql.ts) and the order is the one of
// GET /contacts, so the rows are the same; the SQL runs on the driver (Database.query): going
// through Prisma (its raw queries or findMany) cost ~10 µs per row in its generic result mapping —
// at 1M rows ~10 s — while the driver alone reads 100k rows in ~0.8 s (PostgreSQL 15, 2 cores).
// Each batch is one short query: no connection is held between batches.
import { Fragment, type SqlClient, sql } from '../../db/sql.ts';
import type { ContactFilters } from '../contact-filters.ts';
import type { ContactRow } from '../contact-repository.ts';
import { contactWhereSql } from './filter-sql.ts';

/**
 * Rows per query. Measured at 1M rows (bench/export.ts): 250-5000 all read at the same speed,
 * but batches of 2000 lived long enough to be promoted to V8's old space, which then grew by
 * ~240 MB of garbage before a full GC (csv); with 500 the server grew by ~50 MB.
 */
export const DEFAULT_BATCH_SIZE = 500;

interface Position {
  createdAt: Date;
  id: string;
}

// date_part gives float8 directly (extract() computes a numeric, which doubled PostgreSQL's
// time for the query); round() makes the float an exact whole number of milliseconds.
const epochMs = (column: string) => new Fragment([`round(date_part('epoch', contacts.${column}) * 1000)`], []);

type DateField = 'consentAt' | 'syncedAt' | 'createdAt' | 'updatedAt';
type RawRow = Omit<ContactRow, DateField | 'provenance'> & Record<DateField, number | null>;

const toDate = (ms: number | null) => (ms === null ? null : new Date(ms));

/** The rows with Dates, as fresh objects of one shape (retyping the driver's rows in place measured no faster). */
function withDates(rows: RawRow[]): ContactRow[] {
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    phone: r.phone,
    email: r.email,
    reason: r.reason,
    sourceChannel: r.sourceChannel,
    sourceChatId: r.sourceChatId,
    createdBy: r.createdBy,
    mode: r.mode,
    consentAt: toDate(r.consentAt),
    syncStatus: r.syncStatus,
    syncError: r.syncError,
    syncedAt: toDate(r.syncedAt),
    createdAt: toDate(r.createdAt)!,
    updatedAt: toDate(r.updatedAt)!,
    protocol: r.protocol,
    // Not read: no export column shows provenance (GET /contacts/:id and portability do).
    provenance: null,
  }));
}

function batchQuery(where: Fragment, after: Position | undefined, limit: number): Fragment {
  // Written like cursor.ts's afterCursor: `created_at <= c` is the index condition that starts
  // the scan at the previous batch's end; the OR breaks ties between equal timestamps.
  const keyset = after
    ? sql`AND contacts.created_at <= ${after.createdAt}::timestamptz
                 AND (contacts.created_at < ${after.createdAt}::timestamptz OR contacts.id < ${after.id}::uuid)`
    : sql``;
  // ORDER BY names the table's columns (qualified), not the output aliases. Times come as
  // epoch milliseconds: the driver's timestamptz text parser was the largest single cost of
  // a csv export (~2 s of ~14 s at 1M rows), parseFloat + new Date is nearly free.
  return sql`
    SELECT id, name, phone, email, reason,
           source_channel AS "sourceChannel", source_chat_id AS "sourceChatId", created_by AS "createdBy", mode,
           ${epochMs('consent_at')} AS "consentAt", sync_status::text AS "syncStatus", sync_error AS "syncError",
           ${epochMs('synced_at')} AS "syncedAt", ${epochMs('created_at')} AS "createdAt", ${epochMs('updated_at')} AS "updatedAt", protocol
      FROM contacts
     WHERE ${where} ${keyset}
     ORDER BY contacts.created_at DESC, contacts.id DESC
     LIMIT ${limit}::int`;
}

/**
 * Yields the selected contacts batch by batch. The next batch is fetched while the caller
 * formats the current one (two batches in memory at most); leaving the loop early waits for
 * that read so no query outlives the export.
 */
export async function* contactBatches(
  reader: SqlClient,
  filters: ContactFilters,
  batchSize = DEFAULT_BATCH_SIZE,
): AsyncGenerator<ContactRow[]> {
  const where = contactWhereSql(filters);
  const read = (after?: Position) => reader.query<RawRow>(batchQuery(where, after, batchSize)).then(withDates);
  let next: Promise<ContactRow[]> | undefined = read();
  try {
    while (next) {
      const batch: ContactRow[] = await next;
      const last = batch[batch.length - 1];
      next = batch.length === batchSize && last ? read(last) : undefined;
      if (batch.length) yield batch;
    }
  } finally {
    await next?.catch(() => undefined);
  }
}
