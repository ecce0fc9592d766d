// The Cloud API connector's sends against a fake Graph API on 127.0.0.1: the exact request,
// BSUID recipients, long texts, which failures are permanent (Graph code surfaced) or
// transient (retried), timeouts, and the circuit breaker.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGraph, GRAPH_VERSION, graph, startFakeGraph } from '../../test/helpers/fake-graph.ts';
import { ConnectorSendError, type Connector } from '../types.ts';
import type { GraphPolicyOptions, WhatsappCloudConfig } from './config.ts';
import { createWhatsappCloudConnector } from './index.ts';
import { MAX_BODY_CHARS } from './sender.ts';

const PNID = '106540352242922';
const FAST: GraphPolicyOptions = { timeoutMs: 1_500, maxAttempts: 2, backoffMs: 10, breakerThreshold: 100, halfOpenAfterMs: 60_000 };

let fake: FakeGraph;
let registry: Registry;
const connectorWith = (policy: Partial<GraphPolicyOptions> = {}): Connector => {
  const config: WhatsappCloudConfig = { token: 'EAAG-test-token', appSecret: 's', verifyToken: 'v', phoneNumberId: PNID, apiUrl: fake.url, policy: { ...FAST, ...policy } };
  registry = new Registry();
  return createWhatsappCloudConnector({ config, registry });
};
const failure = async (promise: Promise<unknown>): Promise<ConnectorSendError> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectorSendError);
  return err as ConnectorSendError;
};
const sendsMetric = async () => Object.fromEntries((await registry.getSingleMetric('atende_whatsapp_cloud_sends_total')!.get()).values.map((v) => [v.labels.outcome, v.value]));

beforeAll(async () => {
  fake = await startFakeGraph();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.queue = [];
  fake.fallback = graph.ok();
});
afterAll(() => fake?.close());

describe('Cloud API outbound', () => {
  it('posts the documented text message with the bearer token and returns the wamid', async () => {
    const receipt = await connectorWith().sendText('5511999998888', 'Olá! Qual é o seu nome completo?', 'k1');
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe(`/${GRAPH_VERSION}/${PNID}/messages`);
    expect(req!.headers.authorization).toBe('Bearer EAAG-test-token');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5511999998888',
      type: 'text',
      text: { preview_url: false, body: 'Olá! Qual é o seu nome completo?' },
    });
    expect(receipt).toEqual({ providerMessageId: fake.sentIds[0] });
  });

  it('sends to a chat keyed by a BSUID through `recipient`', async () => {
    await connectorWith().sendText('US.13491208655302741918', 'Oi', 'k-bsuid');
    expect(fake.requests[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: 'US.13491208655302741918',
      type: 'text',
      text: { preview_url: false, body: 'Oi' },
    });
  });

  it('cuts a text over 4096 characters at a word boundary, in one message', async () => {
    const long = 'palavra '.repeat(1000);
    await connectorWith().sendText('5511999998888', long, 'k-long');
    const body = (fake.requests[0]!.body as { text: { body: string } }).text.body;
    expect([...body].length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(body.endsWith('palavra…')).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('sends a reply once when the same idempotency key comes again', async () => {
    const connector = connectorWith();
    const first = await connector.sendText('5511999998888', 'Oi', 'same-key');
    const again = await connector.sendText('5511999998888', 'Oi', 'same-key');
    expect(again).toEqual(first);
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up on a 4xx at once and surfaces the Graph code', async () => {
    fake.fallback = graph.error(400, 131030, '(#131030) Recipient phone number not in allowed list');
    const connector = connectorWith();
    const err = await failure(connector.sendText('5511999998888', 'Oi', 'k-4xx'));
    expect(err).toMatchObject({ channel: 'whatsapp-cloud', code: '131030', transient: false });
    expect(err.message).toBe('(#131030) Recipient phone number not in allowed list');
    expect(fake.requests).toHaveLength(1);

    fake.fallback = graph.error(401, 190, 'Error validating access token: Session has expired.', { subcode: 463 });
    expect(await failure(connector.sendText('5511999998888', 'Oi', 'k-401'))).toMatchObject({ code: '190/463', transient: false });
    expect(fake.requests).toHaveLength(2);
    expect(await sendsMetric()).toMatchObject({ permanent: 2 });
  });

  it('hands a 429 back as transient with its Retry-After, without retrying inside', async () => {
    fake.fallback = graph.error(429, 130429, '(#130429) Rate limit hit', { headers: { 'retry-after': '7' } });
    const err = await failure(connectorWith().sendText('5511999998888', 'Oi', 'k-429'));
    expect(err).toMatchObject({ code: '130429', transient: true, retryAfterMs: 7000 });
    expect(fake.requests).toHaveLength(1);
  });

  it('treats a rate-limit Graph code as transient even with HTTP 400', async () => {
    fake.fallback = graph.error(400, 131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit');
    expect(await failure(connectorWith().sendText('5511999998888', 'Oi', 'k-pair'))).toMatchObject({ code: '131056', transient: true });
  });

  it('retries a 5xx and succeeds', async () => {
    fake.queue = [graph.error(503, 2, 'Service temporarily unavailable')];
    const receipt = await connectorWith().sendText('5511999998888', 'Oi', 'k-5xx');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body).toEqual(fake.requests[0]!.body);
    expect(receipt).toEqual({ providerMessageId: fake.sentIds.at(-1) });
  });

  it('reports a 5xx that persists as transient after the attempts', async () => {
    fake.fallback = graph.raw(500, { error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1, fbtrace_id: 'A1' } });
    expect(await failure(connectorWith().sendText('5511999998888', 'Oi', 'k-500'))).toMatchObject({ code: '1', transient: true });
    expect(fake.requests).toHaveLength(2);
  });

  it('cuts a hanging call at the timeout and a dropped connection, both transient', async () => {
    fake.fallback = graph.hang();
    const started = Date.now();
    expect(await failure(connectorWith({ maxAttempts: 1 }).sendText('5511999998888', 'Oi', 'k-hang'))).toMatchObject({ code: 'timeout', transient: true });
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.fallback = graph.drop();
    expect(await failure(connectorWith({ maxAttempts: 1 }).sendText('5511999998888', 'Oi', 'k-drop'))).toMatchObject({ code: 'network', transient: true });
  });

  it('opens the breaker on an outage: later sends fail fast, health is degraded, a trial closes it again', async () => {
    const connector = connectorWith({ maxAttempts: 1, breakerThreshold: 2, halfOpenAfterMs: 300 });
    fake.fallback = graph.error(503, 2, 'Service temporarily unavailable');
    await failure(connector.sendText('5511999998888', 'a', 'b1'));
    await failure(connector.sendText('5511999998888', 'b', 'b2'));
    expect(fake.requests).toHaveLength(2);
    expect(await connector.health()).toMatchObject({ status: 'degraded' });

    const fast = await failure(connector.sendText('5511999998888', 'c', 'b3'));
    expect(fast).toMatchObject({ code: 'circuit-open', transient: true, retryAfterMs: 300 });
    expect(fake.requests).toHaveLength(2);

    fake.fallback = graph.ok();
    await new Promise((r) => setTimeout(r, 350));
    await connector.sendText('5511999998888', 'd', 'b4');
    expect(fake.requests).toHaveLength(3);
    expect(await connector.health()).toEqual({ status: 'up' });
    expect(await sendsMetric()).toMatchObject({ transient: 2, circuit_open: 1, sent: 1 });
  });

  it('does not open the breaker on permanent errors or rate limits', async () => {
    const connector = connectorWith({ maxAttempts: 1, breakerThreshold: 2 });
    fake.queue = [graph.error(400, 131030, 'x'), graph.error(400, 131030, 'x'), graph.error(429, 130429, 'y'), graph.error(429, 130429, 'y')];
    for (const key of ['p1', 'p2', 'p3', 'p4']) await failure(connector.sendText('5511999998888', 'Oi', key));
    expect(await connector.health()).toEqual({ status: 'up' });
    await connector.sendText('5511999998888', 'Oi', 'p5');
    expect(fake.requests).toHaveLength(5);
  });
});
