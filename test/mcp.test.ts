// Every MCP tool over both transports — the linked in-memory pair the app uses and Streamable
// HTTP with its bearer token — against a fake Ollama and a real database (PGlite and
// PostgreSQL). Contact tools go through ContactService: same validation, duplicates and audit.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type McpHttpServer, startMcpHttpServer } from '../src/mcp/mcp-http-server.ts';
import { createMcpServer } from '../src/mcp/mcp-server.ts';
import type { McpClient } from '../src/mcp/contact-tools.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { type ExtractionRig, extractionRig } from './helpers/extraction-rig.ts';
import { behave } from './helpers/fake-ollama.ts';

const TOKEN = 'mcp-test-token-0123456789';
const TRANSPORTS = ['in-memory', 'streamable-http'] as const;

type Transport = (typeof TRANSPORTS)[number];

function json(result: CallToolResult): Record<string, unknown> {
  const first = result.content[0];
  return JSON.parse(first && first.type === 'text' ? first.text : '{}');
}

describe.each(BACKENDS)('MCP server on %s', (backend) => {
  let t: TestApp;
  let rig: ExtractionRig;
  let http: McpHttpServer;
  const clients = {} as Record<Transport, Client>;

  beforeAll(async () => {
    t = await startTestApp({ backend });
    rig = await extractionRig({ breakerThreshold: 100, maxAttempts: 1 });
    const newServer = (client?: McpClient) => createMcpServer({ extractor: rig.extractor, contacts: t.atende.contacts, version: 'test' }, client);

    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await newServer().connect(serverSide);
    clients['in-memory'] = new Client({ name: 'test', version: '1' });
    await clients['in-memory'].connect(clientSide);

    http = await startMcpHttpServer({ newServer, token: TOKEN, port: 0 });
    clients['streamable-http'] = new Client({ name: 'test', version: '1' });
    await clients['streamable-http'].connect(
      new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }),
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(clients).map((c) => c.close()));
    await http.close();
    await rig.close();
    await t.close();
  });

  describe.each(TRANSPORTS)('over %s', (transport) => {
    const client = () => clients[transport];
    const suffix = transport === 'in-memory' ? '01' : '02';
    const person = transport === 'in-memory' ? 'Pessoa Alfa' : 'Pessoa Beta';
    const phone = `(11) 98765-43${suffix}`;
    const e164 = `+55119876543${suffix}`;

    it('lists the four tools, each with an output schema', async () => {
      const { tools } = await client().listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['create_contact', 'extract_contact', 'get_contact', 'search_contacts']);
      for (const tool of tools) expect(tool.outputSchema?.type).toBe('object');
    });

    it('extract_contact returns validated, normalized fields as structured content', async () => {
      rig.fake.queue.push(behave.json({ name: 'José da Silva', phone, email: 'JOSE@Exemplo.com', reason: 'orientação jurídica' }));
      const result = (await client().callTool({
        name: 'extract_contact',
        arguments: { text: `José da Silva, ${phone}, JOSE@Exemplo.com, orientação jurídica`, known: { reason: 'jurídico' } },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        outcome: 'ok',
        found: { name: 'José da Silva', phone: e164, email: 'jose@exemplo.com', reason: 'jurídico' },
        missing: [],
      });
      expect(json(result)).toEqual(result.structuredContent);
    });

    it('extract_contact reports an unavailable LLM as an error result that keeps the known fields', async () => {
      rig.fake.queue.push(behave.status(500));
      const result = (await client().callTool({ name: 'extract_contact', arguments: { text: 'oi', known: { name: 'Ana Lima' } } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({
        outcome: 'failed',
        failure: { code: 'llm_unavailable', reason: 'server_error' },
        found: { name: 'Ana Lima' },
        missing: ['phone', 'reason'],
      });
    });

    it('extract_contact refuses input over the size limit', async () => {
      const before = rig.fake.chatRequests().length;
      const result = (await client().callTool({ name: 'extract_contact', arguments: { text: 'x'.repeat(4_001) } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect((result.content[0] as { text: string }).text).toMatch(/Input validation error.*text/s);
      expect(rig.fake.chatRequests()).toHaveLength(before);
    });

    it('create_contact, get_contact and search_contacts go through the contacts service and are audited', async () => {
      const created = (await client().callTool({
        name: 'create_contact',
        arguments: { name: `Mcp ${person}`, phone, email: null, reason: 'teste mcp' },
      })) as CallToolResult;
      expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
      const contact = created.structuredContent as { id: string; phone: string; source: { channel: string }; createdBy: string };
      expect(contact).toMatchObject({ phone: e164, source: { channel: 'mcp' }, createdBy: 'mcp', mode: 'api' });

      const got = (await client().callTool({ name: 'get_contact', arguments: { id: contact.id } })) as CallToolResult;
      expect(got.structuredContent).toMatchObject({ id: contact.id, name: `Mcp ${person}` });

      const found = (await client().callTool({ name: 'search_contacts', arguments: { q: person.toLowerCase(), createdFrom: '2020-01-01', limit: 5 } })) as CallToolResult;
      const page = found.structuredContent as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.map((c) => c.id)).toEqual([contact.id]);

      const audit = await t.atende.db.prisma.auditLog.findMany({ where: { actorId: 'mcp', entityId: contact.id }, orderBy: { id: 'asc' } });
      expect(audit.map((a) => [a.action, a.actorRole])).toEqual([
        ['contact.create', 'mcp'],
        ['contact.read', 'mcp'],
      ]);
      const listed = await t.atende.db.prisma.auditLog.count({ where: { actorId: 'mcp', action: 'contact.list' } });
      expect(listed).toBeGreaterThan(0);
      expect(JSON.stringify(audit.map((a) => a.meta))).not.toContain('98765');
      // Over HTTP the entries name the client's address; request ids are the server's own
      // (one per call), never the JSON-RPC id the client chose.
      expect(audit.map((a) => a.ip)).toEqual(transport === 'streamable-http' ? ['127.0.0.1', '127.0.0.1'] : [null, null]);
      for (const a of audit) expect(a.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(audit.map((a) => a.requestId)).size).toBe(2);
    });

    it('create_contact applies the duplicate-phone rule and the field validation', async () => {
      const dup = (await client().callTool({ name: 'create_contact', arguments: { name: 'Outra Pessoa', phone, reason: 'x' } })) as CallToolResult;
      expect(dup.isError).toBe(true);
      expect(json(dup)).toMatchObject({ code: 'duplicate-phone', status: 409, existingContactId: expect.any(String) });

      const bad = (await client().callTool({ name: 'create_contact', arguments: { name: 'Ana', phone: '9999-999', reason: 'x' } })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(json(bad)).toMatchObject({ code: 'validation', status: 400, errors: [{ field: 'phone', code: 'phone_incomplete' }] });
    });

    it('get_contact answers not-found for an unknown id', async () => {
      const result = (await client().callTool({ name: 'get_contact', arguments: { id: '00000000-0000-4000-8000-000000000000' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(json(result)).toMatchObject({ code: 'not-found', status: 404 });
    });
  });
});

describe('MCP over Streamable HTTP: the bearer token', () => {
  let rig: ExtractionRig;
  let http: McpHttpServer;
  beforeAll(async () => {
    rig = await extractionRig();
    http = await startMcpHttpServer({ newServer: () => createMcpServer({ extractor: rig.extractor, version: 'test' }), token: TOKEN, port: 0 });
  });
  afterAll(async () => {
    await http.close();
    await rig.close();
  });

  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
  };
  const post = (headers: Record<string, string>) =>
    fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });

  it('rejects a request without a token or with a wrong one', async () => {
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await post({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post({ authorization: `Basic ${TOKEN}` })).status).toBe(401);
  });

  it('accepts the right token', async () => {
    const ok = await post({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ result: { serverInfo: { name: 'atende' } } });
  });

  it('makes an SDK client with a wrong token fail to connect', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await expect(
      client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: 'Bearer nope-nope-nope-nope' } } })),
    ).rejects.toThrow();
  });

  it('offers only extract_contact when no contacts service is wired', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['extract_contact']);
    await client.close();
  });
});
