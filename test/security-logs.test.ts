// Issue 10, "Request URLs are logged unmasked": the access log names the route and the query
// parameters' names, never their values or the concrete path — read from the app's real
// log lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type FakeGraph, startFakeGraph } from './helpers/fake-graph.ts';
import { CLOUD, cloudEnv } from './helpers/whatsapp-cloud.ts';

describe('request logging', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await startFakeGraph();
    t = await startTestApp({ backend: 'pglite', env: cloudEnv(graph.url) });
  });
  afterAll(async () => {
    await t?.close();
    await graph?.close();
  });

  it('logs the route and query keys, never query values, e-mails, ids or tokens from the URL', async () => {
    const admin = await t.login();
    const before = t.logs.lines.length;
    const get = (url: string, token?: string) => t.atende.http.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const id = '3f2c8a9e-1b7d-4c55-9e0a-6d1f2b3c4d5e';
    await get('/contacts?q=joana&channel=web', admin);
    await get('/contacts?q=joana.silva%40exemplo.com.br', admin);
    await get('/contacts?q=11%2098888-7777', admin);
    await get(`/contacts/${id}`, admin);
    await get(`/webhooks/whatsapp-cloud?hub.mode=subscribe&hub.verify_token=${CLOUD.verifyToken}&hub.challenge=424242`);
    await get('/nao-existe/maria.souza');

    const lines = t.logs.lines.slice(before);
    const text = lines.join('\n');
    for (const secret of ['joana', 'exemplo', '%40', '98888', id, CLOUD.verifyToken, '424242', 'maria.souza', 'subscribe']) {
      expect(text, secret).not.toContain(secret);
    }
    const requests = lines.map((l) => JSON.parse(l) as { msg?: string; req?: Record<string, unknown> }).filter((r) => r.msg === 'incoming request').map((r) => r.req);
    expect(requests).toEqual([
      { method: 'GET', route: '/contacts', queryKeys: ['q', 'channel'], requestId: expect.any(String) },
      { method: 'GET', route: '/contacts', queryKeys: ['q'], requestId: expect.any(String) },
      { method: 'GET', route: '/contacts', queryKeys: ['q'], requestId: expect.any(String) },
      { method: 'GET', route: '/contacts/:id', requestId: expect.any(String) },
      { method: 'GET', route: '/webhooks/whatsapp-cloud', queryKeys: ['hub.mode', 'hub.verify_token', 'hub.challenge'], requestId: expect.any(String) },
      { method: 'GET', route: '(no route)', requestId: expect.any(String) },
    ]);
  });
});
