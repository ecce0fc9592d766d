// Creating, reading and correcting contacts through the REST API, on both back-ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient } from './helpers/contacts.ts';

type Api = ReturnType<typeof contactsClient>;

describe.each(BACKENDS)('contacts API on %s', (backend) => {
  let t: TestApp;
  let admin: Api;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    admin = contactsClient(t, await t.login());
    adminId = (await t.atende.db.prisma.user.findFirstOrThrow({ where: { role: 'admin' } })).id;
  });
  afterAll(() => t.close());

  it('creates a contact with a normalized phone and reads it back', async () => {
    const res = await admin.create({ name: '  João   da Silva ', phone: '(11) 98765-4321', email: 'Joao.Silva@Exemplo.com.BR', reason: 'Apoio emocional' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(res.headers.location).toBe(`/contacts/${created.id}`);
    expect(created).toMatchObject({
      name: 'João da Silva',
      phone: '+5511987654321',
      email: 'joao.silva@exemplo.com.br',
      reason: 'Apoio emocional',
      source: { channel: 'api', chatId: null },
      mode: 'api',
      createdBy: adminId,
      consentAt: null,
      sync: { status: 'disabled', error: null, syncedAt: null },
    });
    expect(Date.parse(created.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(created).not.toHaveProperty('searchText');

    const got = await admin.get(created.id);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(created);
  });

  it('accepts a contact without e-mail', async () => {
    const res = await admin.create({ name: 'Ana Lima', phone: '+55 21 99876-5432', reason: 'dúvida' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ phone: '+5521998765432', email: null });
  });

  it.each([
    [{ name: 'Bia Souza', phone: '9999-888', reason: 'x' }, ['phone']],
    [{ name: 'Bia Souza', phone: '11 98888-7777', email: 'bia@', reason: 'x' }, ['email']],
    [{ name: 'B1a', phone: 'abc', email: 'no at sign', reason: '   ' }, ['name', 'phone', 'email', 'reason']],
    [{ name: 'Bia Souza', phone: '11 98888-7777' }, ['reason']],
  ])('refuses invalid input with 400 problem+json naming each bad field (%#)', async (body, fields) => {
    const res = await admin.create(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem.code).toBe('validation');
    expect(problem.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
    expect(await t.atende.db.prisma.contact.count({ where: { name: 'Bia Souza' } })).toBe(0);
  });

  it('answers 409 naming the existing contact when the phone is already registered, in any format', async () => {
    const first = await admin.created({ name: 'Carla Dias', phone: '31 99111-2233', reason: 'orçamento' });
    const res = await admin.create({ name: 'Carla D.', phone: '+55 (31) 991112233', reason: 'outra coisa' });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'duplicate-phone', field: 'phone', existingContactId: first.id, existingSince: first.createdAt });
    expect(res.body).not.toContain('Carla');
  });

  it('lets exactly one of two concurrent creates with one phone win; the other gets 409 with its id', async () => {
    for (let i = 0; i < 5; i++) {
      const phone = `41 9${String(8000_0000 + i)}`;
      const [a, b] = await Promise.all([
        admin.create({ name: 'Corrida Um', phone, reason: 'race' }),
        admin.create({ name: 'Corrida Dois', phone, reason: 'race' }),
      ]);
      const statuses = [a.statusCode, b.statusCode].sort();
      expect(statuses).toEqual([201, 409]);
      const winner = a.statusCode === 201 ? a.json() : b.json();
      const loser = a.statusCode === 409 ? a.json() : b.json();
      expect(loser).toMatchObject({ code: 'duplicate-phone', existingContactId: winner.id });
    }
    expect(await t.atende.db.prisma.contact.count({ where: { reason: 'race' } })).toBe(5);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const missing = await admin.get('00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not-found');
    const bad = await admin.get('not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('id');
  });

  describe('PATCH', () => {
    it('corrects fields, normalizes them and keeps search in step', async () => {
      const c = await admin.created({ name: 'Dora Alves', phone: '51 99222-3344', email: 'dora@exemplo.com', reason: 'inscrição' });
      const res = await admin.patch(c.id, { name: 'Dóra Álvares', phone: '(51) 99222-0000', email: null });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: c.id, name: 'Dóra Álvares', phone: '+5551992220000', email: null, reason: 'inscrição', createdAt: c.createdAt });
      expect(Date.parse(res.json().updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt));
      expect(await admin.names({ q: 'dora alvares' })).toEqual(['Dóra Álvares']);
      expect(await admin.names({ q: '5199222-0000' })).toEqual(['Dóra Álvares']);
      expect(await admin.names({ q: 'dora@exemplo' })).toEqual([]);

      const entry = await t.atende.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'contact.update', entityId: c.id } });
      expect((entry.meta as { fields: string[] }).fields.sort()).toEqual(['email', 'name', 'phone']);
    });

    it('validates the fields it is given and names them', async () => {
      const c = await admin.created({ name: 'Eva Rocha', phone: '61 99333-4455', reason: 'visita' });
      const bad = await admin.patch(c.id, { phone: '123', email: 'x@y' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'phone']);
      const empty = await admin.patch(c.id, {});
      expect(empty.statusCode).toBe(400);
      const tooLong = await admin.patch(c.id, { reason: 'x'.repeat(1500) });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().errors[0].field).toBe('reason');
      expect((await admin.get(c.id)).json()).toMatchObject({ phone: '+5561993334455', email: null, reason: 'visita' });
    });

    it('refuses a phone that belongs to another contact with 409', async () => {
      const a = await admin.created({ name: 'Fábio Nunes', phone: '71 99444-5566', reason: 'a' });
      const b = await admin.created({ name: 'Gil Nunes', phone: '71 99444-7788', reason: 'b' });
      const res = await admin.patch(b.id, { phone: '71 99444-5566' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'duplicate-phone', existingContactId: a.id });
    });

    it('answers 404 for an unknown contact', async () => {
      const res = await admin.patch('00000000-0000-4000-8000-000000000000', { name: 'Ninguém Aqui' });
      expect(res.statusCode).toBe(404);
    });
  });

  it('documents the contacts endpoints in the OpenAPI document', async () => {
    const doc = (await t.atende.http.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/contacts', '/contacts/{id}', '/contacts/{id}/data']));
    expect(Object.keys(doc.paths['/contacts'])).toEqual(expect.arrayContaining(['get', 'post']));
    const params = doc.paths['/contacts'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['q', 'reason', 'channel', 'createdFrom', 'createdTo', 'limit', 'cursor']));
  });

  it('counts created contacts by channel and mode in /metrics', async () => {
    const metrics = await t.atende.metrics.registry.metrics();
    expect(metrics).toMatch(/atende_contacts_created_total\{channel="api",mode="api"\} \d+/);
  });
});
