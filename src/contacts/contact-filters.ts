// The filters of GET /contacts and GET /contacts/export, and how each maps to an indexed
// condition. Shared by listing and export so both always select the same rows.
import { z } from 'zod';
import type { Prisma } from '../generated/prisma/client.ts';
import { foldForSearch } from './fields.ts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
// America/Sao_Paulo has had no daylight saving time since 2019: a fixed UTC-3 offset.
const SAO_PAULO_OFFSET = '-03:00';

/** "2026-01-31" → start of that day in São Paulo; an ISO date-time is taken as given. */
const instant = (edge: 'start' | 'end') =>
  z
    .string()
    .trim()
    .refine((v) => DATE_ONLY.test(v) || !Number.isNaN(Date.parse(v)), { error: 'expected a date (2026-01-31) or an ISO date-time' })
    .transform((v) => {
      if (!DATE_ONLY.test(v)) return new Date(v);
      const start = new Date(`${v}T00:00:00.000${SAO_PAULO_OFFSET}`);
      // A date-only upper bound includes the whole day.
      return edge === 'start' ? start : new Date(start.getTime() + 86_400_000);
    });

export const contactFiltersSchema = z.object({
  q: z.string().trim().min(1).max(100).optional().describe('matches name, e-mail or phone (accent- and case-insensitive)'),
  reason: z.string().trim().min(1).max(100).optional().describe('text contained in the reason'),
  channel: z.string().trim().min(1).max(32).optional().describe('source channel, e.g. web, whatsapp, api'),
  createdFrom: instant('start').optional().describe('created at or after (date in America/Sao_Paulo or ISO date-time)'),
  createdTo: instant('end').optional().describe('created before (a date includes that whole day)'),
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

/** A phone-looking query ("(11) 99999-88") searches by digits; anything else by folded text. */
export function normalizeQuery(q: string): string {
  return /^[\d\s()+.-]+$/.test(q) && /\d/.test(q) ? q.replace(/\D/g, '') : foldForSearch(q);
}

export function contactWhere(filters: ContactFilters): Prisma.ContactWhereInput {
  const where: Prisma.ContactWhereInput = {};
  if (filters.q) where.searchText = { contains: normalizeQuery(filters.q) };
  if (filters.reason) where.reasonSearch = { contains: foldForSearch(filters.reason) };
  if (filters.channel) where.sourceChannel = filters.channel;
  if (filters.createdFrom || filters.createdTo) where.createdAt = { gte: filters.createdFrom, lt: filters.createdTo };
  return where;
}
