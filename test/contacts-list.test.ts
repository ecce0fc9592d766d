// Listing contacts: every filter, and keyset pagination that neither repeats nor skips rows
// while other rows are being inserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from '../bench/seed.ts';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient } from './helpers/contacts.ts';
import { sql } from '../src/db/sql.ts';

type Api = ReturnType<typeof contactsClient>;
const bot = { actorId: null, actorRole: null };

describe.each(BACKENDS)('listing contacts on %s', (backend) => {
  let t: TestApp;
  let admin: Api;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = contactsClient(t, await t.login());
    const svc = t.atende.contacts;
    const chat = (channel: string) => ({ channel, chatId: `chat-${channel}`, mode: 'contact' as const, createdBy: 'bot', consentAt: new Date() });
    await svc.create({ name: 'João Gonçalves', phone: '11 98765-4321', email: 'jg@exemplo.com.br', reason: 'Apoio emocional' }, chat('whatsapp'), bot);
    await svc.create({ name: 'Joana Prado', phone: '21 99876-1111', email: 'joana.prado@gmail.com', reason: 'ação social 50% off' }, chat('telegram'), bot);
    await svc.create({ name: 'Maria Souza', phone: '31 99111-0000', reason: 'segunda via de boleto' }, chat('web'), bot);
    await svc.create({ name: 'Pedro Araújo', phone: '41 99222-0000', email: 'pedro_araujo@uol.com.br', reason: 'orientação jurídica' }, chat('whatsapp'), bot);
  });
  afterAll(() => t.close());

  it('lists newest first with every field of the API shape', async () => {
    const res = await admin.list();
    expect(res.statusCode).toBe(200);
    const { items, nextCursor } = res.json<{ items: ContactDto[]; nextCursor: string | null }>();
    expect(items.map((c) => c.name)).toEqual(['Pedro Araújo', 'Maria Souza', 'Joana Prado', 'João Gonçalves']);
    expect(nextCursor).toBeNull();
    expect(items[0]).toMatchObject({ source: { channel: 'whatsapp', chatId: 'chat-whatsapp' }, mode: 'contact', createdBy: 'bot' });
    expect(items[0]!.consentAt).not.toBeNull();
  });

  it('q matches names accent- and case-insensitively, word by word in any order', async () => {
    expect(await admin.names({ q: 'joao' })).toEqual(['João Gonçalves']);
    expect(await admin.names({ q: 'JOÃO' })).toEqual(['João Gonçalves']);
    expect(await admin.names({ q: 'goncalves joao' })).toEqual(['João Gonçalves']);
    expect(await admin.names({ q: 'joa' })).toEqual(['Joana Prado', 'João Gonçalves']);
    expect(await admin.names({ q: 'joa pra' })).toEqual(['Joana Prado']);
    expect(await admin.names({ q: 'jo araujo' })).toEqual(['Pedro Araújo']);
    expect(await admin.names({ q: 'araujo' })).toEqual(['Pedro Araújo']);
    expect(await admin.names({ q: 'nobody' })).toEqual([]);
  });

  it('q matches e-mails', async () => {
    expect(await admin.names({ q: 'joana.prado@gmail' })).toEqual(['Joana Prado']);
    expect(await admin.names({ q: 'uol.com' })).toEqual(['Pedro Araújo']);
  });

  it.each(['(11) 98765-4321', '11987654321', '+55 11 98765 4321', '98765-4321', '011 98765-4321', '5511987654321', '8765'])(
    'q finds a phone typed as %s',
    async (q) => {
      expect(await admin.names({ q })).toEqual(['João Gonçalves']);
    },
  );

  it('treats % _ and \\ in q and reason as plain characters, not wildcards', async () => {
    expect(await admin.names({ q: '%%%' })).toEqual([]);
    expect(await admin.names({ q: 'o_a' })).toEqual(['Pedro Araújo']); // pedro_araujo@, not joao
    expect(await admin.names({ q: 'pedro_' })).toEqual(['Pedro Araújo']);
    expect(await admin.names({ q: 'j_ana' })).toEqual([]);
    expect(await admin.names({ q: 'ped\\ro' })).toEqual([]);
    expect(await admin.names({ reason: '50%' })).toEqual(['Joana Prado']);
    expect(await admin.names({ reason: '%%%' })).toEqual([]);
    expect(await admin.names({ reason: 's_cial' })).toEqual([]);
  });

  it('refuses a q or reason without a word of 3+ characters (it could not use the index)', async () => {
    for (const query of [{ q: 'jo' }, { q: 'a b c' }, { q: '%' }, { reason: '_' }, { q: '(1)' }] as Record<string, string>[]) {
      const res = await admin.list(query);
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.json().errors[0].field).toBe(Object.keys(query)[0]);
    }
  });

  it('reason matches text contained in the reason, accent-insensitively', async () => {
    expect(await admin.names({ reason: 'emocional' })).toEqual(['João Gonçalves']);
    expect(await admin.names({ reason: 'ACAO' })).toEqual(['Joana Prado', 'Pedro Araújo']); // orientação
    expect(await admin.names({ reason: 'ação social' })).toEqual(['Joana Prado']);
    expect(await admin.names({ reason: 'juridica orientacao' })).toEqual(['Pedro Araújo']);
    expect(await admin.names({ reason: 'boleto via' })).toEqual(['Maria Souza']);
  });

  it('channel selects the source channel', async () => {
    expect(await admin.names({ channel: 'whatsapp' })).toEqual(['João Gonçalves', 'Pedro Araújo']);
    expect(await admin.names({ channel: 'telegram' })).toEqual(['Joana Prado']);
    expect(await admin.names({ channel: 'whatsapp', q: 'pedro' })).toEqual(['Pedro Araújo']);
  });

  it('createdFrom/createdTo are whole days in America/Sao_Paulo', async () => {
    const prisma = t.atende.db.prisma;
    const at = async (name: string, phone: string, iso: string) => {
      const c = await admin.created({ name, phone, reason: 'datas' });
      await prisma.contact.update({ where: { id: c.id }, data: { createdAt: new Date(iso) } });
    };
    await at('Dia Trinta', '85 99000-0001', '2026-01-31T02:59:59.999Z'); // 30/01 23:59:59 in São Paulo
    await at('Dia Inicio', '85 99000-0002', '2026-01-31T03:00:00.000Z'); // 31/01 00:00
    await at('Dia Fim', '85 99000-0003', '2026-02-01T02:59:59.999Z'); // 31/01 23:59:59
    await at('Dia Primeiro', '85 99000-0004', '2026-02-01T03:00:00.000Z'); // 01/02 00:00

    expect(await admin.names({ createdFrom: '2026-01-31', createdTo: '2026-01-31' })).toEqual(['Dia Fim', 'Dia Inicio']);
    expect(await admin.names({ createdFrom: '2026-01-31', reason: 'datas' })).toEqual(['Dia Fim', 'Dia Inicio', 'Dia Primeiro']);
    expect(await admin.names({ createdTo: '2026-01-30', reason: 'datas' })).toEqual(['Dia Trinta']);
    expect(await admin.names({ createdFrom: '2026-01-31T12:00:00-03:00', createdTo: '2026-02-01T00:00:00-03:00' })).toEqual(['Dia Fim']);
    for (const createdFrom of ['ontem', '2026-13-45', '12']) {
      const bad = await admin.list({ createdFrom });
      expect(bad.statusCode, createdFrom).toBe(400);
      expect(bad.json().errors[0].field).toBe('createdFrom');
    }
  });

  it('refuses a limit over 200 or under 1, and a forged cursor, with 400 naming the parameter', async () => {
    for (const limit of [201, 0, 'abc']) {
      const res = await admin.list({ limit });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe('limit');
    }
    expect((await admin.list({ limit: 200 })).statusCode).toBe(200);
    for (const cursor of ['garbage', Buffer.from('["yesterday","x"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
      const res = await admin.list({ cursor });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'validation', errors: [{ field: 'cursor' }] });
    }
  });

  it('audits each listing with the filter names and count, never their values', async () => {
    await admin.list({ q: 'joana', channel: 'telegram' });
    const entry = await t.atende.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'contact.list' }, orderBy: { id: 'desc' } });
    expect(entry.meta).toEqual({ filters: ['q', 'channel'], count: 1, continued: false });
    expect(entry.actorRole).toBe('admin');
    expect(entry.requestId).toBeTruthy();
    expect(JSON.stringify(entry, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/joana|telegram/i);
  });

  // The entry is written by the page's own statement (ContactRepository.listPage), which counts
  // the rows it returns: the count must be what the page shows, on every path of the query.
  it('audits the rows a page shows: none, a continued page, and a month-by-month search', async () => {
    const lastEntry = async () => (await t.atende.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'contact.list' }, orderBy: { id: 'desc' } })).meta;
    const entries = () => t.atende.db.prisma.auditLog.count({ where: { action: 'contact.list' } });

    const before = await entries();
    expect((await admin.list({ q: 'zzzqqq' })).json().items).toEqual([]);
    expect(await lastEntry()).toEqual({ filters: ['q'], count: 0, continued: false });
    const all = (await admin.list({ limit: 200 })).json<{ items: ContactDto[] }>().items;
    expect(all.length).toBeGreaterThan(3);
    expect(await lastEntry()).toEqual({ filters: [], count: all.length, continued: false });
    const first = (await admin.list({ limit: all.length - 1 })).json<{ items: ContactDto[]; nextCursor: string }>();
    expect(await lastEntry()).toEqual({ filters: [], count: all.length - 1, continued: false });
    const second = (await admin.list({ limit: all.length - 1, cursor: first.nextCursor })).json<{ items: ContactDto[] }>();
    expect(second.items.map((c) => c.id)).toEqual([all.at(-1)!.id]);
    expect(await lastEntry()).toEqual({ filters: [], count: 1, continued: true });
    expect(await admin.names({ q: 'souza maria' })).toEqual(['Maria Souza']);
    expect(await lastEntry()).toEqual({ filters: ['q'], count: 1, continued: false });
    expect(await entries()).toBe(before + 5);
  });

  // The entry's commit skips the WAL flush (audit-log.ts auditReadInsert) for its own
  // transaction only: the connections it ran on must commit every later write durably.
  it('leaves synchronous_commit on for whatever runs next on the database', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await admin.list({ q: 'joana prado' })).statusCode).toBe(200);
      const [row] = await t.atende.db.query<{ value: string }>(sql`SELECT current_setting('synchronous_commit') AS value`);
      expect(row!.value).toBe('on');
    }
  });

  it('pages through every row exactly once while rows are inserted concurrently', async () => {
    const prisma = t.atende.db.prisma;
    const seeded = await seedContacts(prisma, 600, { firstIndex: 1_000, seed: 7, spanDays: 30 });
    expect(seeded.inserted).toBe(600);
    const before = new Set((await prisma.contact.findMany({ select: { id: true } })).map((c) => c.id));

    // Writers run while the reader pages: new rows now (through the API) and rows back in
    // time (raw inserts into the range being paged). Each yields to the event loop between
    // writes: embedded PGlite answers without one, and a tight loop would starve the reader.
    let stop = false;
    let written = 0;
    const pause = () => new Promise((r) => setTimeout(r, 2));
    const apiWriter = (async () => {
      for (let i = 0; !stop; i++) {
        await admin.created({ name: 'Nova Pessoa', phone: `47 9${String(9000_0000 + i)}`, reason: 'concorrente' });
        written++;
        await pause();
      }
    })();
    const pastWriter = (async () => {
      for (let i = 0; !stop; i++) {
        await seedContacts(prisma, 5, { firstIndex: 50_000 + i * 5, seed: 100 + i, spanDays: 30, batchSize: 5 });
        written += 5;
        await pause();
      }
    })();

    const seen: ContactDto[] = [];
    let cursor: string | undefined;
    let pages = 0;
    try {
      do {
        const res = await admin.list({ limit: 25, ...(cursor ? { cursor } : {}) });
        expect(res.statusCode).toBe(200);
        const page = res.json<{ items: ContactDto[]; nextCursor: string | null }>();
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
        await pause();
      } while (cursor);
    } finally {
      stop = true;
      await Promise.all([apiWriter, pastWriter]);
    }

    const ids = seen.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const missing = [...before].filter((id) => !ids.includes(id));
    expect(missing).toEqual([]);
    expect(pages).toBeGreaterThan(20);
    expect(written).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(true);
    }
  });
});
