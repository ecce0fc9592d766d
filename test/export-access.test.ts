// GET /contacts/export: which rows (exactly those GET /contacts lists for the same filters),
// who may export (admins), bad parameters, the audit trail (complete and aborted exports) and
// the cap on exports running at once.
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from '../bench/seed.ts';
import { contactFiltersSchema } from '../src/contacts/contact-filters.ts';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { ContactExporter } from '../src/contacts/export/contact-exporter.ts';
import { AuditLog } from '../src/audit/audit-log.ts';
import { userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { listAll } from './helpers/export-files.ts';

const day = (daysAgo: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(new Date(Date.now() - daysAgo * 86_400_000));

/** Filter sets an admin would use; together they exercise every filter GET /contacts has. */
const FILTER_CASES: Record<string, string>[] = [
  { q: 'maria' },
  { q: 'silva santos' },
  { q: 'GONÇALVES' },
  { q: 'gmail.com' },
  { q: '(11) 9' },
  { q: '100%' },
  { q: 'a_b' },
  { reason: 'boleto' },
  { reason: 'apoio urgente' },
  { channel: 'telegram' },
  { createdFrom: day(120) },
  { createdTo: day(300) },
  { createdFrom: day(200), createdTo: day(100) },
  { createdFrom: new Date(Date.now() - 50 * 86_400_000).toISOString() },
  { q: 'ria', reason: 'cao', channel: 'whatsapp', createdFrom: day(400), createdTo: day(10) },
];

async function waitForAudit(t: TestApp, match: (meta: Record<string, unknown>) => boolean) {
  for (let i = 0; i < 100; i++) {
    const entries = await t.atende.db.prisma.auditLog.findMany({ where: { action: 'contact.export' }, orderBy: { id: 'desc' } });
    const found = entries.find((e) => match(e.meta as Record<string, unknown>));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no matching contact.export audit entry');
}

describe.each(BACKENDS)('contact export access and rows on %s', (backend) => {
  let t: TestApp;
  let admin: string;

  const exportJson = async (query: Record<string, string>) => {
    const res = await t.atende.http.inject({ url: '/contacts/export', query: { format: 'json', ...query }, headers: { authorization: `Bearer ${admin}` } });
    if (res.statusCode !== 200) throw new Error(`export failed: ${res.statusCode} ${res.body}`);
    return res.json<ContactDto[]>();
  };

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = await t.login();
    await seedContacts(t.atende.db.prisma, 3_000, { spanDays: 730 });
  });
  afterAll(() => t?.close());

  it('covers every filter of GET /contacts in the cases below', () => {
    const used = new Set(FILTER_CASES.flatMap((c) => Object.keys(c)));
    expect([...used].sort()).toEqual(Object.keys(contactFiltersSchema.shape).sort());
  });

  it.each(FILTER_CASES)('exports exactly the rows GET /contacts lists for %o', async (filters) => {
    const exported = await exportJson(filters);
    const listed = await listAll(t, admin, filters);
    expect(exported.map((c) => c.id)).toEqual(listed.map((c) => c.id));
    // "100%" and "a_b" must match literally (no LIKE wildcards): nothing in the seed does.
    if (!/[%_]/.test(filters.q ?? '')) expect(listed.length).toBeGreaterThan(0);
    else expect(listed).toEqual([]);
  });

  it('filters actually narrow the export', async () => {
    const all = await exportJson({});
    expect(all).toHaveLength(3_000);
    const telegram = await exportJson({ channel: 'telegram' });
    expect(telegram.length).toBeGreaterThan(0);
    expect(telegram.length).toBeLessThan(all.length);
    expect(telegram.every((c) => c.source.channel === 'telegram')).toBe(true);
  });

  it('refuses attendants (403) and anonymous callers (401) with problem+json', async () => {
    const attendant = await t.tokenFor('attendant');
    const res = await t.atende.http.inject({ url: '/contacts/export?format=csv', headers: { authorization: `Bearer ${attendant}` } });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).not.toContain('+55');
    expect((await t.atende.http.inject({ url: '/contacts/export?format=csv' })).statusCode).toBe(401);
  });

  it.each([['format=pdf', 'format'], ['format=csv&sep=|', 'sep'], ['format=json&createdFrom=ontem', 'createdFrom']])(
    'answers %s with 400 problem+json naming %s',
    async (query, field) => {
      const res = await t.atende.http.inject({ url: `/contacts/export?${query}`, headers: { authorization: `Bearer ${admin}` } });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    },
  );

  it('is documented in the OpenAPI document with its parameters', async () => {
    const doc = (await t.atende.http.inject({ url: '/docs/json' })).json();
    const operation = doc.paths['/contacts/export'].get;
    const params = operation.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['format', 'sep', ...Object.keys(contactFiltersSchema.shape)]));
  });

  it('records who exported what: format, filter names (not values) and the row count', async () => {
    const query = { format: 'csv', q: 'maria', channel: 'whatsapp' };
    const expected = (await listAll(t, admin, { q: 'maria', channel: 'whatsapp' })).length;
    const res = await t.atende.http.inject({ url: '/contacts/export', query, headers: { authorization: `Bearer ${admin}`, 'x-request-id': 'export-audit-1' } });
    expect(res.statusCode).toBe(200);
    const entry = await waitForAudit(t, (m) => m.format === 'csv' && !m.aborted && String(m.filters) === 'q,channel');
    // The request id is the server's (the client's X-Request-Id is only a log correlation).
    expect(entry).toMatchObject({ actorId: userIdOf(admin), actorRole: 'admin', entityType: 'contact', requestId: res.headers['x-request-id'] });
    expect(entry.meta).toEqual({ format: 'csv', filters: ['q', 'channel'], rows: expected });
    expect(JSON.stringify({ ...entry, id: String(entry.id) })).not.toContain('maria');
  });

  it('records an export the client abandoned, flagged, and frees its slot', async () => {
    const exporter = new ContactExporter({
      db: t.atende.db,
      audit: new AuditLog(t.atende.db),
      logger: t.atende.logger,
      batchSize: 100,
      maxConcurrent: 1,
    });
    {
      const ctx = { actorId: 'abandoning-admin', actorRole: 'admin' };
      const first = exporter.start({ format: 'csv', filters: {} }, ctx);
      await once(first.stream, 'readable');
      expect(first.stream.read()).not.toBeNull();
      // One export at a time here: a second one is refused while the first runs.
      expect(() => exporter.start({ format: 'json', filters: {} }, ctx)).toThrow(expect.objectContaining({ kind: 'unavailable' }));
      first.stream.destroy();
      const entry = await waitForAudit(t, (m) => m.aborted === true);
      expect(entry.actorId).toBe('abandoning-admin');
      expect(entry.meta).toMatchObject({ format: 'csv', filters: [], aborted: true, reason: 'client_closed' });
      expect((entry.meta as { rows: number }).rows).toBeLessThan(3_000);

      const second = exporter.start({ format: 'json', filters: { channel: 'web' } }, ctx);
      let text = '';
      await pipeline(second.stream, new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) }));
      expect(JSON.parse(text).length).toBe((await listAll(t, admin, { channel: 'web' })).length);
    }
  });
});
