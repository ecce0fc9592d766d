// A fake contact-sync receiver on 127.0.0.1: records every POST (headers + the exact body
// bytes) and answers from a script of status codes (the last one repeats), so a test can
// make the receiver fail a few times and then accept.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  /** When it arrived (ms since epoch). */
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: { deliveryId: string; event: string; attempt: number; queuedAt: string; sentAt: string; contact: Record<string, unknown> & { id: string } };
}

export interface SyncReceiver {
  url: string;
  received: ReceivedDelivery[];
  /** Status codes for the next requests; the last one repeats. */
  answer(...statuses: number[]): void;
  /** Resolves once `count` deliveries arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

export async function startSyncReceiver(): Promise<SyncReceiver> {
  const received: ReceivedDelivery[] = [];
  let script = [200];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ at: Date.now(), headers: req.headers, body, json: JSON.parse(body) as ReceivedDelivery['json'] });
      const status = script.length > 1 ? script.shift()! : script[0]!;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/atende`,
    received,
    answer: (...statuses) => void (script = statuses),
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} deliveries, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Polls `read` until `accept` says yes (rejects with the last value after `timeoutMs`). */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
