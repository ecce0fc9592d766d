// Issue 14 end to end, in the web chat of a running app: rules read first (the bot works with
// Ollama down), model values must be grounded in the person's text (an invented phone is
// never shown to them as theirs), and each field's provenance is stored with the contact —
// shown by GET /contacts/:id, the portability document and MCP get_contact, set to `admin` by
// a PATCH, and gone with the erased contact. On PGlite and PostgreSQL alike.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../src/mcp/mcp-server.ts';
import { catalog } from '../fsm/catalog.ts';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { extractionRig } from './helpers/extraction-rig.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { openWebChat } from './helpers/web-chat.ts';

const FAST = { LLM_TIMEOUT_MS: '500', LLM_BACKOFF_MS: '10', LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_HALF_OPEN_MS: '60000' };
const MODEL = 'llama3.1:8b';

describe.each(BACKENDS)('extraction in the chat (%s)', (backend) => {
  let fake: FakeOllama;
  let t: TestApp;
  let api: ReturnType<typeof apiOf>;
  let admin: string;

  beforeAll(async () => {
    fake = await startFakeOllama({ models: [MODEL] });
    t = await startTestApp({ backend, env: { OLLAMA_HOST: fake.url, ...FAST } });
    api = apiOf(t);
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('Ollama down: "Joana Prado" as the first message is her name, and its provenance follows the contact', async () => {
    fake.fallback = behave.status(500);
    const chat = await openWebChat(t.atende);
    expect(await chat.say('Joana Prado')).toEqual([catalog.greetingConsent()]);
    const afterConsent = await chat.say('sim');
    expect(afterConsent).toEqual([catalog.question('phone', 'contact')]);
    expect(afterConsent.join(' ')).not.toContain('não consigo interpretar');
    expect(await chat.say('(11) 97654-3210')).toEqual([catalog.question('reason', 'contact')]);
    await chat.say('segunda via do boleto');
    const summary = await chat.say('pular');
    expect(summary.join('\n')).toContain('• Nome: Joana Prado');
    const saved = await chat.say('sim');
    expect(saved.join(' ')).toContain('Protocolo');

    const list = await api('GET', '/contacts?q=joana', admin);
    const id = list.json<{ items: { id: string }[] }>().items[0]!.id;
    const contact = (await api('GET', `/contacts/${id}`, admin)).json<{ provenance: Record<string, { source: string; messageId: string | null; at: string; confirmedBy: string }> }>();
    expect(contact.provenance).toMatchObject({
      name: { source: 'rule', confirmedBy: 'person' },
      phone: { source: 'typed', confirmedBy: 'person' },
      reason: { source: 'typed', confirmedBy: 'person' },
    });
    expect(contact.provenance.name!.messageId).toEqual(expect.any(String));
    expect(contact.provenance.name!.messageId).not.toBe(contact.provenance.phone!.messageId);
    expect(Date.parse(contact.provenance.name!.at)).toBeLessThanOrEqual(Date.parse(contact.provenance.phone!.at));
    expect(contact.provenance.email).toBeUndefined();

    // An admin edit marks the field as the admin's; the others keep where they came from.
    expect((await api('PATCH', `/contacts/${id}`, admin, { name: 'Joana Prado Lima' })).statusCode).toBe(200);
    const edited = (await api('GET', `/contacts/${id}`, admin)).json<{ provenance: Record<string, { source: string; confirmedBy: string; messageId: string | null }> }>();
    expect(edited.provenance.name).toMatchObject({ source: 'admin', confirmedBy: `admin:${userIdOf(admin)}`, messageId: null });
    expect(edited.provenance.phone).toMatchObject({ source: 'typed' });
    // An attendant's correction through the API is the attendant's.
    const attendant = await t.tokenFor('attendant', `att-${backend}@test.local`);
    expect((await api('PATCH', `/contacts/${id}`, attendant, { reason: 'segunda via da conta de luz' })).statusCode).toBe(200);
    const corrected = (await api('GET', `/contacts/${id}`, admin)).json<{ provenance: Record<string, { source: string; confirmedBy: string }> }>();
    expect(corrected.provenance.reason).toMatchObject({ source: 'attendant', confirmedBy: `attendant:${userIdOf(attendant)}` });
    expect(corrected.provenance.name).toMatchObject({ source: 'admin' });

    const portability = (await api('GET', `/contacts/${id}/data`, admin)).json<{ provenance: Record<string, { source: string }> }>();
    expect(portability.provenance).toMatchObject({ name: { source: 'admin' }, phone: { source: 'typed' } });

    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const rig = await extractionRig();
    await createMcpServer({ extractor: rig.extractor, contacts: t.atende.contacts, version: 'test' }).connect(serverSide);
    const mcp = new Client({ name: 'test', version: '1' });
    await mcp.connect(clientSide);
    const got = (await mcp.callTool({ name: 'get_contact', arguments: { id } })) as CallToolResult;
    await mcp.close();
    await rig.close();
    expect(got.structuredContent).toMatchObject({ id, provenance: { name: { source: 'admin' }, phone: { source: 'typed' } } });

    // Erasure: the row and its provenance are gone.
    expect((await api('DELETE', `/contacts/${id}`, admin)).statusCode).toBe(204);
    expect((await api('GET', `/contacts/${id}`, admin)).statusCode).toBe(404);
  });

  it('Ollama down: name, phone and e-mail in one sentence → only the reason is asked', async () => {
    fake.fallback = behave.status(500);
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    const reply = await chat.say('sim, Meu nome é Marina Figueiredo, celular (21) 98877-6655, e-mail marina.f@example.com');
    expect(reply).toEqual([catalog.question('reason', 'contact')]);
    const summary = await chat.say('orientação jurídica');
    expect(summary.join('\n')).toContain('• Nome: Marina Figueiredo');
    expect(summary.join('\n')).toContain('• Telefone: (21) 98877-6655');
    expect(summary.join('\n')).toContain('• E-mail: marina.f@example.com');
  });

  it('a phone the model invents is dropped, counted and asked for — never shown as theirs', async () => {
    fake.fallback = behave.status(500);
    // The breaker may be open from the tests above: a fresh app has it closed.
    await t.close();
    fake.fallback = behave.json({ name: 'Paulo Mendes', phone: '(11) 91234-5678', email: null, reason: 'ajuda com o boleto atrasado' });
    t = await startTestApp({ backend, env: { OLLAMA_HOST: fake.url, ...FAST } });
    admin = await t.login();
    api = apiOf(t);
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    await chat.say('sim');
    const reply = await chat.say('sou o Paulo Mendes e queria ajuda com o boleto atrasado');
    expect(fake.chatRequests().length).toBeGreaterThan(0);
    expect(reply).toEqual([catalog.question('phone', 'contact')]);
    expect(reply.join(' ')).not.toContain('91234');
    const metrics = (await api('GET', '/metrics')).body;
    expect(metrics).toContain('atende_extraction_ungrounded_total{field="phone"} 1');
    const summary = await chat.say('21 99876-5432');
    await chat.say('pular');
    const all = (await chat.replies()).join('\n');
    expect(all).not.toContain('91234-5678');
    expect(summary.join(' ') + all).toContain('(21) 99876-5432');
  });
});
