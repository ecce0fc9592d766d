// A fake Graph API (WhatsApp Cloud API) on 127.0.0.1: POST /{version}/{phone-number-id}/messages
// answers like Meta does — {messaging_product, contacts[{input, wa_id|user_id}], messages[{id}]}
// — or with Graph error bodies, a hang or a dropped connection, as scripted per test. Every
// request is recorded (path, headers, parsed body) so tests assert the exact outbound call.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody } from './fake-server.ts';

export type GraphBehavior =
  | { kind: 'ok' }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'drop' };

export const graph = {
  ok: (): GraphBehavior => ({ kind: 'ok' }),
  /** A Graph error as Meta sends it: {"error": {message, type, code, error_subcode?, error_data, fbtrace_id}}. */
  error: (status: number, code: number, message: string, extra: { subcode?: number; headers?: Record<string, string> } = {}): GraphBehavior => ({
    kind: 'error',
    status,
    headers: extra.headers,
    body: {
      error: {
        message,
        type: 'OAuthException',
        code,
        ...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
        error_data: { messaging_product: 'whatsapp', details: message.replace(/^\(#\d+\) /, '') },
        fbtrace_id: 'AI5Ob0mT6hQjYpGuRWZGKUr',
      },
    },
  }),
  raw: (status: number, body: unknown, headers?: Record<string, string>): GraphBehavior => ({ kind: 'error', status, body, headers }),
  hang: (): GraphBehavior => ({ kind: 'hang' }),
  drop: (): GraphBehavior => ({ kind: 'drop' }),
};

export interface GraphRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Arrival order across every list (sends, reads, media). */
  order: number;
}

export interface FakeGraph {
  /** Base URL including the API version, as WHATSAPP_CLOUD_API_URL. */
  url: string;
  requests: GraphRequest[];
  /** GETs of media metadata and files, in order. */
  mediaRequests: GraphRequest[];
  /** Mark-as-read POSTs ({status: 'read'}, maybe with the typing indicator), in order. */
  readRequests: GraphRequest[];
  /** Next answers to mark-as-read POSTs, in order; when empty they succeed. */
  readQueue: GraphBehavior[];
  /** Next answers, in order; when empty, `fallback` answers. */
  queue: GraphBehavior[];
  fallback: GraphBehavior;
  /** The wamids handed out, in order. */
  sentIds: string[];
  /** Media the app can fetch: GET /{version}/{media-id} → {url}, then GET url, both with the bearer. */
  addMedia(id: string, bytes: Buffer, mimeType: string, token: string): void;
  /** Resolves once `count` requests arrived. */
  waitRequests(count: number, timeoutMs?: number): Promise<GraphRequest[]>;
  close(): Promise<void>;
}

export const GRAPH_VERSION = 'v23.0';

export async function startFakeGraph(): Promise<FakeGraph> {
  const sockets = new Set<Socket>();
  let seq = 0;
  let arrivals = 0;
  let base = '';
  const media = new Map<string, { bytes: Buffer; mimeType: string; token: string }>();
  const fake: Omit<FakeGraph, 'url' | 'close'> = {
    requests: [],
    mediaRequests: [],
    readRequests: [],
    readQueue: [],
    queue: [],
    fallback: graph.ok(),
    sentIds: [],
    addMedia(id, bytes, mimeType, token) {
      media.set(id, { bytes, mimeType, token });
    },
    async waitRequests(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (fake.requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} Graph requests, got ${fake.requests.length}: ${JSON.stringify(fake.requests.map((r) => r.body))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return fake.requests;
    },
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    // Media downloads are listed apart: `requests` holds the sends tests count and compare.
    if (req.method === 'GET') {
      fake.mediaRequests.push({ method: 'GET', path: req.url ?? '', headers: req.headers, body, order: ++arrivals });
      return serveMedia(req, res);
    }
    // Read receipts too: they come with every turn, and must not eat the answers scripted for sends.
    const read = (body as { status?: unknown } | undefined)?.status === 'read';
    (read ? fake.readRequests : fake.requests).push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, order: ++arrivals });
    const behavior = (read ? fake.readQueue.shift() : fake.queue.shift()) ?? (read ? graph.ok() : fake.fallback);
    if (behavior.kind === 'hang') return;
    if (behavior.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (behavior.kind === 'error') {
      res.writeHead(behavior.status, { 'content-type': 'application/json', ...behavior.headers });
      res.end(JSON.stringify(behavior.body));
      return;
    }
    // Mark-as-read (optionally with the typing indicator) answers {success: true}, not a wamid.
    if (read) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: true }));
      return;
    }
    const message = body as { to?: string; recipient?: string };
    const id = `wamid.HBgLFAKE${String(++seq).padStart(6, '0')}FQIAERgSQTRCN0YzRkQ0QjE2QTk4RAA=`;
    fake.sentIds.push(id);
    const contact = message.to !== undefined ? { input: message.to, wa_id: message.to } : { input: message.recipient, user_id: message.recipient };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [contact], messages: [{ id }] }));
  });
  // Meta's media download: the metadata call, then the short-lived URL; both need the token.
  // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#download-media
  function serveMedia(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const file = /^\/media-files\/([^/]+)$/.exec(url.pathname);
    const info = new RegExp(`^/${GRAPH_VERSION}/([^/]+)$`).exec(url.pathname);
    const entry = media.get((file ?? info)?.[1] ?? '');
    if (!entry) return json(404, { error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100, error_subcode: 33 } });
    if (req.headers.authorization !== `Bearer ${entry.token}`) return json(401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
    if (file) return res.writeHead(200, { 'content-type': entry.mimeType, 'content-length': String(entry.bytes.length) }).end(entry.bytes);
    if (!url.searchParams.get('phone_number_id')) return json(400, { error: { message: 'phone_number_id is required', type: 'OAuthException', code: 100 } });
    const id = info![1]!;
    json(200, { messaging_product: 'whatsapp', url: `${base}/media-files/${id}`, mime_type: entry.mimeType, sha256: 'fake', file_size: entry.bytes.length, id });
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/${GRAPH_VERSION}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as FakeGraph;
}
