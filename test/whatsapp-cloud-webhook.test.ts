// The Cloud API webhook on the real app (PostgreSQL through a proxy the test can cut): the
// verification handshake; signatures checked on the raw bytes (missing/bad → 401, nothing
// stored); malformed bodies → 400 problem+json; recorded Meta payloads stored item by item;
// the JSON parser of other routes untouched; a database outage → 503 so Meta redelivers.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { type FakeGraph, startFakeGraph } from './helpers/fake-graph.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { CLOUD, cloudEnv, postWebhook, textWebhook } from './helpers/whatsapp-cloud.ts';
import { signatureOf } from '../connectors/whatsapp-cloud/signature.ts';

// The fixtures carry Meta's example business number; this app is configured with the same id.
const fixture = (name: string): string => readFileSync(new URL(`../connectors/whatsapp-cloud/fixtures/${name}.json`, import.meta.url), 'utf8');

describe('WhatsApp Cloud API webhook', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let fake: FakeGraph;
  let t: TestApp;
  const inboxCount = () => t.atende.db.prisma.inboundMessage.count({ where: { channel: 'whatsapp-cloud' } });
  const metrics = async () => (await t.atende.http.inject({ url: '/metrics' })).body;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy('127.0.0.1', 5432);
    fake = await startFakeGraph();
    const url = new URL(db.url);
    url.port = String(proxy.port);
    t = await startTestApp({ backend: 'postgres', database: { ...db, url: url.toString() }, env: { ...cloudEnv(fake.url), OLLAMA_HOST: 'http://127.0.0.1:9' } });
  });
  beforeEach(async () => {
    await proxy.restore().catch(() => {});
  });
  afterAll(async () => {
    await proxy?.restore().catch(() => {});
    await t?.close();
    await proxy?.close();
    await fake?.close();
    await db?.drop();
  });

  describe('verification handshake', () => {
    const verify = (query: string) => t.atende.http.inject({ url: `/webhooks/whatsapp-cloud?${query}` });

    it('echoes hub.challenge as text/plain when the verify token matches', async () => {
      const res = await verify(`hub.mode=subscribe&hub.verify_token=${encodeURIComponent(CLOUD.verifyToken)}&hub.challenge=1158201444`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toBe('1158201444');
    });

    it('refuses a wrong token, a wrong mode or a missing challenge with 403 problem+json', async () => {
      for (const query of [
        'hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1',
        `hub.mode=unsubscribe&hub.verify_token=${CLOUD.verifyToken}&hub.challenge=1`,
        `hub.mode=subscribe&hub.verify_token=${CLOUD.verifyToken}`,
        'hub.mode=subscribe&hub.challenge=1',
      ]) {
        const res = await verify(query);
        expect(res.statusCode, query).toBe(403);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body).not.toContain('1158201444');
      }
    });
  });

  describe('signature', () => {
    const payload = () => textWebhook({ waId: '5511977770000', name: 'Eve' }, `wamid.SIG-${Date.now()}-${Math.random()}`, 'oi');

    it('refuses a missing, foreign, malformed or mismatching signature with 401 and stores nothing', async () => {
      const before = await inboxCount();
      const body = JSON.stringify(payload());
      const cases: [string, string | null][] = [
        ['missing', null],
        ['signed with another secret', signatureOf(body, 'not-the-app-secret')],
        ['not hex', 'sha256=zz'],
        ['sha1 scheme', `sha1=${'a'.repeat(40)}`],
        ['signature of another body', signatureOf(`${body} `, CLOUD.appSecret)],
      ];
      for (const [label, signature] of cases) {
        const res = await postWebhook(t.atende, body, { signature });
        expect(res.statusCode, label).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
      }
      expect(await inboxCount()).toBe(before);
      expect(await metrics()).toMatch(/atende_whatsapp_cloud_webhooks_total\{outcome="bad_signature"\} 5/);
      expect(fake.requests).toHaveLength(0);
    });

    it('checks the exact bytes: the same JSON re-serialized differently is refused', async () => {
      const body = JSON.stringify(payload());
      const pretty = JSON.stringify(JSON.parse(body), null, 2);
      const res = await postWebhook(t.atende, pretty, { signature: signatureOf(body, CLOUD.appSecret) });
      expect(res.statusCode).toBe(401);
      // Signed over its own bytes, the pretty one is fine.
      expect((await postWebhook(t.atende, pretty)).statusCode).toBe(200);
    });
  });

  describe('bodies', () => {
    it('answers malformed JSON and a non-webhook body with a valid signature with 400 problem+json', async () => {
      for (const body of ['{"object": "whatsapp_business_account", "entry": [', '', '"just a string"', '{"hello":"world"}']) {
        const res = await postWebhook(t.atende, body);
        expect(res.statusCode, body).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 400, code: 'validation' });
        expect(res.body).not.toMatch(/at .*\.ts:\d+/);
      }
    });

    it('stores every message of a batch (several entries, changes and messages) in one go', async () => {
      const before = await inboxCount();
      const res = await postWebhook(t.atende, fixture('batch'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ messages: 4, duplicates: 0, statuses: 1 });
      const rows = await t.atende.db.prisma.inboundMessage.findMany({ where: { channel: 'whatsapp-cloud', accountId: CLOUD.phoneNumberId, chatId: { in: ['16505551234', '15551234567', '16315551181'] } }, orderBy: { id: 'asc' } });
      expect(rows.map((r) => [r.chatId, r.senderPhone, r.senderName, r.text])).toEqual([
        ['16505551234', '+16505551234', 'Sheena Nelson', 'Olá'],
        ['15551234567', '+15551234567', 'Pablo Morales', 'Bom dia'],
        ['16505551234', '+16505551234', 'Sheena Nelson', 'Quero me cadastrar'],
        ['16315551181', '+16315551181', 'Kerry Fisher', 'Oi, tudo bem?'],
      ]);
      expect(await inboxCount()).toBe(before + 4);
      // Redelivered as a whole: all four recognized.
      expect((await postWebhook(t.atende, fixture('batch'))).json()).toEqual({ messages: 4, duplicates: 4, statuses: 1 });
      expect(await inboxCount()).toBe(before + 4);
    });

    it('stores media, location and unsupported messages with their kind and no text; ignores reactions', async () => {
      for (const name of ['image', 'location', 'unsupported', 'interactive-button-reply', 'reaction']) expect((await postWebhook(t.atende, fixture(name))).statusCode, name).toBe(200);
      const ids = ['image', 'location', 'unsupported', 'interactive-button-reply', 'reaction'].map((n) => JSON.parse(fixture(n)).entry[0].changes[0].value.messages[0].id as string);
      const rows = await t.atende.db.prisma.inboundMessage.findMany({ where: { messageId: { in: ids } } });
      const byId = new Map(rows.map((r) => [r.messageId, [r.kind, r.text]]));
      expect(ids.map((id) => byId.get(id))).toEqual([['image', ''], ['location', ''], ['other', ''], ['text', 'Cancel'], undefined]);
    });

    it('accepts a batch larger than the API body limit (Meta sends up to 3 MB)', async () => {
      const payload = textWebhook({ waId: '5511955550000', name: 'Big' }, 'wamid.BIG-1', 'oi') as Record<string, unknown>;
      payload.padding = 'x'.repeat(1_500_000);
      const res = await postWebhook(t.atende, payload);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ messages: 1 });
    });

    it('leaves the JSON parsing of other routes alone', async () => {
      const res = await t.atende.http.inject({ method: 'POST', url: '/auth/login', payload: { email: 'nobody@test.local', password: 'wrong-password-123' } });
      expect(res.statusCode).toBe(401);
      const bad = await t.atende.http.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
      expect(bad.statusCode).toBe(400);
    });
  });

  it('answers 503 while the database is unreachable, then takes the redelivery as new', async () => {
    const body = JSON.stringify(textWebhook({ waId: '5511966660000', name: 'Rui' }, 'wamid.OUTAGE-1', 'oi'));
    await proxy.cut();
    const refused = await postWebhook(t.atende, body);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'unavailable' });
    expect(await metrics()).toMatch(/atende_whatsapp_cloud_webhooks_total\{outcome="unavailable"\} 1/);

    await proxy.restore();
    const accepted = await postWebhook(t.atende, body);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ messages: 1, duplicates: 0, statuses: 0 });
    const deadline = Date.now() + 15_000;
    const toRui = () => fake.requests.find((r) => (r.body as { to?: string }).to === '5511966660000');
    while (!toRui() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    // The consent question goes out with SIM / NÃO reply buttons.
    expect(toRui()?.body).toMatchObject({ type: 'interactive', interactive: { body: { text: expect.stringContaining('Você concorda?') } } });
  });
});
