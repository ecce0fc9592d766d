// Runs the real process entry (src/server.ts, or with `compiled` dist/src/server.js as
// `npm start` does) in a child process, so that a benchmark or a test can measure the server's
// own memory (RSS from /proc) apart from the client's, and downloads files from it while
// sampling that memory.
import { readFile, writeFile } from 'node:fs/promises';
import { type AppProcessOptions, startAppProcess } from '../test/helpers/app-process.ts';

export interface ServerProcess {
  url: string;
  pid: number;
  /** What the server printed (the last ~100 KB): why it died, when it did. */
  output(): string;
  /** Current resident set size, bytes. */
  rss(): Promise<number>;
  /** Peak RSS since start or the last resetPeak(), bytes (VmHWM). */
  peakRss(): Promise<number>;
  /** Starts a new peak measurement (Linux: writing 5 to clear_refs resets VmHWM). */
  resetPeak(): Promise<void>;
  stop(): Promise<void>;
}

async function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

/** The real server process (test/helpers/app-process.ts), with its memory readable. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 60_000, options: AppProcessOptions = {}): Promise<ServerProcess> {
  const server = await startAppProcess(env, timeoutMs, options);
  const { pid } = server;
  return {
    url: server.url,
    pid,
    output: () => server.output(),
    rss: () => procStatus(pid, 'VmRSS'),
    peakRss: () => procStatus(pid, 'VmHWM'),
    resetPeak: () => writeFile(`/proc/${pid}/clear_refs`, '5'),
    stop: () => server.stop(),
  };
}

export interface Download {
  status: number;
  headers: Headers;
  bytes: number;
  seconds: number;
  /** Highest RSS of the server seen while downloading (sampled and VmHWM), bytes. */
  peakRss: number;
}

/**
 * GETs `url` reading the body as it arrives (handing each chunk to `onChunk`), while
 * sampling the server's RSS. The peak combines samples with VmHWM, which catches spikes
 * between samples.
 */
export async function measuredDownload(
  server: ServerProcess,
  url: string,
  token: string,
  onChunk: (chunk: Uint8Array) => void = () => {},
): Promise<Download> {
  await server.resetPeak().catch(() => undefined);
  let sampled = await server.rss();
  const sampler = setInterval(() => {
    server.rss().then((v) => (sampled = Math.max(sampled, v)), () => undefined);
  }, 25);
  const started = performance.now();
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    let bytes = 0;
    for await (const chunk of res.body ?? []) {
      bytes += chunk.length;
      onChunk(chunk);
    }
    const seconds = (performance.now() - started) / 1000;
    const hwm = await server.peakRss().catch(() => 0);
    return { status: res.status, headers: res.headers, bytes, seconds, peakRss: Math.max(sampled, hwm) };
  } finally {
    clearInterval(sampler);
  }
}

export async function loginTo(server: ServerProcess, credentials: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}
