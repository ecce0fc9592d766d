// Issue 10, item 2: client IPs are the socket's unless a proxy is trusted (TRUST_PROXY), so
// a client cannot dodge the per-IP limits or forge audit IPs with X-Forwarded-For; and logins
// are throttled per account as well, whatever IP they come from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';

const SOCKET_IP = '10.20.30.40';
const login = (t: TestApp, email: string, password: string, forwardedFor?: string, remoteAddress = SOCKET_IP) =>
  t.atende.http.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress,
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    payload: { email, password },
  });
const rotating = (i: number) => `198.51.100.${i + 1}`;

function expectTooManyRequests(res: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> }) {
  expect(res.statusCode).toBe(429);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json()).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'rate-limited' });
}

describe.each(BACKENDS)('client IPs and login throttling on %s', (backend) => {
  describe('TRUST_PROXY off (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ backend, env: { LOGIN_RATE_LIMIT_PER_MIN: '10', WEB_CHAT_IP_RATE_LIMIT_PER_MIN: '5' } });
    });
    afterAll(() => t?.close());

    it('15 wrong passwords with rotating X-Forwarded-For, each for another e-mail, hit the per-IP limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await login(t, `guess${i}@example.com`, 'wrong-password', rotating(i));
        statuses.push(res.statusCode);
        if (res.statusCode === 429) expectTooManyRequests(res);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual(Array(5).fill(429));
    });

    it('the web chat per-IP limit is not dodged with X-Forwarded-For either', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await t.atende.http.inject({ method: 'POST', url: '/channels/web/sessions', remoteAddress: '10.99.0.1', headers: { 'x-forwarded-for': rotating(i) } });
        statuses.push(res.statusCode);
      }
      expect(statuses.slice(0, 5)).toEqual(Array(5).fill(201));
      expect(statuses.slice(5)).toEqual(Array(3).fill(429));
    });

    it('audits the socket address, not the one the client claims', async () => {
      const res = await login(t, ADMIN.email, ADMIN.password, '203.0.113.9', '10.7.7.7');
      expect(res.statusCode).toBe(200);
      const entry = await t.atende.db.prisma.auditLog.findFirst({ where: { action: 'auth.login' }, orderBy: { id: 'desc' } });
      expect(entry?.ip).toBe('10.7.7.7');
    });
  });

  describe('TRUST_PROXY naming the ingress network', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ backend, env: { TRUST_PROXY: '10.0.0.0/8', LOGIN_RATE_LIMIT_PER_MIN: '1000' } });
    });
    afterAll(() => t?.close());

    it('audits the forwarded client address when the proxy is trusted, the socket otherwise', async () => {
      expect((await login(t, ADMIN.email, ADMIN.password, '203.0.113.9', '10.1.2.3')).statusCode).toBe(200);
      const viaProxy = await t.atende.db.prisma.auditLog.findFirst({ where: { action: 'auth.login' }, orderBy: { id: 'desc' } });
      expect(viaProxy?.ip).toBe('203.0.113.9');

      // A client outside the trusted range cannot choose its address.
      expect((await login(t, ADMIN.email, ADMIN.password, '203.0.113.9', '192.0.2.50')).statusCode).toBe(200);
      const direct = await t.atende.db.prisma.auditLog.findFirst({ where: { action: 'auth.login' }, orderBy: { id: 'desc' } });
      expect(direct?.ip).toBe('192.0.2.50');
    });

    it('15 wrong passwords for one account from rotating IPs: locked after 5, even for the right password', async () => {
      const email = 'victim@test.local';
      await t.tokenFor('attendant', email);
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await login(t, email, `guess-${i}`, rotating(i));
        statuses.push(res.statusCode);
        if (res.statusCode === 429) expectTooManyRequests(res);
      }
      expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
      expect(statuses.slice(5)).toEqual(Array(10).fill(429));
      // While locked the right password does not get through (else the lock would only slow
      // down wrong guesses), and the answer does not say whether it was right.
      expectTooManyRequests(await login(t, email, 'user-password-123', rotating(99)));
      // Other accounts are not affected.
      expect((await login(t, ADMIN.email, ADMIN.password, rotating(50))).statusCode).toBe(200);
      // An unknown e-mail is throttled the same way: the lock does not reveal who has an account.
      const unknown: number[] = [];
      for (let i = 0; i < 6; i++) unknown.push((await login(t, 'nobody-here@test.local', 'x', rotating(i))).statusCode);
      expect(unknown).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('the lock ends by itself, and a successful login clears the streak', async () => {
      const email = 'typo-prone@test.local';
      await t.tokenFor('attendant', email);
      for (let i = 0; i < 5; i++) await login(t, email, 'wrong', rotating(i));
      expect((await login(t, email, 'user-password-123')).statusCode).toBe(429);
      // Time passing, as the database sees it (the lock is kept there, shared by replicas).
      await t.atende.db.prisma.loginThrottle.updateMany({ data: { lockedUntil: new Date(Date.now() - 1000) } });
      expect((await login(t, email, 'user-password-123')).statusCode).toBe(200);
      // The success reset the count: four typos in a row are fine again.
      for (let i = 0; i < 4; i++) expect((await login(t, email, 'wrong')).statusCode).toBe(401);
      expect((await login(t, email, 'user-password-123')).statusCode).toBe(200);
      expect(await t.atende.db.prisma.loginThrottle.count()).toBeGreaterThan(0);
      const rows = await t.atende.db.prisma.loginThrottle.findMany();
      // Rows are keyed by a hash: no e-mail in the table.
      expect(JSON.stringify(rows)).not.toContain('@');
    });
  });
});
