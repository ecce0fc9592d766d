import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRepository } from '../src/users/user-repository.ts';
import { TokenService } from '../src/auth/token-service.ts';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { ADMIN, BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';

const JWT_SECRET = 'auth-test-secret-0123456789abcdefghijklmnop';
const DAY_MS = 24 * 3600 * 1000;

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

describe.each(BACKENDS)('auth on %s', (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof apiOf>;

  const login = async (email = ADMIN.email, password = ADMIN.password) => {
    const res = await api('POST', '/auth/login', undefined, { email, password });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Tokens & { user: { id: string; role: string } }>();
  };
  const refresh = (refreshToken: string) => api('POST', '/auth/refresh', undefined, { refreshToken });
  /** The app's token service as seen from another moment. */
  const tokensAt = (now: Date) => new TokenService(new UserRepository(t.atende.db.prisma, t.atende.db), { secret: JWT_SECRET, now: () => now });

  beforeAll(async () => {
    t = await startTestApp({ backend, env: { JWT_SECRET } });
    api = apiOf(t);
  });
  afterAll(() => t?.close());

  it('logs in with e-mail and password and the access token opens protected routes', async () => {
    const res = await login(ADMIN.email.toUpperCase());
    expect(res).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, refreshExpiresIn: 7 * 24 * 3600, user: { email: ADMIN.email, role: 'admin' } });
    expect((await api('GET', '/users', res.accessToken)).statusCode).toBe(200);
  });

  it('answers a wrong password and an unknown e-mail alike', async () => {
    const wrong = await api('POST', '/auth/login', undefined, { email: ADMIN.email, password: 'not-the-password' });
    const unknown = await api('POST', '/auth/login', undefined, { email: 'nobody@example.com', password: 'not-the-password' });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).not.toHaveProperty('accessToken');
    }
    const { requestId: _a, ...wrongBody } = wrong.json();
    const { requestId: _b, ...unknownBody } = unknown.json();
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody.detail).toBe('invalid e-mail or password');
  });

  it('rotates refresh tokens: a spent token is refused and its reuse revokes the new one too', async () => {
    const first = await login();
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    const pair = second.json<Tokens>();
    expect(pair.refreshToken).not.toBe(first.refreshToken);
    expect((await api('GET', '/users', pair.accessToken)).statusCode).toBe(200);

    const reused = await refresh(first.refreshToken);
    expect(reused.statusCode).toBe(401);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    // The reuse looks like theft: the whole chain is gone, including the token just issued.
    expect((await refresh(pair.refreshToken)).statusCode).toBe(401);
    // Other sessions of the same user are untouched.
    const other = await login();
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const { refreshToken } = await login();
    const results = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('logout revokes the refresh token', async () => {
    const session = await login();
    const out = await api('POST', '/auth/logout', undefined, { refreshToken: session.refreshToken });
    expect(out.statusCode).toBe(204);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
    // Logging out twice, or with an unknown token, is not an error.
    expect((await api('POST', '/auth/logout', undefined, { refreshToken: session.refreshToken })).statusCode).toBe(204);
    expect((await refresh('never-issued-token')).statusCode).toBe(401);
  });

  it('refresh tokens last 7 days, not longer', async () => {
    const issuedAt = Date.now();
    const session = await login();
    const stored = await t.atende.db.prisma.refreshToken.findMany({ where: { userId: userIdOf(session.accessToken), revokedAt: null } });
    const expiries = stored.map((r) => r.expiresAt.getTime() - issuedAt);
    expect(expiries.some((ms) => Math.abs(ms - 7 * DAY_MS) < 60_000)).toBe(true);
    // Only the hash is stored.
    expect(JSON.stringify(stored)).not.toContain(session.refreshToken);

    await expect(tokensAt(new Date(issuedAt + 7 * DAY_MS + 60_000)).refresh(session.refreshToken)).rejects.toMatchObject({
      kind: 'unauthenticated',
      message: expect.stringContaining('expired'),
    });
    const later = await login();
    await expect(tokensAt(new Date(issuedAt + 7 * DAY_MS - 3_600_000)).refresh(later.refreshToken)).resolves.toMatchObject({ tokenType: 'Bearer' });

    // The same through HTTP once the stored expiry has passed.
    const third = await login();
    await t.atende.db.prisma.refreshToken.updateMany({
      where: { userId: userIdOf(third.accessToken), revokedAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await refresh(third.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toContain('expired');
  });

  it('refuses an access token past its hour', async () => {
    const { user } = await login();
    const stale = await tokensAt(new Date(Date.now() - 3601_000)).signAccessToken({ id: user.id, email: ADMIN.email, role: 'admin' });
    const res = await api('GET', '/users', stale);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toContain('expired');
    const fresh = await tokensAt(new Date(Date.now() - 3000_000)).signAccessToken({ id: user.id, email: ADMIN.email, role: 'admin' });
    expect((await api('GET', '/users', fresh)).statusCode).toBe(200);
  });

  it("refuses a deleted user's access token at once", async () => {
    const admin = (await login()).accessToken;
    const created = await api('POST', '/users', admin, { email: 'leaving@example.com', password: 'leaving-password', role: 'admin' });
    expect(created.statusCode).toBe(201);
    const session = await login('leaving@example.com', 'leaving-password');
    expect((await api('GET', '/audit', session.accessToken)).statusCode).toBe(200);

    expect((await api('DELETE', `/users/${created.json().id}`, admin)).statusCode).toBe(204);
    const res = await api('GET', '/audit', session.accessToken);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('a changed role takes effect on the next request, not when the token expires', async () => {
    const admin = (await login()).accessToken;
    const created = await api('POST', '/users', admin, { email: 'promoted@example.com', password: 'promoted-password', role: 'admin' });
    const session = await login('promoted@example.com', 'promoted-password');
    expect((await api('GET', '/users', session.accessToken)).statusCode).toBe(200);
    await api('PATCH', `/users/${created.json().id}`, admin, { role: 'attendant' });
    // The token was granted under the admin role: it is revoked outright (token version),
    // not merely narrowed to the new role. A fresh login gets the attendant's rights.
    expect((await api('GET', '/users', session.accessToken)).statusCode).toBe(401);
    const fresh = await login('promoted@example.com', 'promoted-password');
    expect((await api('GET', '/users', fresh.accessToken)).statusCode).toBe(403);
    expect((await api('GET', '/contacts', fresh.accessToken)).statusCode).toBe(200);
  });
});

describe.each(BACKENDS)('login rate limit on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend, env: { LOGIN_RATE_LIMIT_PER_MIN: '3' } });
  });
  afterAll(() => t?.close());

  it('answers the 4th login of a minute from one address with 429 problem+json', async () => {
    const api = apiOf(t);
    for (let i = 0; i < 3; i++) {
      expect((await api('POST', '/auth/login', undefined, { email: ADMIN.email, password: `guess-number-${i}` })).statusCode).toBe(401);
    }
    // Even the right password waits: the limit is on attempts, not on failures.
    const res = await api('POST', '/auth/login', undefined, ADMIN);
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Other routes are not affected.
    expect((await t.atende.http.inject({ url: '/health/live' })).statusCode).toBe(200);
  });
});
