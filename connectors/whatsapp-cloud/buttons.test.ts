// Replies with options go out as Meta's interactive reply buttons — the exact request body is
// asserted on the fake Graph API — and a tap comes back as `button_reply`, read as its title.
// Options that do not fit (more than 3, a title over 20 characters) go out as plain text.
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { optionTitles } from '../../fsm/catalog.ts';
import { type FakeGraph, GRAPH_VERSION, startFakeGraph } from '../../test/helpers/fake-graph.ts';
import { createWhatsappCloudConnector } from './index.ts';
import { normalizeWebhook } from './normalize.ts';

const PNID = '106540352242922';
let fake: FakeGraph;
const connector = () =>
  createWhatsappCloudConnector({
    config: { token: 'EAAG-test-token', appSecret: 's', verifyToken: 'v', phoneNumberId: PNID, apiUrl: fake.url, policy: { timeoutMs: 2_000, maxAttempts: 1, backoffMs: 10, breakerThreshold: 100, halfOpenAfterMs: 60_000 } },
    registry: new Registry(),
  });

beforeAll(async () => {
  fake = await startFakeGraph();
});
beforeEach(() => {
  fake.requests.length = 0;
});
afterAll(async () => {
  await fake?.close();
});

describe('Cloud API reply buttons', () => {
  it('sends the consent question with SIM / NÃO reply buttons', async () => {
    const options = [{ id: 'yes' as const, title: optionTitles.yes }, { id: 'no' as const, title: optionTitles.no }];
    await connector().sendText('5511988887777', 'Você concorda? Responda SIM ou NÃO.', 'k-buttons-1', { options });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.path).toBe(`/${GRAPH_VERSION}/${PNID}/messages`);
    expect(fake.requests[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5511988887777',
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Você concorda? Responda SIM ou NÃO.' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'yes', title: 'SIM' } },
            { type: 'reply', reply: { id: 'no', title: 'NÃO' } },
          ],
        },
      },
    });
  });

  it('addresses a username user by BSUID', async () => {
    await connector().sendText('US.13491208655302741918', 'Pode pular?', 'k-buttons-2', { options: [{ id: 'skip', title: 'PULAR' }] });
    expect(fake.requests[0]!.body).toMatchObject({ recipient: 'US.13491208655302741918', type: 'interactive' });
  });

  it('falls back to plain text when the options do not fit Meta’s limits', async () => {
    const tooMany = ['a', 'b', 'c', 'd'].map((id) => ({ id: id as 'yes', title: id.toUpperCase() }));
    await connector().sendText('5511988887777', 'Escolha', 'k-buttons-3', { options: tooMany });
    await connector().sendText('5511988887777', 'Escolha', 'k-buttons-4', { options: [{ id: 'yes', title: 'x'.repeat(21) }] });
    await connector().sendText('5511988887777', 'Sem opções', 'k-buttons-5');
    expect(fake.requests.map((r) => (r.body as { type: string }).type)).toEqual(['text', 'text', 'text']);
  });

  it('reads a button tap as the title the person saw', () => {
    const payload = JSON.parse(readFileSync(new URL('./fixtures/interactive-button-reply.json', import.meta.url), 'utf8'));
    const result = normalizeWebhook(payload, { phoneNumberId: PNID });
    if (!result.ok) throw new Error(result.reason);
    const reply = (payload.entry[0].changes[0].value.messages[0].interactive.button_reply as { title: string }).title;
    expect(result.value.messages[0]).toMatchObject({ kind: 'text', text: reply });
  });
});
