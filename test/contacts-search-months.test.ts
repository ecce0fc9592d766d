// Searches of two or more words of 3+ characters in GET /contacts read the newest 30-day buckets first and then
// the rest (src/contacts/contact-list-query.ts). With contacts spread over 17 months, pages of a search
// must hold exactly the rows the documented semantics select (every word contained in the
// folded name, the e-mail or the phone's digits), newest first, with no row twice or missing
// across cursors, dates and month boundaries; and the index must serve the month lookups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from '../bench/seed.ts';
import { BUCKET, bucketOf } from '../src/contacts/contact-list-query.ts';
import { compile, sql } from '../src/db/sql.ts';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient } from './helpers/contacts.ts';

type Api = ReturnType<typeof contactsClient>;
interface Row {
  id: string;
  name: string;
  email: string | null;
  phone: string;
  sourceChannel: string;
  createdAt: Date;
}

const DAY = 86_400_000;
// The test's own statement of the `q` semantics, independent of the code under test.
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
const matches = (r: Row, q: string) => {
  const text = `${fold(r.name)} ${r.email ?? ''} ${r.phone.replace(/\D/g, '')}`;
  return fold(q).split(/\s+/).every((word) => text.includes(word));
};

describe.each(BACKENDS)('word search month by month on %s', (backend) => {
  let t: TestApp;
  let admin: Api;
  let rows: Row[];

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = contactsClient(t, await t.login());
    const prisma = t.atende.db.prisma;
    await seedContacts(prisma, 700, { seed: 11, spanDays: 510 });
    // A few rows dated after now (a clock ahead of ours when they were written) must still be found.
    await seedContacts(prisma, 20, { seed: 12, firstIndex: 10_000, now: new Date(Date.now() + 20 * DAY), spanDays: 3 });
    rows = await prisma.contact.findMany({
      select: { id: true, name: true, email: true, phone: true, sourceChannel: true, createdAt: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
  }, 120_000);
  afterAll(() => t.close());

  /** Every page of a listing, following nextCursor. */
  async function allPages(query: Record<string, string | number>): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await admin.list({ ...query, ...(cursor ? { cursor } : {}) });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ items: ContactDto[]; nextCursor: string | null }>();
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return ids;
  }

  it.each([
    ['maria mar', 4],
    ['santos san', 3],
    ['silva sil', 4],
    ['MARÍA  MAR', 9],
    ['gmail.com com', 7],
    ['conceicao cao', 5],
    ['SEBASTIÃO BAS', 6],
    ['a.s com', 11],
    // One word to the user, two to the trigram index (punctuation splits them): month by month too.
    ['gmail.com', 8],
    ['hotmail.com', 5],
  ])('q=%s with limit %i returns every match once, newest first, across all months', async (q, limit) => {
    const expected = rows.filter((r) => matches(r, q)).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(limit); // more than one page, spread over months
    expect(await allPages({ q, limit })).toEqual(expected);
  });

  it('finds rows dated after now, and nothing for words no one has', async () => {
    const future = rows.filter((r) => r.createdAt.getTime() > Date.now() && matches(r, 'gmail com'));
    expect(future.length).toBeGreaterThan(0);
    const firstPage = (await admin.list({ q: 'gmail com', limit: future.length })).json<{ items: ContactDto[] }>().items;
    expect(firstPage.map((c) => c.id)).toEqual(future.map((r) => r.id));
    expect(await allPages({ q: 'zuleica maria', limit: 5 })).toEqual([]);
  });

  it('combines q with dates and channel, inside and across months', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = Date.now();
    const windows: Record<string, string>[] = [
      { createdFrom: iso(now - 200 * DAY), createdTo: iso(now - 40 * DAY) },
      { createdFrom: iso(now - 75 * DAY) },
      { createdTo: iso(now - 300 * DAY) },
      { createdFrom: iso(now - 10 * DAY), createdTo: iso(now - 30 * DAY) }, // empty on purpose
    ];
    for (const window of windows) {
      const from = window.createdFrom ? new Date(window.createdFrom).getTime() : -Infinity;
      const to = window.createdTo ? new Date(window.createdTo).getTime() : Infinity;
      const expected = rows.filter((r) => matches(r, 'silva sil') && r.createdAt.getTime() >= from && r.createdAt.getTime() < to).map((r) => r.id);
      expect(await allPages({ q: 'silva sil', limit: 3, ...window }), JSON.stringify(window)).toEqual(expected);
    }
    const whatsapp = rows.filter((r) => matches(r, 'santos san') && r.sourceChannel === 'whatsapp').map((r) => r.id);
    expect(whatsapp.length).toBeGreaterThan(3);
    expect(await allPages({ q: 'santos san', channel: 'whatsapp', limit: 3 })).toEqual(whatsapp);
  });

  it('returns the same contact shape as GET /contacts/:id', async () => {
    const [first] = (await admin.list({ q: 'souza mar', limit: 1 })).json<{ items: ContactDto[] }>().items;
    expect(first).toBeDefined();
    expect(first).toEqual((await admin.get(first!.id)).json());
  });

  it('looks a month up in the trigram + month index', async () => {
    // The query repeats the index's bucket expression; if the two drift apart the planner has
    // no index for it and reads the table. Rows per month are few here, so only index paths
    // that can serve the condition are left open.
    const { text, values } = compile(sql`SELECT id FROM contacts WHERE search_text LIKE ${'%maria%'} AND ${BUCKET} = ${bucketOf(new Date())}::int`);
    const plan = await t.atende.db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      await tx.$executeRawUnsafe('SET LOCAL enable_indexscan = off');
      return tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${text}`, ...values);
    });
    const lines = plan.map((l) => l['QUERY PLAN']).join('\n');
    expect(lines, lines).toContain('Bitmap Index Scan on contacts_search_text_month_trgm_idx');
    expect(lines, lines).toMatch(/Index Cond: .*search_text ~~ .*date_part\('epoch'/);
  });
});
