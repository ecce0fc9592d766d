// Extraction wired into the whole app: start-up check of the model, readiness reporting the
// LLM as degraded (never down), metrics, and the remote MCP server mode (MCP_URL). Extraction
// does not touch the database, so one back-end (PGlite) is enough here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpHttpServer, startMcpHttpServer } from '../src/mcp/mcp-http-server.ts';
import { createMcpServer } from '../src/mcp/mcp-server.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type ExtractionRig, extractionRig } from './helpers/extraction-rig.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';

const TEXT = 'Sou Rafael Antônio, (48) 99123-4567, quero saber sobre doação';
const RAFAEL = { name: 'Rafael Antônio', phone: '(48) 99123-4567', email: null, reason: 'doação' };
const FAST = { LLM_TIMEOUT_MS: '500', LLM_BACKOFF_MS: '10', LLM_BREAKER_HALF_OPEN_MS: '60000' };

async function ready(t: TestApp) {
  const res = await t.atende.http.inject({ url: '/health/ready' });
  return { statusCode: res.statusCode, body: res.json<{ status: string; checks: Record<string, { status: string; detail?: string }> }>() };
}

describe('extraction in the app (in-process MCP server)', () => {
  let fake: FakeOllama;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOllama({ models: ['llama3.1:8b', 'nomic-embed-text:latest'] });
    t = await startTestApp({ backend: 'pglite', env: { OLLAMA_HOST: fake.url, ...FAST } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('checks the model at start-up and reports the LLM up', async () => {
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/api/tags' });
    expect(t.logs.text).toContain('llm_ready');
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(200);
    expect(body.checks.llm).toEqual({ status: 'up' });
  });

  it('extracts through the MCP client and counts it on /metrics', async () => {
    fake.queue.push(behave.json(RAFAEL));
    const report = await t.atende.extractor.extract({ text: TEXT });
    expect(report).toMatchObject({ outcome: 'ok', found: { name: 'Rafael Antônio', phone: '+5548991234567', reason: 'doação' } });
    const metrics = (await t.atende.http.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('atende_extraction_total{outcome="ok"} 1');
    expect(metrics).toContain('atende_llm_circuit_open 0');
    expect(metrics).toContain('atende_llm_request_duration_seconds_count{result="ok"} 1');
  });

  it('reports an open breaker as degraded — readiness stays 200', async () => {
    fake.fallback = behave.status(500);
    const report = await t.atende.extractor.extract({ text: TEXT });
    expect(report.failure).toEqual({ code: 'llm_unavailable', reason: 'server_error' });
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.llm).toEqual({ status: 'degraded', detail: 'circuit breaker open: extraction fails fast' });
    expect((await t.atende.http.inject({ url: '/metrics' })).body).toContain('atende_llm_circuit_open 1');
  });
});

describe('extraction in the app when the model is not pulled', () => {
  let fake: FakeOllama;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOllama({ models: ['mistral:7b'] });
    t = await startTestApp({ backend: 'pglite', env: { OLLAMA_HOST: fake.url, ...FAST } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('warns at start-up with the ollama pull command and still serves', async () => {
    const warning = t.logs.records.find((r) => r.event === 'llm_model_missing');
    expect(warning).toMatchObject({ level: 'warn' });
    expect(String(warning!.msg)).toContain('ollama pull llama3.1:8b');
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(200);
    expect(body.checks.database).toMatchObject({ status: 'up' });
    expect(body.checks.llm).toEqual({ status: 'degraded', detail: 'model llama3.1:8b is not pulled (run: ollama pull llama3.1:8b)' });
  });
});

describe('extraction through a remote MCP server (MCP_URL)', () => {
  const TOKEN = 'remote-mcp-token-0123456789';
  let rig: ExtractionRig;
  let server: McpHttpServer;
  let t: TestApp;
  let wrongToken: TestApp;
  beforeAll(async () => {
    rig = await extractionRig({ maxAttempts: 1 });
    server = await startMcpHttpServer({ newServer: () => createMcpServer({ extractor: rig.extractor, version: 'test' }), token: TOKEN, port: 0 });
    t = await startTestApp({ backend: 'pglite', env: { MCP_URL: server.url, MCP_TOKEN: TOKEN, ...FAST } });
    wrongToken = await startTestApp({ backend: 'pglite', env: { MCP_URL: server.url, MCP_TOKEN: 'not-the-token-0123456789', ...FAST } });
  });
  afterAll(async () => {
    await t.close();
    await wrongToken.close();
    await server.close();
    await rig.close();
  });

  it('sends extraction to the remote server and counts outcomes locally', async () => {
    rig.fake.queue.push(behave.json(RAFAEL));
    const report = await t.atende.extractor.extract({ text: TEXT, known: { email: 'rafa@exemplo.com' } });
    expect(report).toMatchObject({ outcome: 'ok', found: { phone: '+5548991234567', email: 'rafa@exemplo.com' } });
    expect(rig.fake.chatRequests()).toHaveLength(1);
    expect((await t.atende.http.inject({ url: '/metrics' })).body).toContain('atende_extraction_total{outcome="ok"} 1');
    const { body } = await ready(t);
    expect(body.checks.mcp).toEqual({ status: 'up' });
  });

  it('turns a refused token into a failed report, and a degraded readiness', async () => {
    const report = await wrongToken.atende.extractor.extract({ text: TEXT, known: { name: 'Rafael' } });
    expect(report).toMatchObject({ outcome: 'failed', failure: { code: 'llm_unavailable', reason: 'mcp_error' }, found: { name: 'Rafael' } });
    const { statusCode, body } = await ready(wrongToken);
    expect(statusCode).toBe(200);
    expect(body.checks.mcp!.status).toBe('degraded');
  });
});
