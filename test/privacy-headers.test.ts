// Responses and ids that could leak (issue 10, "Should fix"): personal data is never cached
// (Cache-Control: no-store), the API docs are off in production unless enabled, request ids
// are the server's own (a client's id is only a correlation field in the logs), and the
// production start banner does not send anyone to a password file that was never written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from './helpers/admin-api.ts';
import { startAppProcess } from './helpers/app-process.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { openWebChat } from './helpers/web-chat.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(BACKENDS)('responses with personal data on %s', (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof apiOf>;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ backend, env: NO_LLM });
    api = apiOf(t);
    admin = await t.login();
  });
  afterAll(() => t?.close());

  it('are never cached: Cache-Control no-store on contacts, export, conversations, audit, users and web chat replies', async () => {
    const created = await api('POST', '/contacts', admin, { name: 'Rosalina Prado', phone: '11 94444-3333', reason: 'cadastro' });
    const id = created.json<{ id: string }>().id;
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    const responses = {
      'POST /contacts': created,
      'GET /contacts': await api('GET', '/contacts', admin),
      'GET /contacts/:id': await api('GET', `/contacts/${id}`, admin),
      'GET /contacts/:id/data': await api('GET', `/contacts/${id}/data`, admin),
      'GET /contacts/export': await api('GET', '/contacts/export?format=csv', admin),
      'GET /conversations': await api('GET', '/conversations', admin),
      'GET /audit': await api('GET', '/audit', admin),
      'GET /users': await api('GET', '/users', admin),
      'GET web chat replies': await t.atende.http.inject({ url: `/channels/web/chats/${chat.chatId}/messages?after=0`, headers: { authorization: `Bearer ${chat.token}` } }),
      'POST /auth/login': await api('POST', '/auth/login', undefined, { email: 'admin@test.local', password: 'admin-password-123' }),
      '404 problem': await api('GET', '/contacts/00000000-0000-4000-8000-000000000000', admin),
    };
    for (const [what, res] of Object.entries(responses)) {
      expect(res.statusCode, what).toBeLessThan(500);
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
    expect(responses['GET /contacts/export'].statusCode).toBe(200);
  });

  it('names each request with an id of its own; a client X-Request-Id is kept only as correlationId in the logs', async () => {
    const res = await t.atende.http.inject({ method: 'GET', url: '/users', headers: { authorization: `Bearer ${admin}`, 'x-request-id': 'forged-request-1' } });
    expect(res.statusCode).toBe(200);
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(UUID);
    const entry = await t.atende.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'user.list' }, orderBy: { id: 'desc' } });
    expect(entry.requestId).toBe(id);
    expect(await t.atende.db.prisma.auditLog.count({ where: { requestId: 'forged-request-1' } })).toBe(0);
    const lines = t.logs.records.filter((r) => r.requestId === id);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((r) => r.correlationId === 'forged-request-1')).toBe(true);
    // Two requests sending the same id still get two ids.
    const again = await t.atende.http.inject({ url: '/health/live', headers: { 'x-request-id': 'forged-request-1' } });
    expect(again.headers['x-request-id']).not.toBe(id);
  });
});

describe('API docs', () => {
  const secret = { JWT_SECRET: 'docs-test-secret-0123456789abcdefghijkl' };
  const docsStatus = async (env: Record<string, string>) => {
    const t = await startTestApp({ backend: 'pglite', env: { ...NO_LLM, ...env } });
    try {
      const ui = await t.atende.http.inject({ url: '/docs' });
      const json = await t.atende.http.inject({ url: '/docs/json' });
      return [ui.statusCode === 404 ? 404 : 200, json.statusCode];
    } finally {
      await t.close();
    }
  };

  it('are served outside production, off in production, and on there only with API_DOCS_ENABLED=true', async () => {
    expect(await docsStatus({})).toEqual([200, 200]);
    expect(await docsStatus({ NODE_ENV: 'production', ...secret })).toEqual([404, 404]);
    expect(await docsStatus({ NODE_ENV: 'production', API_DOCS_ENABLED: 'true', ...secret })).toEqual([200, 200]);
    expect(await docsStatus({ API_DOCS_ENABLED: 'false' })).toEqual([404, 404]);
    // Four app starts (PGlite, ~2.5 s each on an idle machine).
  }, 180_000);
});

describe('the production start banner', () => {
  it('does not point at an admin-password.txt that production never writes', async () => {
    const app = await startAppProcess({ NODE_ENV: 'production', JWT_SECRET: 'banner-test-secret-0123456789abcdefghij', OLLAMA_HOST: 'http://127.0.0.1:9' });
    try {
      const output = app.output();
      expect(output).toMatch(/admin:\s+no generated password here; set ADMIN_EMAIL and ADMIN_PASSWORD/);
      expect(output).not.toContain('admin-password.txt');
      expect(output).toMatch(/API docs:\s+off/);
    } finally {
      await app.stop();
    }
    // A real process: TypeScript compiled at start, the embedded database opened.
  }, 120_000);
});
