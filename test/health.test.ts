import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';

describe.each(BACKENDS)('health, metrics and errors on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend });
  });
  afterAll(() => t.close());

  it('reports liveness and database readiness without a token', async () => {
    const live = await t.atende.http.inject({ url: '/health/live' });
    expect(live.json()).toEqual({ status: 'up' });
    const ready = await t.atende.http.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.database).toMatchObject({ status: 'up' });
    expect(ready.json().checks['channel:web']).toEqual({ status: 'up' });
  });

  it('serves Prometheus metrics including HTTP durations', async () => {
    await t.atende.http.inject({ url: '/health/live' });
    const res = await t.atende.http.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('atende_http_request_duration_seconds_count{method="GET",route="/health/live",status_code="200"}');
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('answers unknown routes with problem+json carrying the request id', async () => {
    const res = await t.atende.http.inject({ url: '/nope', headers: { 'x-request-id': 'req-123' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    // The server's own id, not the one the client sent (that one is only logged, as correlationId).
    const id = res.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json()).toMatchObject({ status: 404, code: 'not-found', requestId: id, instance: '/nope' });
  });

  it('names the bad field of an invalid body', async () => {
    const res = await t.atende.http.inject({ method: 'POST', url: '/auth/login', payload: { email: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body.code).toBe('validation');
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['email', 'password']));
  });

  it('rejects a body over the size limit with 413 problem+json', async () => {
    const res = await t.atende.http.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'a@b.co', password: 'x'.repeat(1_100_000) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('body-too-large');
  });

  it('sets security headers: strict ones on the API, the Swagger UI still able to run', async () => {
    const res = await t.atende.http.inject({ url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    const ui = await t.atende.http.inject({ url: '/docs/' });
    expect(ui.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(ui.headers['x-content-type-options']).toBe('nosniff');
  });

  it('publishes an OpenAPI 3.1 document and Swagger UI', async () => {
    const doc = await t.atende.http.inject({ url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().openapi).toBe('3.1.0');
    expect(Object.keys(doc.json().paths)).toContain('/auth/login');
    const ui = await t.atende.http.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});

describe('metrics behind METRICS_TOKEN', () => {
  it('asks scrapers for the static token when one is configured', async () => {
    const t = await startTestApp({ backend: 'pglite', env: { METRICS_TOKEN: 'scrape-token-0123456789' } });
    try {
      expect((await t.atende.http.inject({ url: '/metrics' })).statusCode).toBe(401);
      const bad = await t.atende.http.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } });
      expect(bad.statusCode).toBe(401);
      const ok = await t.atende.http.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('atende_http_request_duration_seconds');
    } finally {
      await t.close();
    }
  });
});
