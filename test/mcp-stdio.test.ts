// `npm run mcp` as an external MCP client starts it: a child process speaking stdio, with the
// contact tools on PostgreSQL (DATABASE_URL) and extraction through a fake Ollama.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

describe('npm run mcp (stdio)', () => {
  let fake: FakeOllama;
  let db: TestDatabase;
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    fake = await startFakeOllama();
    db = await createTestDatabase();
    const transport = new StdioClientTransport({
      command: 'npm',
      args: ['run', 'mcp'],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...(process.env as Record<string, string>), NODE_ENV: 'test', OLLAMA_HOST: fake.url, DATABASE_URL: db.url, LOG_LEVEL: 'info' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    client = new Client({ name: 'external-assistant', version: '1' });
    // npm prints its "> atende mcp" banner on stdout; the SDK skips lines that are not JSON-RPC.
    client.onerror = () => {};
    await client.connect(transport);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await fake.close();
    await db.drop();
  });

  it('serves every tool and runs them end to end', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['create_contact', 'extract_contact', 'get_contact', 'search_contacts']);

    fake.queue.push(behave.json({ name: 'Lúcia Helena', phone: '+55 31 3222-1100', email: null, reason: 'visita técnica' }));
    const extracted = (await client.callTool({ name: 'extract_contact', arguments: { text: 'Lúcia Helena, +55 31 3222-1100, visita técnica' } })) as CallToolResult;
    expect(extracted.structuredContent).toMatchObject({ outcome: 'ok', found: { name: 'Lúcia Helena', phone: '+553132221100', reason: 'visita técnica' } });

    const created = (await client.callTool({ name: 'create_contact', arguments: { name: 'Lúcia Helena', phone: '+55 31 3222-1100', reason: 'visita técnica' } })) as CallToolResult;
    const id = (created.structuredContent as { id: string }).id;
    const got = (await client.callTool({ name: 'get_contact', arguments: { id } })) as CallToolResult;
    expect(got.structuredContent).toMatchObject({ id, phone: '+553132221100', source: { channel: 'mcp' } });

    // Start-up asked the fake for its models, and logs went to stderr, masked.
    expect(fake.requests.some((r) => r.path === '/api/tags')).toBe(true);
    expect(stderr).toContain('llm_ready');
    expect(stderr).not.toContain('3222-1100');
  });
});
