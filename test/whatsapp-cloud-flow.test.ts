// End to end through the Cloud API webhook on the real app, the bot's replies landing on a
// fake Graph API: a person registers themself (phone vouched for by WhatsApp), every reply is
// the exact documented request; a redelivered webhook has no second effect; delivery
// statuses — out of order, failed — update the sent rows; a username user known only by a
// BSUID registers too (replies go to `recipient`, the phone is asked); Graph failures are
// retried (5xx) or given up with the Graph code (4xx).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { type FakeGraph, GRAPH_VERSION, graph, startFakeGraph } from './helpers/fake-graph.ts';
import { answerUntilSummary as answer, type Person } from './helpers/answer-until-summary.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { CLOUD, type CloudChat, cloudChat, cloudEnv, postWebhook, statusWebhook, textWebhook } from './helpers/whatsapp-cloud.ts';
import { staysFor } from './helpers/quiet.ts';

const answerUntilSummary = (chat: CloudChat, first: string[], person: Person) => answer((text) => chat.say(text), first, person);

describe.each(BACKENDS)('WhatsApp Cloud API end to end on %s', (backend) => {
  let t: TestApp;
  let fake: FakeGraph;
  let ollama: FakeOllama;
  beforeAll(async () => {
    fake = await startFakeGraph();
    ollama = await startFakeOllama();
    ollama.fallback = behave.status(503, 'model is loading');
    t = await startTestApp({ backend, env: { ...cloudEnv(fake.url), OLLAMA_HOST: ollama.url, LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_THRESHOLD: '100' } });
  });
  beforeEach(() => {
    fake.queue = [];
    fake.fallback = graph.ok();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await ollama?.close();
  });

  it('registers a person field by field; replies are the exact Graph requests; a redelivery has no effect', async () => {
    const maria = { waId: '5511988887777', name: 'Maria Souza' };
    const chat = cloudChat(t.atende, fake, maria);
    const [greeting] = await chat.say('oi');
    expect(greeting).toContain('Você concorda? Responda SIM ou NÃO.');
    const intro = await chat.say('sim');
    expect(intro.at(-1)).toContain('Me envie seu nome completo');
    const first = await chat.say('Maria Souza');
    const { asked, summary } = await answerUntilSummary(chat, first, { name: 'Maria Souza', phone: 'x', email: 'maria@exemplo.com.br', reason: 'apoio emocional' });
    // WhatsApp vouches for the phone: it is not asked.
    expect(asked).not.toContain('phone');
    expect(summary).toContain('• Telefone: (11) 98888-7777');
    const [saved] = await chat.say('sim');
    expect(saved).toMatch(/^Recebemos seu cadastro\. Protocolo: \w+\. Obrigado pelo contato!$/);

    const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5511988887777' } });
    expect(contact).toMatchObject({ name: 'Maria Souza', reason: 'apoio emocional', sourceChannel: 'whatsapp-cloud', sourceChatId: '5511988887777', mode: 'contact', createdBy: 'bot' });

    // Every reply went out as the documented text message, to the wa_id, with the bearer token.
    const mine = fake.requests.filter((r) => (r.body as { to?: string }).to === maria.waId);
    expect(mine.length).toBe(chat.replies().length);
    for (const r of mine) {
      expect(r.path).toBe(`/${GRAPH_VERSION}/${CLOUD.phoneNumberId}/messages`);
      expect(r.headers.authorization).toBe(`Bearer ${CLOUD.token}`);
      // Replies that expect a fixed answer carry reply buttons; the others are plain text.
      if ((r.body as { type: string }).type === 'interactive') {
        expect(r.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: maria.waId, type: 'interactive', interactive: { type: 'button', body: { text: expect.any(String) }, action: { buttons: expect.any(Array) } } });
      } else {
        expect(r.body).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: maria.waId, type: 'text', text: { preview_url: false, body: expect.any(String) } });
      }
    }
    // The consent question offered SIM / NÃO as buttons.
    expect(mine[0]!.body).toMatchObject({ interactive: { action: { buttons: [{ reply: { id: 'yes', title: 'SIM' } }, { reply: { id: 'no', title: 'NÃO' } }] } } });
    expect(mine.at(-1)!.body).toMatchObject({ text: { body: saved } });

    // Meta redelivers the last webhook (same wamid): one inbox row, no second reply.
    const wamid = 'wamid.HBgNNTUxMTk4ODg4Nzc3NxUCABIYFDNBQjRCMUM3RDVGOEUzQzdBNDQ1AA==';
    const before = chat.replies().length;
    expect(await chat.send('obrigada', wamid)).toEqual({ messages: 1, duplicates: 0, statuses: 0 });
    await fake.waitRequests(fake.requests.length + 1);
    await t.atende.conversations.whenIdle();
    const afterFirst = chat.replies().length;
    expect(afterFirst).toBeGreaterThan(before);
    expect(await chat.send('obrigada', wamid)).toEqual({ messages: 1, duplicates: 1, statuses: 0 });
    await t.atende.conversations.whenIdle();
    expect(await staysFor(() => chat.replies().length)).toBe(afterFirst);
    expect(await t.atende.db.prisma.inboundMessage.count({ where: { channel: 'whatsapp-cloud', messageId: wamid } })).toBe(1);
  });

  it('records delivery statuses on the sent rows, out of order and failed', async () => {
    const chat = cloudChat(t.atende, fake, { waId: '5521977776666', name: 'João' });
    await chat.say('oi');
    await chat.say('sim');
    const rows = await t.atende.db.prisma.outboundMessage.findMany({ where: { channel: 'whatsapp-cloud', chatId: '5521977776666' }, orderBy: { id: 'asc' } });
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.status === 'sent' && r.providerMessageId?.startsWith('wamid.'))).toBe(true);
    const row = rows[0]!;
    const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, s));

    // read arrives before delivered and sent: the later stage stays.
    const res = await postWebhook(t.atende, statusWebhook([
      { id: row.providerMessageId!, status: 'read', at: at(30) },
      { id: row.providerMessageId!, status: 'delivered', at: at(20) },
      { id: row.providerMessageId!, status: 'sent', at: at(10) },
    ]));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ messages: 0, duplicates: 0, statuses: 3 });
    expect(await t.atende.db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ providerStatus: 'read', providerStatusAt: at(30), status: 'sent' });

    const other = rows.at(-1)!;
    await postWebhook(t.atende, statusWebhook([{ id: other.providerMessageId!, status: 'failed', at: at(40), error: { code: 131049, title: 'This message was not delivered to maintain healthy ecosystem engagement.' } }]));
    expect(await t.atende.db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
      providerStatus: 'failed',
      status: 'failed',
      lastError: '131049 This message was not delivered to maintain healthy ecosystem engagement.',
    });
    // A late "delivered" does not undo the failure.
    await postWebhook(t.atende, statusWebhook([{ id: other.providerMessageId!, status: 'delivered', at: at(45) }]));
    expect(await t.atende.db.prisma.outboundMessage.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({ providerStatus: 'failed' });
    // A status for a message that is not ours is acknowledged and changes nothing.
    expect((await postWebhook(t.atende, statusWebhook([{ id: 'wamid.NOT-OURS', status: 'read', at: at(50) }]))).statusCode).toBe(200);
  });

  it('registers a username user known only by a BSUID: replies go to `recipient`, the phone is asked', async () => {
    const ana = { userId: 'BR.13491208655302741918', name: 'Ana Lima' };
    const chat = cloudChat(t.atende, fake, ana);
    await chat.say('oi');
    await chat.say('sim');
    const first = await chat.say('Ana Lima');
    const { asked } = await answerUntilSummary(chat, first, { name: 'Ana Lima', phone: '31 96666-5555', email: 'ana@exemplo.com.br', reason: 'orientação jurídica' });
    expect(asked).toContain('phone');
    await chat.say('sim');
    expect(await t.atende.db.prisma.contact.findUnique({ where: { phone: '+5531966665555' } })).toMatchObject({ name: 'Ana Lima', sourceChannel: 'whatsapp-cloud', sourceChatId: ana.userId });
    for (const body of chat.requests()) {
      expect(body).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual', recipient: ana.userId });
      expect(body.to).toBeUndefined();
      expect(['text', 'interactive']).toContain(body.type);
    }
  });

  it('retries a reply the Graph API refused with a 5xx; gives up on a 4xx and keeps the Graph code', async () => {
    const chat = cloudChat(t.atende, fake, { waId: '5541955554444', name: 'Pedro' });
    fake.queue = [graph.error(503, 2, 'Service temporarily unavailable')];
    const [greeting] = await chat.say('oi');
    expect(greeting).toContain('Você concorda?');
    // The first attempt got a 503 and was retried with the same body; every reply went out.
    const rows = await t.atende.db.prisma.outboundMessage.findMany({ where: { chatId: '5541955554444' } });
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(chat.requests()).toHaveLength(rows.length + 1);
    expect(chat.requests()[1]).toEqual(chat.requests()[0]);

    fake.fallback = graph.error(400, 131030, '(#131030) Recipient phone number not in allowed list');
    const sent = chat.requests().length;
    await chat.send('sim');
    await fake.waitRequests(fake.requests.length + 1);
    await t.atende.conversations.whenIdle();
    await new Promise((r) => setTimeout(r, 200));
    const failed = await t.atende.db.prisma.outboundMessage.findFirstOrThrow({ where: { chatId: '5541955554444', status: 'failed' } });
    expect(failed.lastError).toBe('131030: (#131030) Recipient phone number not in allowed list');
    expect(failed.attempts).toBe(1);
    // Not retried: one request for the refused reply.
    expect(chat.requests().length).toBe(sent + 1);
  });
});

describe('WhatsApp Cloud API webhook for another business number', () => {
  let t: TestApp;
  let fake: FakeGraph;
  beforeAll(async () => {
    fake = await startFakeGraph();
    t = await startTestApp({ backend: 'pglite', env: { ...cloudEnv(fake.url), OLLAMA_HOST: 'http://127.0.0.1:9' } });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('acknowledges it without storing or answering (replies could only come from our number)', async () => {
    const payload = textWebhook({ waId: '5511911112222', name: 'X' }, 'wamid.OTHER-NUMBER-1', 'oi');
    payload.entry[0]!.changes[0]!.value.metadata.phone_number_id = '999999999999999';
    const res = await postWebhook(t.atende, payload);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ messages: 0, duplicates: 0, statuses: 0 });
    expect(await t.atende.db.prisma.inboundMessage.count()).toBe(0);
  });
});
