// The SQL of one GET /contacts page when `q` has two or more words (as pg_trgm splits them): newest first, read month by
// month. Why: the trigram index finds every row holding the words, and PostgreSQL must then
// read and sort all of them to keep the newest 50. For "maria silva" at 1M contacts that is
// ~1,100 rows from as many heap pages (20-40 ms on the 2-core bench machine); walking the
// created_at index instead reads ~45,000 rows. The index contacts_search_text_month_trgm_idx
// (migration 20261204203014_contacts_search_by_month) holds each row's 30-day bucket of created_at beside its trigrams,
// so "these words in this month" is one GIN lookup that returns only that month's matches
// (~45 rows), and the month's page is sorted from those alone.
//
// The page is a UNION ALL of the newest months, one branch each, and a last branch for every
// older row; the outer LIMIT stops PostgreSQL at the first branches that fill the page, so
// later branches never run. Branches cover disjoint, descending time ranges, each sorted, so
// their concatenation is in (created_at DESC, id DESC) order and the keyset cursor applies to
// each branch unchanged. Rows are the ones the single query selects: the same conditions
// (contactWhereSql, shared with the export) plus a time range per branch.
import { Fragment, join, sql } from '../db/sql.ts';
import type { ContactFilters } from './contact-filters.ts';
import { normalizeQuery } from './contact-filters.ts';
import { contactWhereSql } from './export/filter-sql.ts';
import type { ListCursor } from './cursor.ts';

/** Seconds in one bucket: 30 days. */
export const BUCKET_SECONDS = 2_592_000;

// Written exactly as in the index definition, or the planner will not use the index for it.
// date_part on a timestamp *without* time zone is immutable, which an index expression must be.
export const BUCKET = new Fragment([`(floor(date_part('epoch', created_at AT TIME ZONE 'UTC') / ${BUCKET_SECONDS}))::int`], []);

/**
 * Months read one by one before the rest. Each branch that runs costs one GIN lookup (~1 ms);
 * a search whose matches are too rare to fill a page in these months has few matches in all
 * (< limit × age in months / MONTH_BRANCHES), so the last branch reads few rows.
 */
const MONTH_BRANCHES = 4;

/** Shortest word that narrows a search: the trigram index's own minimum (contact-filters.ts). */
const MIN_WORD = 3;

export const bucketOf = (at: Date): number => Math.floor(at.getTime() / 1000 / BUCKET_SECONDS);
const bucketStart = (bucket: number): Date => new Date(bucket * BUCKET_SECONDS * 1000);

/**
 * Month by month pays off when matches are too many to sort them all and too rare for a walk
 * of the created_at index to meet 50 soon: two or more words of 3+ characters ("maria silva":
 * ~1 row in 900). One word is common (the walk meets 50 within ~2,000 rows) or rare (the
 * trigram index returns a handful), and PostgreSQL picks the right one of those two itself;
 * a word of 1-2 characters ("ma silva") occurs nearly everywhere, so the others decide alone.
 * Month by month was slower for those, the planner misjudging each month (database time at 1M
 * rows: "q name (one word)" 0.4 → 2.6 ms, "ma silva" 1.3 → 16 ms). A phone's digits are one word.
 */
export function readsByMonth(filters: ContactFilters): boolean {
  if (filters.q === undefined) return false;
  // Words as the trigram index sees them: any character but a letter or digit separates two,
  // so an e-mail's "maria.silva" asks it for the rows holding both "maria" and "silva", like
  // "maria silva" (the LIKE then keeps the dot): read all at once, its ~10,000 candidates cost
  // 27-45 ms at 1M rows; month by month 7 ms. "gmail.com" goes month by month too (0.6 → 1.6 ms).
  const words = new Set(normalizeQuery(filters.q).split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  return words.size > 1 && [...words].every((w) => w.length >= MIN_WORD);
}

/**
 * Rows strictly after the cursor in (created_at DESC, id DESC) order. Written as
 * `created_at <= c AND (created_at < c OR id < i)` rather than the OR alone so PostgreSQL can
 * use `created_at <= c` as an index condition and start the scan at the cursor.
 */
export function afterCursorSql(cursor: ListCursor): Fragment {
  return sql`created_at <= ${cursor.createdAt}::timestamptz AND (created_at < ${cursor.createdAt}::timestamptz OR id < ${cursor.id}::uuid)`;
}

/** One page (limit + 1 rows, to tell whether more follow) of the filtered contacts, newest first. */
/** `columns`: the repository's select list. */
export function listPageByMonthSql(columns: Fragment, filters: ContactFilters, take: number, cursor: ListCursor | undefined, now: Date): Fragment {
  // The export's translation of the filters, as a fragment of the SQL helper (same text and values).
  const filtersSql = contactWhereSql(filters);
  const where = [new Fragment(filtersSql.strings, filtersSql.values), ...(cursor ? [afterCursorSql(cursor)] : [])];
  // The newest month that can hold a row of this page: later rows are excluded by the cursor
  // or createdTo anyway, and the first branch takes every month from it on (`>=`), so rows
  // dated after `now` (a skewed clock) are still found.
  const upper = [now, cursor?.createdAt, filters.createdTo].filter((d): d is Date => d !== undefined);
  const newest = bucketOf(new Date(Math.min(...upper.map((d) => d.getTime()))));
  const oldest = filters.createdFrom ? bucketOf(filters.createdFrom) : -Infinity;
  // ORDER BY names the table's columns: a bare `id` would be the text alias of the output.
  const branch = (range: Fragment) =>
    sql`(SELECT ${columns} FROM contacts WHERE ${join([...where, range], ' AND ')} ORDER BY contacts.created_at DESC, contacts.id DESC LIMIT ${take}::int)`;
  const branches: Fragment[] = [];
  // Each month is given twice: as the bucket, which the GIN index looks up, and as a created_at
  // range, which stops a walk of the created_at index at the month's end (the planner cannot
  // tell that the bucket falls as created_at does, and walked 500k rows without it).
  for (let i = 0; i < MONTH_BRANCHES && newest - i >= oldest; i++) {
    const b = newest - i;
    branches.push(
      branch(
        i === 0
          ? sql`${BUCKET} >= ${b}::int AND created_at >= ${bucketStart(b)}::timestamptz`
          : sql`${BUCKET} = ${b}::int AND created_at >= ${bucketStart(b)}::timestamptz AND created_at < ${bucketStart(b + 1)}::timestamptz`,
      ),
    );
  }
  const rest = newest - MONTH_BRANCHES + 1;
  // created_at < the bucket's start is the same set as bucket < it (whole milliseconds against
  // an exact multiple of the bucket), and leaves the planner free to read these rows the plain
  // way: a bucket range in the GIN index would gather every older row first.
  if (rest > oldest) branches.push(branch(sql`created_at < ${bucketStart(rest)}::timestamptz`));
  // createdFrom after createdTo: no month to read, and a UNION of nothing is not SQL.
  if (!branches.length) branches.push(branch(sql`TRUE`));
  return sql`SELECT * FROM (${join(branches, ' UNION ALL ')}) page LIMIT ${take}::int`;
}
