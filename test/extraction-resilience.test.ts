// The LLM policy against a misbehaving fake Ollama: timeouts that really close the request,
// retries only where they can help, and a breaker that opens, fails fast and recovers.
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { behave } from './helpers/fake-ollama.ts';
import { type ExtractionRig, extractionRig, MODEL } from './helpers/extraction-rig.ts';

const TEXT = 'Sou Ana Souza, tel 21 98888-7777, motivo: consulta';
const ANA = { name: 'Ana Souza', phone: '21 98888-7777', email: null, reason: 'consulta' };

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('LLM resilience', () => {
  let rig: ExtractionRig;
  afterEach(() => rig.close());

  it('cuts a hung Ollama at the per-attempt timeout and closes the HTTP request', async () => {
    rig = await extractionRig({ timeoutMs: 200, maxAttempts: 2, breakerThreshold: 10 });
    rig.fake.fallback = behave.hang();
    const started = Date.now();
    const report = await rig.extractor.extract({ text: TEXT });
    const elapsed = Date.now() - started;

    expect(report.failure).toEqual({ code: 'llm_unavailable', reason: 'timeout' });
    expect(rig.fake.chatRequests()).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(1_500);
    await expect.poll(() => rig.fake.closedWhileHanging).toBe(2);
    expect(await rig.metric('atende_llm_request_duration_seconds_count{result="timeout"}')).toBe(2);
  });

  it('waits for a slow answer that comes within the timeout', async () => {
    rig = await extractionRig({ timeoutMs: 1_000 });
    rig.fake.queue.push(behave.json(ANA, 300));
    const report = await rig.extractor.extract({ text: TEXT });
    expect(report.outcome).toBe('ok');
    expect(rig.fake.chatRequests()).toHaveLength(1);
    expect(rig.fake.closedWhileHanging).toBe(0);
  });

  it('retries a 500 with backoff and succeeds when Ollama recovers', async () => {
    rig = await extractionRig({ backoffMs: 100 });
    rig.fake.queue.push(behave.status(500), behave.json(ANA));
    const started = Date.now();
    const report = await rig.extractor.extract({ text: TEXT });
    expect(report.outcome).toBe('ok');
    expect(rig.fake.chatRequests()).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(80); // 100 ms ± 20 % jitter
  });

  it('gives up after 3 attempts in all on repeated 500s', async () => {
    rig = await extractionRig({ breakerThreshold: 10 });
    rig.fake.fallback = behave.status(500);
    const report = await rig.extractor.extract({ text: TEXT });
    expect(report).toMatchObject({ outcome: 'failed', failure: { code: 'llm_unavailable', reason: 'server_error' }, found: {} });
    expect(report.missing).toEqual(['name', 'phone', 'reason']);
    expect(rig.fake.chatRequests()).toHaveLength(3);
  });

  it('retries a proxy error page (502, text/plain) like a 500, without printing anything', async () => {
    rig = await extractionRig();
    rig.fake.queue.push({ kind: 'text-status', status: 502, body: '<html>502 Bad Gateway</html>' }, behave.json(ANA));
    const printed: unknown[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args);
    try {
      expect((await rig.extractor.extract({ text: TEXT })).outcome).toBe('ok');
    } finally {
      console.log = log;
    }
    expect(rig.fake.chatRequests()).toHaveLength(2);
    expect(printed).toEqual([]);
  });

  it('does not retry a 404 model-not-found', async () => {
    rig = await extractionRig();
    rig.fake.fallback = behave.modelNotFound(MODEL);
    const report = await rig.extractor.extract({ text: TEXT });
    expect(report.failure).toEqual({ code: 'llm_unavailable', reason: 'model_not_found' });
    expect(rig.fake.chatRequests()).toHaveLength(1);
    expect(rig.policy.circuitOpen).toBe(false);
  });

  it('reports an unreachable Ollama as unavailable', async () => {
    rig = await extractionRig({ breakerThreshold: 10 }, `http://127.0.0.1:${await closedPort()}`);
    const started = Date.now();
    const report = await rig.extractor.extract({ text: TEXT, known: { name: 'Ana Souza' } });
    expect(report).toMatchObject({ outcome: 'failed', failure: { code: 'llm_unavailable', reason: 'unreachable' }, found: { name: 'Ana Souza' } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('opens the breaker after 3 consecutive failures, fails fast, then half-opens and closes', async () => {
    rig = await extractionRig({ breakerThreshold: 3, halfOpenAfterMs: 300 });
    rig.fake.fallback = behave.status(503);
    expect(await rig.metric('atende_llm_circuit_open')).toBe(0);

    const first = await rig.extractor.extract({ text: TEXT });
    expect(first.failure?.reason).toBe('server_error');
    expect(rig.fake.chatRequests()).toHaveLength(3);
    expect(rig.policy.circuitOpen).toBe(true);
    expect(await rig.metric('atende_llm_circuit_open')).toBe(1);
    expect(rig.logs.text).toContain('llm_circuit_open');

    const started = Date.now();
    const fast = await rig.extractor.extract({ text: TEXT });
    expect(fast.failure).toEqual({ code: 'llm_unavailable', reason: 'breaker_open' });
    expect(Date.now() - started).toBeLessThan(50);
    expect(rig.fake.chatRequests()).toHaveLength(3); // the fake saw nothing
    expect(await rig.metric('atende_extraction_total{outcome="breaker_open"}')).toBe(1);
    expect(await rig.metric('atende_extraction_total{outcome="failed"}')).toBe(1);

    await new Promise((r) => setTimeout(r, 350));
    rig.fake.fallback = behave.json(ANA);
    const recovered = await rig.extractor.extract({ text: TEXT });
    expect(recovered.outcome).toBe('ok');
    expect(rig.fake.chatRequests()).toHaveLength(4);
    expect(rig.policy.circuitOpen).toBe(false);
    expect(await rig.metric('atende_llm_circuit_open')).toBe(0);
  });

  it('re-opens when the half-open trial call fails', async () => {
    rig = await extractionRig({ breakerThreshold: 3, halfOpenAfterMs: 200 });
    rig.fake.fallback = behave.status(500);
    await rig.extractor.extract({ text: TEXT });
    await new Promise((r) => setTimeout(r, 250));
    const trial = await rig.extractor.extract({ text: TEXT });
    // One trial request; its failure opens the circuit again, which stops the retries.
    expect(rig.fake.chatRequests()).toHaveLength(4);
    expect(trial.failure?.reason).toBe('breaker_open');
    expect(rig.policy.circuitOpen).toBe(true);
  });

  it('does not count invalid output towards the breaker (the server is up)', async () => {
    rig = await extractionRig({ breakerThreshold: 3 });
    rig.fake.fallback = behave.content('garbage');
    for (let i = 0; i < 4; i++) await rig.extractor.extract({ text: TEXT });
    expect(rig.fake.chatRequests()).toHaveLength(4);
    expect(rig.policy.circuitOpen).toBe(false);
  });
});
