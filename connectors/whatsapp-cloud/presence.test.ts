// Mark-read + typing against the fake Graph API on 127.0.0.1: exact path, token and body;
// a Graph error or a hang never throws (the indicator must never fail a turn).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGraph, graph, startFakeGraph } from '../../test/helpers/fake-graph.ts';
import { CloudPresence } from './presence.ts';

describe('cloud api read + typing indicator', () => {
  let fake: FakeGraph;
  const presence = (timeoutMs = 1_000) => new CloudPresence({ apiUrl: fake.url, phoneNumberId: '106540352242922', token: 'test-token', timeoutMs });
  const wamid = 'wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDMEE0NEY3RTY0OUQ2NjMyAA==';

  beforeAll(async () => {
    fake = await startFakeGraph();
  });
  beforeEach(() => {
    fake.readRequests.length = 0;
    fake.readQueue.length = 0;
  });
  afterAll(async () => {
    await fake.close();
  });

  it('posts status read with the text typing indicator', async () => {
    await expect(presence().readAndTyping(wamid)).resolves.toBe(true);
    expect(fake.readRequests).toHaveLength(1);
    const [request] = fake.readRequests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toMatch(/\/106540352242922\/messages$/);
    expect(request!.headers.authorization).toBe('Bearer test-token');
    expect(request!.body).toEqual({ messaging_product: 'whatsapp', status: 'read', message_id: wamid, typing_indicator: { type: 'text' } });
  });

  it('swallows a Graph error', async () => {
    fake.readQueue.push(graph.error(400, 100, '(#100) Invalid parameter'));
    await expect(presence().readAndTyping(wamid)).resolves.toBe(false);
  });

  it('swallows a Graph that does not answer', async () => {
    fake.readQueue.push({ kind: 'hang' });
    await expect(presence(200).readAndTyping(wamid)).resolves.toBe(false);
  });
});
