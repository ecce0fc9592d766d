// Sessions end when what they were granted under changes (issue 10, "Should fix"): a
// password reset, a role change or disabling a user bumps the user's token version, and
// every access token, refresh token and attendant web chat session issued before stops
// working on its next request. Passwords are refused by a strength estimate, not by length.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordPolicy } from '../src/auth/password-strength.ts';
import { generateAdminPassword } from '../src/auth/bootstrap-admin.ts';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { type FakeGraph, graph, startFakeGraph } from './helpers/fake-graph.ts';
import { openWebChat } from './helpers/web-chat.ts';
import { cloudChat, cloudEnv } from './helpers/whatsapp-cloud.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };
const STRONG = 'girassol-trombone-quiabo-42';
const STRONGER = 'pelicano azul toca viola caipira';

describe.each(BACKENDS)('session revocation and password strength on %s', (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  let seq = 0;
  let fake: FakeGraph;

  beforeAll(async () => {
    fake = await startFakeGraph();
    fake.fallback = graph.ok();
    t = await startTestApp({ backend, env: { ...NO_LLM, ...cloudEnv(fake.url) } });
    api = apiOf(t);
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  /** A user created through the API, logged in: its tokens. */
  async function signedIn(role: 'admin' | 'attendant') {
    const email = `revoke${++seq}-${backend}@test.local`;
    const created = await api('POST', '/users', admin, { email, password: STRONG, role });
    expect(created.statusCode, created.body).toBe(201);
    const login = await api('POST', '/auth/login', undefined, { email, password: STRONG });
    const { accessToken, refreshToken } = login.json<{ accessToken: string; refreshToken: string }>();
    return { email, id: created.json<{ id: string }>().id, accessToken, refreshToken };
  }
  const canRead = async (token: string) => (await api('GET', '/contacts', token)).statusCode;
  const refresh = async (refreshToken: string) => (await api('POST', '/auth/refresh', undefined, { refreshToken })).statusCode;

  it('a password reset ends the access token and the refresh token at once', async () => {
    const user = await signedIn('attendant');
    expect(await canRead(user.accessToken)).toBe(200);
    expect((await api('PATCH', `/users/${user.id}`, admin, { password: STRONGER })).statusCode).toBe(200);

    const refused = await api('GET', '/contacts', user.accessToken);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json<{ detail: string }>().detail).toMatch(/revoked/);
    expect(await refresh(user.refreshToken)).toBe(401);
    const again = await api('POST', '/auth/login', undefined, { email: user.email, password: STRONGER });
    expect(again.statusCode).toBe(200);
    expect(await canRead(again.json<{ accessToken: string }>().accessToken)).toBe(200);
  });

  it('a role change ends the old tokens, even for routes the new role may use', async () => {
    const user = await signedIn('admin');
    expect((await api('GET', '/users', user.accessToken)).statusCode).toBe(200);
    expect((await api('PATCH', `/users/${user.id}`, admin, { role: 'attendant' })).statusCode).toBe(200);
    expect(await canRead(user.accessToken)).toBe(401);
    expect(await refresh(user.refreshToken)).toBe(401);
    // A change that grants nothing new (the name) leaves sessions alone.
    const other = await signedIn('attendant');
    expect((await api('PATCH', `/users/${other.id}`, admin, { name: 'Outro Nome' })).statusCode).toBe(200);
    expect(await canRead(other.accessToken)).toBe(200);
  });

  it('a disabled user is locked out (tokens, refresh, login) until enabled again', async () => {
    const user = await signedIn('attendant');
    const disabled = await api('PATCH', `/users/${user.id}`, admin, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ disabled: true });
    expect(await canRead(user.accessToken)).toBe(401);
    expect(await refresh(user.refreshToken)).toBe(401);
    const login = await api('POST', '/auth/login', undefined, { email: user.email, password: STRONG });
    expect(login.statusCode).toBe(401);
    // The same answer as a wrong password: nothing tells an attacker the account is disabled.
    expect(login.json<{ detail: string }>().detail).toBe('invalid e-mail or password');

    expect((await api('PATCH', `/users/${user.id}`, admin, { disabled: false })).statusCode).toBe(200);
    expect((await api('POST', '/auth/login', undefined, { email: user.email, password: STRONG })).statusCode).toBe(200);
  });

  it('the last enabled admin cannot be disabled', async () => {
    // The admin promoted above was demoted again: the bootstrap admin is the only one left.
    expect(await t.atende.db.prisma.user.count({ where: { role: 'admin', disabled: false } })).toBe(1);
    const res = await api('PATCH', `/users/${userIdOf(admin)}`, admin, { disabled: true });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'last-admin' });
    expect(await canRead(admin)).toBe(200);
  });

  it('an attendant web chat session ends with the password reset; contact sessions are unaffected', async () => {
    const user = await signedIn('attendant');
    const staffChat = await openWebChat(t.atende, user.accessToken);
    const contactChat = await openWebChat(t.atende);
    expect(staffChat.mode).toBe('attendant');
    await staffChat.send('oi');
    expect((await api('PATCH', `/users/${user.id}`, admin, { password: STRONGER })).statusCode).toBe(200);

    const auth = { authorization: `Bearer ${staffChat.token}` };
    const post = await t.atende.http.inject({ method: 'POST', url: '/channels/web/messages', headers: auth, payload: { messageId: 'after-reset', text: 'oi de novo' } });
    expect(post.statusCode).toBe(401);
    expect(post.json<{ detail: string }>().detail).toMatch(/attendant session ended/);
    const read = await t.atende.http.inject({ url: `/channels/web/chats/${staffChat.chatId}/messages?after=0`, headers: auth });
    expect(read.statusCode).toBe(401);
    expect(await contactChat.send('oi')).toEqual({ accepted: true, duplicate: false });
    await t.atende.conversations.whenIdle();
  });

  it('a disabled staff member writing from their registered number is treated as anyone else', async () => {
    const created = await api('POST', '/users', admin, {
      email: `staff-wa-${backend}@test.local`,
      password: STRONG,
      role: 'attendant',
      identities: [{ channel: 'whatsapp-cloud', address: '+55 11 94444-3333' }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const wa = cloudChat(t.atende, fake, { waId: '5511944443333', name: 'Atendente' });
    expect((await wa.say('oi'))[0]).toContain('Envie os dados do novo contato');
    await wa.say('cancelar');
    expect((await api('PATCH', `/users/${created.json<{ id: string }>().id}`, admin, { disabled: true })).statusCode).toBe(200);
    expect((await wa.say('oi'))[0]).toContain('Você concorda?');
  });

  it('refuses weak passwords with a 400 that says why, and accepts strong ones', async () => {
    for (const [password, why] of [
      ['senha123456', /too weak: .*commonly used password/],
      ['corinthians123', /too weak/],
      ['joanasilva2024', /too weak: .*personal/],
      ['aaaaaaaaaaaaaaaa', /too weak: .*Repeated/],
    ] as const) {
      const res = await api('POST', '/users', admin, { email: `joana.silva.${++seq}@exemplo.com`, name: 'Joana Silva', password, role: 'attendant' });
      expect(res.statusCode, password).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json(), password).toMatchObject({ status: 400, detail: expect.stringMatching(why) });
      expect(JSON.stringify(res.json())).toContain('password');
    }
    const user = await signedIn('attendant');
    const weakReset = await api('PATCH', `/users/${user.id}`, admin, { password: 'brasil2024!' });
    expect(weakReset.statusCode).toBe(400);
    // Refused means unchanged: the old password still works, the session too.
    expect(await canRead(user.accessToken)).toBe(200);
    expect((await api('POST', '/auth/login', undefined, { email: user.email, password: STRONG })).statusCode).toBe(200);
  });
});

describe('the bootstrap admin password', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', env: { ...NO_LLM, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' } });
  });
  afterAll(() => t?.close());

  it('is strong by the same measure the API applies, and logs in', async () => {
    const policy = createPasswordPolicy();
    const [email, password] = (await readFile(path.join(t.dataDir, 'admin-password.txt'), 'utf8')).split('\n');
    expect((await policy.check(password!, [email])).ok).toBe(true);
    expect((await t.atende.http.inject({ method: 'POST', url: '/auth/login', payload: { email, password } })).statusCode).toBe(200);
    // Not a lucky draw: every password the generator makes passes.
    for (let i = 0; i < 10; i++) expect((await policy.check(generateAdminPassword(), ['admin@atende.local', 'Admin'])).ok).toBe(true);
  });
});
