// The filters of GET /contacts and GET /contacts/export, and how each maps to an indexed
// condition. Shared by listing and export so both always select the same rows.
import { z } from 'zod';
import type { Prisma } from '../generated/prisma/client.ts';
import { dateParam } from '../http/date-param.ts';
import { isStorableText } from '../util/storable-text.ts';
import { foldForSearch } from './fields.ts';

// Terms under 3 characters give the trigram index nothing to look up: a rare one ("zq") made
// PostgreSQL read all 1M rows (~400 ms). One term of 3+ characters bounds the work.
const MIN_TERM = 3;
// The HTTP API refuses these before validation (src/http/storable-input.ts); MCP's
// search_contacts reaches this schema directly.
const STORABLE = { error: 'contains characters that cannot be stored (NUL or an unpaired surrogate)' };
const searchText = (fold: (v: string) => string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine(isStorableText, STORABLE)
    .refine((v) => termsOf(fold(v)).some((t) => t.length >= MIN_TERM), { error: `type at least ${MIN_TERM} letters or digits in a row` });

export const contactFiltersSchema = z.object({
  q: searchText(normalizeQuery).optional().describe('matches name, e-mail or phone (accent- and case-insensitive; every word must occur, at least one of 3+ characters)'),
  reason: searchText(foldForSearch).optional().describe('text contained in the reason (every word must occur, at least one of 3+ characters)'),
  channel: z.string().trim().min(1).max(32).refine(isStorableText, STORABLE).optional().describe('source channel, e.g. web, whatsapp, api'),
  createdFrom: dateParam('start').optional().describe('created at or after (date in America/Sao_Paulo or ISO date-time)'),
  createdTo: dateParam('end').optional().describe('created before (a date includes that whole day)'),
});

export type ContactFilters = z.output<typeof contactFiltersSchema>;

/** Names (never values) of the filters in use, for the audit log. */
export function filterNames(filters: ContactFilters): string[] {
  return Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

/** What the `q` filter matches: folded name, e-mail and the phone's digits. */
export function buildSearchText(c: { name: string; email?: string | null; phone: string }): string {
  return [foldForSearch(c.name), c.email ?? '', c.phone.replace(/\D/g, '')].join(' ');
}

export function buildReasonSearch(reason: string): string {
  return foldForSearch(reason);
}

/**
 * A phone-looking query ("(11) 99999-88", "011 99999 8888") searches by digits — without a
 * trunk "0" before the area code, which stored numbers never have; anything else by folded text.
 */
export function normalizeQuery(q: string): string {
  if (/^[\d\s()+.-]+$/.test(q) && /\d/.test(q)) {
    const digits = q.replace(/\D/g, '');
    return digits.length >= 11 && digits.startsWith('0') ? digits.replace(/^0+/, '') : digits;
  }
  return foldForSearch(q);
}

/**
 * Prisma's `contains` becomes `LIKE '%value%'` without escaping the value (checked with
 * Prisma 7.10: `contains: '%'` matched every row), so a literal %, _ or \ typed by a user
 * would act as a wildcard. PostgreSQL's default LIKE escape character is the backslash.
 */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Bounds the work one query can ask of the trigram index.
const MAX_TERMS = 8;

/**
 * Each word must occur, in any order ("silva maria" finds "Maria Silva"). Besides reading
 * better, one LIKE per word avoids the trigrams spanning word gaps ("a s"), which are in most
 * rows and made multi-word searches 1.5-2x slower on the trigram index at 1M rows.
 */
function termsOf(folded: string): string[] {
  return [...new Set(folded.split(/\s+/).filter(Boolean))].slice(0, MAX_TERMS);
}

export function contactWhere(filters: ContactFilters): Prisma.ContactWhereInput {
  const and: Prisma.ContactWhereInput[] = [];
  if (filters.q) and.push(...termsOf(normalizeQuery(filters.q)).map((t) => ({ searchText: { contains: escapeLike(t) } })));
  if (filters.reason) and.push(...termsOf(foldForSearch(filters.reason)).map((t) => ({ reasonSearch: { contains: escapeLike(t) } })));
  const where: Prisma.ContactWhereInput = and.length ? { AND: and } : {};
  if (filters.channel) where.sourceChannel = filters.channel;
  if (filters.createdFrom || filters.createdTo) where.createdAt = { gte: filters.createdFrom, lt: filters.createdTo };
  return where;
}
