// The real process entry (src/server.ts) as a child process a test can talk to over HTTP and
// kill -9 — two of them make two replicas on one PostgreSQL + Redis. Benchmarks ask for the
// compiled entry (dist/src/server.js, what `npm start` runs): tsx's in-memory compiler adds
// ~100 MB of resident memory and its own CPU cost, which would be measured as the app's.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AppProcess {
  url: string;
  pid: number;
  output(): string;
  /** kill -9: no shutdown hooks, no in-flight work finished. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface AppProcessOptions {
  /** Run dist/src/server.js (build it first: `npm run build`) instead of src/server.ts under tsx. */
  compiled?: boolean;
  /** Extra node flags, e.g. ['--cpu-prof'] for profiling. */
  nodeArgs?: string[];
}

export async function startAppProcess(env: Record<string, string>, timeoutMs = 60_000, options: AppProcessOptions = {}): Promise<AppProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'atende-proc-'));
  const entry = options.compiled ? ['--enable-source-maps', 'dist/src/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', LOG_LEVEL: 'warn', BURST_WINDOW_MS: '0', DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const look = () => {
      const found = /API:\s+(http:\/\/\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening:\n${output}`));
    });
  });
  const done = async () => rm(dataDir, { recursive: true, force: true });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
      await done();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await done();
    },
  };
}

/** A web chat client over real HTTP. */
export async function httpWebChat(baseUrl: string) {
  const session = (await (await fetch(`${baseUrl}/channels/web/sessions`, { method: 'POST' })).json()) as { chatId: string; token: string };
  const auth = { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' };
  return {
    ...session,
    async send(text: string, messageId: string, url = baseUrl) {
      const res = await fetch(`${url}/channels/web/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ messageId, text }) });
      if (res.status !== 202) throw new Error(`post ${messageId} to ${url}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { accepted: boolean; duplicate: boolean };
    },
    async replies(url = baseUrl): Promise<string[]> {
      const res = await fetch(`${url}/channels/web/chats/${session.chatId}/messages?limit=200`, { headers: auth });
      return ((await res.json()) as { messages: { text: string }[] }).messages.map((m) => m.text);
    },
  };
}
