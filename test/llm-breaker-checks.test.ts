// The Ollama checks feed the circuit breaker (issue 17): a worker whose start-up check found
// Ollama unreachable starts with the breaker open, so its first turns fail fast to field-by-
// field questions instead of paying for retries known to fail; the breaker half-opens on its
// own period (one trial call, no retries) and closes when Ollama is back. /health/ready's
// probe opens it the same way.
import { afterEach, describe, expect, it } from 'vitest';
import { checkOllamaAtStartup, ollamaHealthCheck } from '../src/extraction/ollama-health.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type ExtractionRig, extractionRig } from './helpers/extraction-rig.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { openWebChat } from './helpers/web-chat.ts';

const TEXT = 'Sou Ana Souza, tel 21 98888-7777, motivo: consulta';
const ANA = { name: 'Ana Souza', phone: '21 98888-7777', email: null, reason: 'consulta' };
// The production shape of the policy (3 attempts, 1 s + 2 s backoff): a retry here would cost
// seconds, which is the point. Only the half-open period is shortened, to see it pass.
const POLICY = { timeoutMs: 2_000, maxAttempts: 3, backoffMs: 1_000, breakerThreshold: 3, halfOpenAfterMs: 1_500 };
const logger = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Ollama checks feed the breaker', () => {
  let fake: FakeOllama;
  let proxy: TcpProxy;
  let rig: ExtractionRig;
  // Ollama behind a proxy the test can cut: "unreachable" as a refused connection.
  const setUp = async () => {
    fake = await startFakeOllama({ fallback: behave.json(ANA) });
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(fake.url).port));
    rig = await extractionRig(POLICY, `http://127.0.0.1:${proxy.port}`);
  };
  const attempts = async () => (await rig.metric('atende_llm_request_duration_seconds_count{result="error"}')) ?? 0;
  afterEach(async () => {
    await rig?.close();
    await proxy?.close();
    await fake?.close();
  });

  it('opens at start-up when Ollama is unreachable: the first extraction makes no call and no retry', async () => {
    await setUp();
    await proxy.cut();
    const status = await checkOllamaAtStartup(rig.chat, logger, 1_000, rig.policy);
    expect(status).toMatchObject({ status: 'degraded', problem: 'unreachable' });
    expect(rig.policy.circuitOpen).toBe(true);
    expect(await rig.metric('atende_llm_circuit_open')).toBe(1);

    const report = await rig.extractor.extract({ text: TEXT });
    expect(report.failure).toEqual({ code: 'llm_unavailable', reason: 'breaker_open' });
    expect(await attempts()).toBe(0);

    // Ollama is back: after the half-open period, one trial call closes the breaker.
    await proxy.restore();
    await sleep(POLICY.halfOpenAfterMs + 100);
    const later = await rig.extractor.extract({ text: TEXT });
    expect(later.outcome).toBe('ok');
    expect(fake.chatRequests()).toHaveLength(1);
    expect(rig.policy.circuitOpen).toBe(false);
    expect(await rig.metric('atende_llm_circuit_open')).toBe(0);
  });

  it('half-opens on its period with one trial call, and no retries when Ollama is still away', async () => {
    await setUp();
    await proxy.cut();
    await checkOllamaAtStartup(rig.chat, logger, 1_000, rig.policy);
    await sleep(POLICY.halfOpenAfterMs + 100);
    const report = await rig.extractor.extract({ text: TEXT });
    expect(report.failure?.code).toBe('llm_unavailable');
    expect(await attempts()).toBe(1);
    expect(rig.policy.circuitOpen).toBe(true);
  });

  it('stays closed when the start-up check finds Ollama up', async () => {
    await setUp();
    expect(await checkOllamaAtStartup(rig.chat, logger, 1_000, rig.policy)).toEqual({ status: 'up' });
    expect(rig.policy.circuitOpen).toBe(false);
    expect((await rig.extractor.extract({ text: TEXT })).outcome).toBe('ok');
  });

  it('opens when the readiness probe finds Ollama gone', async () => {
    await setUp();
    const check = ollamaHealthCheck(rig.chat, rig.policy, 1_000);
    expect(await check.check()).toEqual({ status: 'up' });
    expect(rig.policy.circuitOpen).toBe(false);
    await proxy.cut();
    expect((await check.check()).status).toBe('degraded');
    expect(rig.policy.circuitOpen).toBe(true);
    const report = await rig.extractor.extract({ text: TEXT });
    expect(report.failure).toEqual({ code: 'llm_unavailable', reason: 'breaker_open' });
    expect(await attempts()).toBe(0);
  });
});

describe('a fresh app with Ollama down', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it("answers the first free-text turn from an open breaker, not after the LLM's retries", async () => {
    // Port 9 (discard) refuses connections on this machine: Ollama is not there.
    t = await startTestApp({ backend: 'postgres', env: { OLLAMA_HOST: 'http://127.0.0.1:9', LLM_MAX_ATTEMPTS: '3', LLM_BACKOFF_MS: '1000' } });
    const metrics = () => t.atende.metrics.registry.metrics();
    expect(await metrics()).toMatch(/^atende_llm_circuit_open 1$/m);
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    await chat.say('sim');
    const replies = await chat.say('Sou a Maria Silva, preciso de apoio emocional');
    // The rules read the name and the reason; the phone is asked next.
    expect(replies.join('\n')).toMatch(/telefone/i);
    const text = await metrics();
    expect(text).toMatch(/^atende_extraction_total\{outcome="breaker_open"\} 1$/m);
    expect(text).not.toMatch(/^atende_llm_request_duration_seconds_count\{result="error"\} [1-9]/m);
  });
});
