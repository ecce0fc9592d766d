// Browser auth over HTTP: the refresh token in an httpOnly SameSite=Strict cookie scoped to
// /auth (Secure behind HTTPS), rotated on refresh, revoked by logout; the JSON flow for API
// clients unchanged; /auth/me; the console's free-text preview saves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from './helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  // As behind a TLS-terminating proxy on loopback: X-Forwarded-Proto counts only from a trusted proxy.
  t = await startTestApp({ backend: 'pglite', env: { OLLAMA_HOST: 'http://127.0.0.1:9', TRUST_PROXY: '127.0.0.1' } });
});
afterAll(() => t?.close());

const cookieOf = (setCookie: string | string[] | undefined) => /atende_refresh=([^;]*)/.exec(String(setCookie))?.[1];

describe('refresh cookie', () => {
  it('login with session=cookie keeps the refresh token out of the body, in an httpOnly Strict cookie on /auth', async () => {
    const res = await t.atende.http.inject({ method: 'POST', url: '/auth/login', payload: { ...ADMIN, session: 'cookie' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().refreshToken).toBeUndefined();
    expect(res.json().accessToken).toEqual(expect.any(String));
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/^atende_refresh=[\w-]{20,}; Path=\/auth; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(header).not.toContain('Secure');

    const secure = await t.atende.http.inject({ method: 'POST', url: '/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { ...ADMIN, session: 'cookie' } });
    expect(String(secure.headers['set-cookie'])).toContain('; Secure');
  });

  it('refresh reads the cookie and rotates it; the spent cookie no longer works; logout revokes', async () => {
    const login = await t.atende.http.inject({ method: 'POST', url: '/auth/login', payload: { ...ADMIN, session: 'cookie' } });
    const first = cookieOf(login.headers['set-cookie'])!;
    const refreshed = await t.atende.http.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie: `other=1; atende_refresh=${first}` }, payload: {} });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().refreshToken).toBeUndefined();
    const second = cookieOf(refreshed.headers['set-cookie'])!;
    expect(second).not.toBe(first);
    const me = await t.atende.http.inject({ url: '/auth/me', headers: { authorization: `Bearer ${refreshed.json().accessToken}` } });
    expect(me.json()).toMatchObject({ email: ADMIN.email, role: 'admin' });

    const logout = await t.atende.http.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: `atende_refresh=${second}` }, payload: {} });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toContain('Max-Age=0');
    const after = await t.atende.http.inject({ method: 'POST', url: '/auth/refresh', headers: { cookie: `atende_refresh=${second}` }, payload: {} });
    expect(after.statusCode).toBe(401);
    expect(after.headers['content-type']).toContain('application/problem+json');
  });

  it('keeps the JSON flow for API clients, and a refresh with neither body nor cookie is a 401 problem', async () => {
    const login = await t.atende.http.inject({ method: 'POST', url: '/auth/login', payload: ADMIN });
    expect(login.headers['set-cookie']).toBeUndefined();
    const { refreshToken } = login.json();
    const refreshed = await t.atende.http.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } });
    expect(refreshed.json().refreshToken).toEqual(expect.any(String));
    const none = await t.atende.http.inject({ method: 'POST', url: '/auth/refresh', payload: {} });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('unauthorized');
  });
});

describe('contact preview', () => {
  it('without the LLM, a text the rules cannot read answers 422 llm-unavailable and saves nothing', async () => {
    const token = await t.login();
    const res = await t.atende.http.inject({ method: 'POST', url: '/contacts/preview', headers: { authorization: `Bearer ${token}` }, payload: { text: 'ela ligou e deixou recado para retorno' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('llm-unavailable');
    const list = await t.atende.http.inject({ url: '/contacts', headers: { authorization: `Bearer ${token}` } });
    expect(list.json().items).toEqual([]);
  });
});
