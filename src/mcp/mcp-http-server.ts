// The MCP server over Streamable HTTP (`npm run mcp -- --http`): bound to 127.0.0.1 by
// default, every request must carry `Authorization: Bearer $MCP_TOKEN`. Stateless — a fresh
// McpServer and transport per POST — so any number of clients (or replicas behind a proxy)
// need no session affinity. Host headers are checked against the bound address so a web page
// cannot reach it through DNS rebinding.
import { secretsEqual } from '../http/secrets.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../observability/logger.ts';
import type { McpClient } from './contact-tools.ts';
import { randomUUID } from 'node:crypto';

export const MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 256 * 1024;

export interface McpHttpOptions {
  /** A server for one request; `client` is who sent it (peer IP, our request id) for the audit. */
  newServer: (client: McpClient) => McpServer;
  token: string;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger?: Logger;
}

export interface McpHttpServer {
  url: string;
  close(): Promise<void>;
}

function authorized(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return secretsEqual(match?.[1]?.trim(), token);
}

function jsonRpcError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

export async function startMcpHttpServer(options: McpHttpOptions): Promise<McpHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  let allowedHosts: string[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== MCP_PATH) return jsonRpcError(res, 404, `not found; the MCP endpoint is ${MCP_PATH}`);
    if (!authorized(req, options.token)) return jsonRpcError(res, 401, 'a valid bearer token is required', { 'www-authenticate': 'Bearer realm="atende-mcp"' });
    // Stateless: no server-initiated stream (GET) and no session to delete (DELETE).
    if (req.method !== 'POST') return jsonRpcError(res, 405, 'method not allowed', { allow: 'POST' });
    // The peer address: the server is meant to be reached directly (loopback by default), so
    // no forwarding header is believed.
    const server = options.newServer({ ip: req.socket.remoteAddress ?? null, requestId: randomUUID() });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      // Only meaningful on a loopback address; elsewhere the token is the gate.
      enableDnsRebindingProtection: loopback,
      allowedHosts,
      maxRequestBodySize: MAX_BODY_BYTES,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.logger?.error({ err }, 'MCP HTTP request failed');
      if (!res.headersSent) jsonRpcError(res, 500, 'internal error');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  allowedHosts = [`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`];
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${MCP_PATH}`;
  options.logger?.info({ event: 'mcp_http_listening', url }, `MCP server (Streamable HTTP) at ${url}`);

  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
