// Walks the app's whole route table — including routes other modules add later — and checks
// that every route is either on the short public list or refuses callers without a valid
// token (and admin-only routes refuse attendants). A route accidentally made public, or an
// admin route left open to attendants, fails here.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserRepository } from '../src/users/user-repository.ts';
import { TokenService } from '../src/auth/token-service.ts';
import { type GuardedRoute, routeTable } from '../src/http/auth-guard.ts';
import { userIdOf } from './helpers/admin-api.ts';
import { ADMIN, BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';

const JWT_SECRET = 'route-guard-secret-0123456789abcdefghijklmn';

/** Everything reachable without a token. Swagger UI and its files (/docs…) come on top. */
const PUBLIC_ROUTES = [
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
  // Web chat: open to the public by design; each route checks its own session token
  // (test/web-channel.test.ts asserts they refuse a missing or foreign one).
  'POST /channels/web/sessions',
  'POST /channels/web/messages',
  'GET /channels/web/chats/:chatId/messages',
  'GET /channels/web/chats/:chatId/events',
  // WhatsApp Cloud API webhooks: Meta calls them; the GET checks the verify token, the POST
  // the X-Hub-Signature-256 HMAC (test/whatsapp-cloud-webhook.test.ts).
  'GET /webhooks/whatsapp-cloud',
  'POST /webhooks/whatsapp-cloud',
  // Telegram webhook: Telegram calls it; it checks X-Telegram-Bot-Api-Secret-Token
  // (test/telegram-channel.test.ts asserts a missing or wrong one gets 401).
  'POST /webhooks/telegram',
  // Staff event stream: an EventSource cannot send a header, so the route checks a single-use
  // stream ticket or a bearer token itself (test/handoff-inbox.test.ts asserts it refuses
  // anonymous callers, contact sessions and a spent ticket).
  'GET /conversations/events',
  // The pages (src/http/web-pages.ts): static files; the console logs in through the API.
  'GET /',
  'GET /chat',
  'GET /widget.js',
  'GET /assets/*',
];
/** Channels are on only when configured: turn each on so its routes are walked too. */
const WHATSAPP_CLOUD_ENV = {
  WHATSAPP_CLOUD_TOKEN: 'route-guard-token',
  WHATSAPP_CLOUD_APP_SECRET: 'route-guard-app-secret',
  WHATSAPP_CLOUD_VERIFY_TOKEN: 'route-guard-verify-token',
  WHATSAPP_CLOUD_PHONE_NUMBER_ID: '106540352242922',
};
/** Telegram in webhook mode (its route exists only then); no call to Telegram is made. */
const TELEGRAM_ENV = { TELEGRAM_BOT_TOKEN: '123456789:route-guard-token', TELEGRAM_WEBHOOK_SECRET: 'route-guard-telegram-secret' };
const isDocs = (r: GuardedRoute) => r.url === '/docs' || r.url.startsWith('/docs/');

/** A concrete URL for a route pattern: ids are uuids, wildcards a plain segment. */
const concrete = (url: string) => url.replace(/:\w+/g, () => randomUUID()).replace(/\*$/, 'x');

describe.each(BACKENDS)('route guard on %s', (backend) => {
  let t: TestApp;
  let routes: readonly GuardedRoute[];
  let tokens: { admin: string; attendant: string; expired: string; otherSecret: string; noSubject: string };

  beforeAll(async () => {
    t = await startTestApp({ backend, env: { JWT_SECRET, ...WHATSAPP_CLOUD_ENV, ...TELEGRAM_ENV } });
    routes = routeTable(t.atende.http);
    const admin = await t.login();
    const adminUser = { id: userIdOf(admin), email: ADMIN.email, role: 'admin' as const };
    const hourAndMinuteAgo = new Date(Date.now() - 61 * 60_000);
    tokens = {
      admin,
      attendant: await t.tokenFor('attendant'),
      // Same secret, same user, but issued 61 minutes ago: expired a minute ago.
      expired: await new TokenService(new UserRepository(t.atende.db.prisma, t.atende.db), { secret: JWT_SECRET, now: () => hourAndMinuteAgo }).signAccessToken(adminUser),
      otherSecret: await new TokenService(new UserRepository(t.atende.db.prisma, t.atende.db), { secret: 'another-secret-0123456789abcdefghijklmnop' }).signAccessToken(adminUser),
      // Signed with the right key but not by atende's token service (no issuer/audience).
      noSubject: await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(JWT_SECRET)),
    };
  });
  afterAll(() => t?.close());

  it('sees the routes of every module', () => {
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    expect(keys).toEqual(expect.arrayContaining([...PUBLIC_ROUTES, 'GET /users', 'POST /users', 'DELETE /users/:id', 'GET /audit']));
  });

  it('leaves public exactly the known routes', () => {
    const open = routes.filter((r) => r.public && !isDocs(r) && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
    const openHeads = routes.filter((r) => r.public && !isDocs(r) && r.method === 'HEAD').map((r) => `GET ${r.url}`);
    expect(PUBLIC_ROUTES).toEqual(expect.arrayContaining(openHeads));
  });

  it('refuses every other route without a valid token, and admin routes to attendants', async () => {
    const guarded = routes.filter((r) => !r.public);
    expect(guarded.length).toBeGreaterThan(0);
    const failures: string[] = [];

    for (const route of guarded) {
      const url = concrete(route.url);
      const call = (authorization?: string) =>
        t.atende.http.inject({ method: route.method as 'GET', url, ...(authorization ? { headers: { authorization } } : {}) });
      const expectProblem = async (label: string, authorization: string | undefined, status: number) => {
        const res = await call(authorization);
        const problem = res.headers['content-type']?.toString().includes('application/problem+json');
        // HEAD answers carry no body; the status and content type still tell.
        const body = route.method === 'HEAD' ? { status } : (res.json() as { status?: number });
        if (res.statusCode !== status || !problem || body.status !== status) {
          failures.push(`${route.method} ${route.url} ${label}: got ${res.statusCode} ${res.headers['content-type']}, want ${status} problem+json`);
        }
      };

      await expectProblem('without a token', undefined, 401);
      await expectProblem('with a garbage token', 'Bearer garbage.token.here', 401);
      await expectProblem('with a non-bearer scheme', `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`, 401);
      await expectProblem('with an expired token', `Bearer ${tokens.expired}`, 401);
      await expectProblem('with a token signed by another key', `Bearer ${tokens.otherSecret}`, 401);
      await expectProblem('with a foreign token', `Bearer ${tokens.noSubject}`, 401);
      if (route.roles && !route.roles.includes('attendant')) {
        await expectProblem('with an attendant token', `Bearer ${tokens.attendant}`, 403);
      }
      // The right token gets past the guard, so the refusals above were the guard's doing.
      const allowed = await call(`Bearer ${route.roles && !route.roles.includes('admin') ? tokens.attendant : tokens.admin}`);
      if (allowed.statusCode === 401 || allowed.statusCode === 403) {
        failures.push(`${route.method} ${route.url} with an allowed token: got ${allowed.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
