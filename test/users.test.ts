import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';

interface UserBody {
  id: string;
  email: string;
  name: string | null;
  role: 'admin' | 'attendant';
  identities: { channel: string; address: string }[];
}

describe.each(BACKENDS)('/users on %s', (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  let seq = 0;
  const uniqueEmail = (label: string) => `${label}-${++seq}-${Date.now()}@example.com`;
  // Distinct valid Brazilian mobiles (São Paulo, 9 6xxx-xxxx), so tests do not collide on identities.
  const uniquePhone = () => `11 9${61_000_000 + ++seq * 7_919}`;

  const createUser = async (body: Record<string, unknown> = {}) => {
    const res = await api('POST', '/users', admin, { email: uniqueEmail('user'), password: 'a-long-password', role: 'attendant', ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<UserBody>();
  };
  const loginAs = async (email: string, password: string) => {
    const res = await api('POST', '/auth/login', undefined, { email, password });
    return { status: res.statusCode, ...(res.statusCode === 200 ? res.json<{ accessToken: string; refreshToken: string }>() : { accessToken: '', refreshToken: '' }) };
  };

  beforeAll(async () => {
    t = await startTestApp({ backend });
    api = apiOf(t);
    admin = await t.login();
  });
  afterAll(() => t?.close());

  it('creates a user with normalized chat identities and never returns a password hash', async () => {
    const email = uniqueEmail('Maria');
    const res = await api('POST', '/users', admin, {
      email: `  ${email.toUpperCase()} `,
      name: '  Maria   Atendente ',
      password: 'maria-password-1',
      role: 'attendant',
      identities: [
        { channel: 'WhatsApp', address: '(21) 98888-7777' },
        { channel: 'telegram', address: '@Maria_Atende' },
        { channel: 'whatsapp-cloud', address: '5521987776666' },
        { channel: 'telegram', address: '123456789' },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toMatch(/password/i);
    const created = res.json<UserBody>();
    expect(res.headers.location).toBe(`/users/${created.id}`);
    expect(created).toMatchObject({ email: email.toLowerCase(), name: 'Maria Atendente', role: 'attendant' });
    expect(created.identities).toEqual([
      { channel: 'telegram', address: '123456789' },
      { channel: 'telegram', address: '@maria_atende' },
      { channel: 'whatsapp', address: '+5521988887777' },
      { channel: 'whatsapp-cloud', address: '+5521987776666' },
    ]);

    const one = await api('GET', `/users/${created.id}`, admin);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(created);
    expect(one.body).not.toMatch(/password/i);

    const list = await api('GET', '/users', admin);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toMatch(/password|scrypt/i);
    expect(list.json<{ items: UserBody[] }>().items.find((u) => u.id === created.id)).toEqual(created);

    expect((await loginAs(email, 'maria-password-1')).status).toBe(200);
  });

  it.each([
    [{ email: 'not-an-email' }, 'email'],
    [{ password: 'short' }, 'password'],
    [{ role: 'owner' }, 'role'],
    [{ name: '   ' }, 'name'],
    [{ identities: [{ channel: 'whatsapp', address: '9999' }] }, 'identities.0.address'],
    [{ identities: [{ channel: 'telegram', address: 'maria' }] }, 'identities.0.address'],
    [{ identities: [{ channel: 'Bad Channel!', address: 'x' }] }, 'identities.0.channel'],
    [
      { identities: [{ channel: 'whatsapp', address: '11 97777-1111' }, { channel: 'whatsapp', address: '+55 11 97777-1111' }] },
      'identities.1.address',
    ],
  ])('refuses %j with 400 naming %s', async (override, field) => {
    const res = await api('POST', '/users', admin, { email: uniqueEmail('bad'), password: 'a-long-password', role: 'attendant', ...override });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers a taken e-mail or chat identity with 409 naming it', async () => {
    const phone = uniquePhone();
    const owner = await createUser({ identities: [{ channel: 'whatsapp', address: phone }] });

    const sameEmail = await api('POST', '/users', admin, { email: owner.email.toUpperCase(), password: 'a-long-password', role: 'attendant' });
    expect(sameEmail.statusCode).toBe(409);
    expect(sameEmail.headers['content-type']).toContain('application/problem+json');
    expect(sameEmail.json()).toMatchObject({ status: 409, code: 'email-taken', field: 'email' });

    // The same phone typed differently is the same identity.
    const e164 = owner.identities[0]!.address;
    const sameIdentity = await api('POST', '/users', admin, {
      email: uniqueEmail('other'),
      password: 'a-long-password',
      role: 'attendant',
      identities: [
        { channel: 'telegram', address: '@someone_else' },
        { channel: 'whatsapp', address: `+${e164.slice(1, 3)} ${e164.slice(3)}` },
      ],
    });
    expect(sameIdentity.statusCode).toBe(409);
    expect(sameIdentity.json()).toMatchObject({ code: 'identity-taken', field: 'identities.1.address', channel: 'whatsapp', existingUserId: owner.id });
    // Named by position and owner, without echoing the phone number.
    expect(sameIdentity.body).not.toContain(e164.slice(3));

    const other = await createUser();
    const patched = await api('PATCH', `/users/${other.id}`, admin, { identities: [{ channel: 'whatsapp', address: phone }] });
    expect(patched.statusCode).toBe(409);
    expect(patched.json()).toMatchObject({ code: 'identity-taken', existingUserId: owner.id });
    // A channel is a namespace: the same address elsewhere is another identity.
    const elsewhere = await api('PATCH', `/users/${other.id}`, admin, { identities: [{ channel: 'web', address: e164 }] });
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
  });

  it('patches name and role and replaces identities', async () => {
    const phone = uniquePhone();
    const user = await createUser({ name: 'Ana', identities: [{ channel: 'whatsapp', address: phone }, { channel: 'telegram', address: '@ana_old' }] });
    const kept = user.identities.find((i) => i.channel === 'whatsapp')!;

    const res = await api('PATCH', `/users/${user.id}`, admin, {
      name: 'Ana Souza',
      role: 'admin',
      identities: [kept, { channel: 'telegram', address: '@ana_new' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: user.id, email: user.email, name: 'Ana Souza', role: 'admin' });
    expect(res.json<UserBody>().identities).toEqual([{ channel: 'telegram', address: '@ana_new' }, kept]);
    expect((await api('GET', `/users/${user.id}`, admin)).json()).toEqual(res.json());

    const cleared = await api('PATCH', `/users/${user.id}`, admin, { name: null, identities: [], role: 'attendant' });
    expect(cleared.json()).toMatchObject({ name: null, identities: [], role: 'attendant' });

    expect((await api('PATCH', `/users/${user.id}`, admin, {})).statusCode).toBe(400);
    expect((await api('PATCH', `/users/${crypto.randomUUID()}`, admin, { name: 'X Y' })).statusCode).toBe(404);
    expect((await api('GET', '/users/not-a-uuid', admin)).json()).toMatchObject({ status: 400, code: 'validation' });
  });

  it('a new password ends the sessions of the old one', async () => {
    const user = await createUser({ password: 'first-password' });
    const session = await loginAs(user.email, 'first-password');
    expect(session.status).toBe(200);

    const res = await api('PATCH', `/users/${user.id}`, admin, { password: 'second-password' });
    expect(res.statusCode).toBe(200);

    expect((await api('POST', '/auth/refresh', undefined, { refreshToken: session.refreshToken })).statusCode).toBe(401);
    expect((await loginAs(user.email, 'first-password')).status).toBe(401);
    expect((await loginAs(user.email, 'second-password')).status).toBe(200);
  });

  it('deleting a user ends their sessions and frees their e-mail and identities', async () => {
    const phone = uniquePhone();
    const user = await createUser({ role: 'admin', identities: [{ channel: 'whatsapp', address: phone }] });
    const session = await loginAs(user.email, 'a-long-password');
    expect((await api('GET', '/users', session.accessToken)).statusCode).toBe(200);

    const res = await api('DELETE', `/users/${user.id}`, admin);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');

    expect((await api('GET', '/users', session.accessToken)).statusCode).toBe(401);
    expect((await api('POST', '/auth/refresh', undefined, { refreshToken: session.refreshToken })).statusCode).toBe(401);
    expect((await api('GET', `/users/${user.id}`, admin)).statusCode).toBe(404);
    expect((await api('DELETE', `/users/${user.id}`, admin)).statusCode).toBe(404);
    await createUser({ email: user.email, identities: [{ channel: 'whatsapp', address: phone }] });
  });

  it('documents /users in the OpenAPI document, without password hashes', async () => {
    const doc = (await t.atende.http.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/users', '/users/{id}', '/audit']));
    const create = doc.paths['/users'].post;
    expect(create.requestBody.content['application/json'].schema.properties.password.minLength).toBe(10);
    expect(create.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['email', 'password', 'role']));
    expect(Object.keys(create.responses)).toContain('201');
    expect(JSON.stringify(doc.paths['/users'])).not.toContain('passwordHash');
  });

  it('forbids attendants every /users operation', async () => {
    const attendant = await t.tokenFor('attendant');
    const someone = await createUser();
    for (const [method, url, body] of [
      ['GET', '/users'],
      ['GET', `/users/${someone.id}`],
      ['POST', '/users', { email: uniqueEmail('x'), password: 'a-long-password', role: 'admin' }],
      ['PATCH', `/users/${userIdOf(attendant)}`, { role: 'admin' }],
      ['DELETE', `/users/${someone.id}`],
    ] as const) {
      const res = await api(method, url, attendant, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await api('GET', `/users/${userIdOf(attendant)}`, admin)).json().role).toBe('attendant');
  });

  it('audits every user access without e-mails, names or addresses in the entries', async () => {
    const user = await createUser({ name: 'Auditada Pessoa', identities: [{ channel: 'whatsapp', address: uniquePhone() }] });
    await api('GET', '/users', admin);
    await api('GET', `/users/${user.id}`, admin);
    await api('PATCH', `/users/${user.id}`, admin, { name: 'Outro Nome', password: 'another-password' });
    await api('DELETE', `/users/${user.id}`, admin);

    const res = await api('GET', `/audit?entityType=user&limit=200`, admin);
    expect(res.statusCode).toBe(200);
    const entries = res.json<{ items: { action: string; entityId: string | null; actorId: string; meta: unknown }[] }>().items;
    const ofUser = entries.filter((e) => e.entityId === user.id);
    expect(ofUser.map((e) => e.action).sort()).toEqual(['user.create', 'user.delete', 'user.read', 'user.update']);
    expect(ofUser.every((e) => e.actorId === userIdOf(admin))).toBe(true);
    expect(entries.some((e) => e.action === 'user.list' && e.actorId === userIdOf(admin))).toBe(true);
    expect(entries.find((e) => e.entityId === user.id && e.action === 'user.update')!.meta).toEqual({ fields: ['name', 'password'] });

    const all = await t.atende.db.prisma.auditLog.findMany();
    const json = JSON.stringify(all, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).toLowerCase();
    for (const secret of [user.email, 'auditada', 'outro nome', user.identities[0]!.address, user.identities[0]!.address.slice(3), 'password-']) {
      expect(json).not.toContain(secret.toLowerCase());
    }
  });

  // Last, because it shuffles who is admin.
  it('never leaves the system without an admin, even when two admins remove each other at once', async () => {
    const me = userIdOf(admin);
    const pair = await Promise.all([createUser({ role: 'admin' }), createUser({ role: 'admin' })]);
    const tokens = await Promise.all(pair.map((u) => loginAs(u.email, 'a-long-password')));
    const others = (await api('GET', '/users', admin)).json<{ items: UserBody[] }>().items.filter((u) => u.role === 'admin' && !pair.some((p) => p.id === u.id));
    // Demote every other admin, this test's caller last: allowed, two admins remain.
    for (const u of [...others.filter((u) => u.id !== me), ...others.filter((u) => u.id === me)]) {
      expect((await api('PATCH', `/users/${u.id}`, admin, { role: 'attendant' })).statusCode).toBe(200);
    }
    // Demoted: the caller's token was revoked with the role it carried.
    expect((await api('GET', '/users', admin)).statusCode).toBe(401);

    const [a, b] = [tokens[0]!.accessToken, tokens[1]!.accessToken];
    const results = await Promise.all([api('DELETE', `/users/${pair[1]!.id}`, a), api('DELETE', `/users/${pair[0]!.id}`, b)]);
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409 || s === 401)).toHaveLength(1);

    const survivor = statuses[0] === 204 ? { user: pair[0]!, token: a } : { user: pair[1]!, token: b };
    const demote = await api('PATCH', `/users/${survivor.user.id}`, survivor.token, { role: 'attendant' });
    expect(demote.statusCode).toBe(409);
    expect(demote.headers['content-type']).toContain('application/problem+json');
    expect(demote.json().code).toBe('last-admin');
    expect((await api('DELETE', `/users/${survivor.user.id}`, survivor.token)).json().code).toBe('last-admin');
    expect((await api('GET', `/users/${survivor.user.id}`, survivor.token)).json().role).toBe('admin');

    // Hand the admin role back to this suite's caller.
    expect((await api('PATCH', `/users/${me}`, survivor.token, { role: 'admin' })).statusCode).toBe(200);
    admin = await t.login();
    expect((await api('GET', '/users', admin)).statusCode).toBe(200);
  });
});
