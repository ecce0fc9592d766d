// The export reads with SQL (see contact-batches.ts for why), yet must select exactly the
// rows GET /contacts selects. Rather than restating the filter rules (word splitting, folding,
// LIKE escaping, São Paulo day bounds), this translates the Prisma `where` that
// `contactWhere` builds, so the rules live in one place. A shape it does not know throws:
// a filter added to contactWhere later fails the export tests instead of being ignored.
import type { Prisma } from '../../generated/prisma/client.ts';
import { type Fragment, join, sql } from '../../db/sql.ts';
import { type ContactFilters, contactWhere } from '../contact-filters.ts';

const COLUMNS: Record<string, Fragment> = {
  searchText: sql`search_text`,
  reasonSearch: sql`reason_search`,
  sourceChannel: sql`source_channel`,
  createdAt: sql`created_at`,
};

const OPERATORS: Record<string, Fragment> = {
  equals: sql`=`,
  gt: sql`>`,
  gte: sql`>=`,
  lt: sql`<`,
  lte: sql`<=`,
};

function unsupported(what: string): never {
  throw new Error(`contactWhereSql: no SQL translation for ${what}; extend src/contacts/export/filter-sql.ts`);
}

function column(field: string): Fragment {
  return COLUMNS[field] ?? unsupported(`field "${field}"`);
}

function fieldConditions(field: string, condition: unknown): Fragment[] {
  const col = column(field);
  if (typeof condition === 'string' || condition instanceof Date) return [sql`${col} = ${condition}`];
  if (!condition || typeof condition !== 'object') return unsupported(`${field}: ${typeof condition}`);
  const out: Fragment[] = [];
  for (const [op, value] of Object.entries(condition)) {
    if (value === undefined) continue;
    // Prisma's `contains` is `LIKE '%value%'` with the value passed as is (contactWhere has
    // already escaped % _ \ in it), so this is the same predicate, and the trigram index serves it.
    if (op === 'contains' && typeof value === 'string') out.push(sql`${col} LIKE ${`%${value}%`}`);
    else if (OPERATORS[op] && (typeof value === 'string' || value instanceof Date)) out.push(sql`${col} ${OPERATORS[op]} ${value}`);
    else unsupported(`${field}.${op}`);
  }
  return out;
}

function conditionsOf(where: Prisma.ContactWhereInput): Fragment[] {
  const out: Fragment[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (key === 'AND') for (const part of [value].flat() as Prisma.ContactWhereInput[]) out.push(...conditionsOf(part));
    else if (key === 'OR' || key === 'NOT') unsupported(key);
    else out.push(...fieldConditions(key, value));
  }
  return out;
}

/** The SQL conditions (joined with AND; `TRUE` when none) of `contactWhere(filters)`. */
export function contactWhereSql(filters: ContactFilters): Fragment {
  const conditions = conditionsOf(contactWhere(filters));
  return conditions.length ? join(conditions, ' AND ') : sql`TRUE`;
}
