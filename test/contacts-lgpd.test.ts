// LGPD: erasure leaves no personal data anywhere in the database, portability hands out
// everything held, every access is audited without personal data, and roles are enforced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient, tablesContaining } from './helpers/contacts.ts';

type Api = ReturnType<typeof contactsClient>;

describe.each(BACKENDS)('contacts and LGPD on %s', (backend) => {
  let t: TestApp;
  let admin: Api;
  let attendant: Api;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = contactsClient(t, await t.login());
    attendant = contactsClient(t, await t.tokenFor('attendant'));
  });
  afterAll(() => t.close());

  it('erases a contact so that no table holds its name, phone or e-mail any more', async () => {
    const person = { name: 'Zuleica Quintanilha', phone: '11 97531-8642', email: 'zuleica.q@exemplo.com.br', reason: 'apoio emocional' };
    const c = await admin.created(person);
    // Touch it in every audited way first, so the audit log has entries about it.
    await admin.get(c.id);
    await admin.list({ q: 'zuleica' });
    await admin.list({ q: '97531-8642' });
    await admin.patch(c.id, { reason: 'apoio emocional contínuo' });
    await admin.data(c.id);

    const needles = ['Zuleica', 'Quintanilha', 'zuleica q', '5511975318642', '97531', 'zuleica.q@exemplo.com.br'];
    expect(await tablesContaining(t, 'Quintanilha')).toEqual({ contacts: 1 }); // the scan itself works

    const res = await admin.delete(c.id);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    for (const needle of needles) expect(await tablesContaining(t, needle), needle).toEqual({});

    expect((await admin.get(c.id)).statusCode).toBe(404);
    expect((await admin.delete(c.id)).statusCode).toBe(404);
    expect(await admin.names({ q: 'zuleica' })).toEqual([]);

    const entry = await t.atende.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'contact.delete' } });
    expect(entry).toMatchObject({ entityType: 'contact', entityId: c.id, actorRole: 'admin', meta: null });

    // The phone is free again: the same person may register anew.
    expect((await admin.create(person)).statusCode).toBe(201);
  });

  it('serves a portability document with every datum, how it was collected and the access trail', async () => {
    const consentAt = new Date(Date.now() - 60_000);
    const ctx = { actorId: null, actorRole: null };
    const c = await t.atende.contacts.create(
      { name: 'Iracema Teles', phone: '+55 92 99123-4567', email: 'iracema@exemplo.com', reason: 'segunda via' },
      { channel: 'whatsapp', chatId: '5592991234567@s.whatsapp.net', mode: 'contact', createdBy: 'bot', consentAt },
      ctx,
    );
    await admin.get(c.id);
    await attendant.patch(c.id, { reason: 'segunda via do boleto' });

    const res = await admin.data(c.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="contato-${c.id}-dados.json"`);
    const doc = res.json();
    expect(doc).toMatchObject({
      document: 'atende.contact-data',
      version: 1,
      contactId: c.id,
      personalData: { name: 'Iracema Teles', phone: '+5592991234567', email: 'iracema@exemplo.com', reason: 'segunda via do boleto' },
      collection: {
        collectedAt: c.createdAt,
        channel: 'whatsapp',
        chatId: '5592991234567@s.whatsapp.net',
        mode: 'contact',
        collectedBy: 'bot',
        consent: { given: true, at: consentAt.toISOString() },
      },
      sharing: { sync: { status: 'disabled', error: null, syncedAt: null } },
    });
    expect(doc.accessLog.map((e: { action: string }) => e.action)).toEqual(['contact.create', 'contact.read', 'contact.update', 'contact.data_export']);
    expect(doc.accessLog.map((e: { actorRole: string | null }) => e.actorRole)).toEqual([null, 'admin', 'attendant', 'admin']);
    expect(JSON.stringify(doc.accessLog)).not.toMatch(/ip|requestId/);
  });

  it('answers 404 for the data of an unknown contact', async () => {
    expect((await admin.data('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('audits every access to personal data, with actor and request, and without personal data', async () => {
    const person = { name: 'Wanderléia Bastos', phone: '27 99888-1212', email: 'wanda@exemplo.org', reason: 'visita técnica' };
    const c = await admin.created(person);
    await admin.get(c.id);
    await admin.list({ q: 'wanderleia', reason: 'visita', channel: 'api', createdFrom: '2020-01-01' });
    await admin.patch(c.id, { email: 'wanda.b@exemplo.org' });
    await admin.data(c.id);

    const entries = await t.atende.db.prisma.auditLog.findMany({ where: { OR: [{ entityId: c.id }, { action: 'contact.list' }] }, orderBy: { id: 'asc' } });
    const about = entries.filter((e) => e.entityId === c.id);
    expect(about.map((e) => e.action)).toEqual(['contact.create', 'contact.read', 'contact.update', 'contact.data_export']);
    for (const e of about) expect(e).toMatchObject({ entityType: 'contact', actorRole: 'admin', requestId: expect.any(String), ip: expect.any(String) });
    expect(about.find((e) => e.action === 'contact.update')!.meta).toEqual({ fields: ['email'] });
    expect(entries.filter((e) => e.action === 'contact.list').at(-1)!.meta).toEqual({ filters: ['q', 'reason', 'channel', 'createdFrom'], count: 1, continued: false });

    const text = JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).toLowerCase();
    for (const value of ['wanderl', 'bastos', '998881212', 'wanda', 'visita']) expect(text).not.toContain(value);
  });

  it('lets an attendant list, read, create and correct, but not erase or export a contact', async () => {
    const c = await attendant.created({ name: 'Olga Pires', phone: '62 99777-3434', reason: 'cadastro' });
    const attendantId = c.createdBy;
    expect(attendantId).not.toBe('bot');
    expect((await attendant.list()).statusCode).toBe(200);
    expect((await attendant.get(c.id)).statusCode).toBe(200);
    expect((await attendant.patch(c.id, { name: 'Olga Pires Lima' })).statusCode).toBe(200);

    const del = await attendant.delete(c.id);
    expect(del.statusCode).toBe(403);
    expect(del.headers['content-type']).toContain('application/problem+json');
    expect((await attendant.data(c.id)).statusCode).toBe(403);
    expect((await admin.get(c.id)).json<ContactDto>().name).toBe('Olga Pires Lima');
  });

  it('refuses every contacts route without a token', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, url] of [['GET', '/contacts'], ['POST', '/contacts'], ['GET', `/contacts/${id}`], ['PATCH', `/contacts/${id}`], ['DELETE', `/contacts/${id}`], ['GET', `/contacts/${id}/data`]] as const) {
      const res = await t.atende.http.inject({ method, url, payload: method === 'POST' || method === 'PATCH' ? {} : undefined });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});
