// npm run bench:intake [-- --connections 100 --seconds 6 --rounds 3 --sessions 100 --json --cpu-prof DIR]
//
// The ack path against its ceiling, in one run, with the same load tool and connections:
//  1. bare:  a Fastify POST route that answers 202 and does nothing else;
//  2. real:  POST /channels/web/messages of the real server process as `npm start` runs it
//            (dist/, rebuilt when older than the sources; ROLE=api, PostgreSQL +
//            Redis): session check, validation, rate limits, Redis dedupe check, batched
//            inbox INSERT, ack, then the seen-mark + kick script.
// Servers pinned to CPU 0, this load generator to CPU 1 (ENVIRONMENT.md's method). The two
// take turns for a few rounds; prints each round and the medians of both rates, p99s and the
// ratio against the targets (ratio ≥ 0.40, real p99 < 25 ms), and checks that every
// acknowledged message is in the inbox. With --json the last line of stdout is one JSON object
// ({bench, ratio, bareRps, realRps, realP99Ms}) for scripts and CI to read. `--cpu-prof DIR`
// writes the real server's CPU profile there.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import pg from 'pg';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { ensureCompiled } from './compiled-build.ts';
import { startServerProcess } from './server-process.ts';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    sessions: { type: 'string', default: '100' },
    'serve-bare': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of the real server (node --cpu-prof) into this directory on exit.
    'cpu-prof': { type: 'string' },
  },
});


interface LoadResult {
  rate: number;
  p99: number;
  p50: number;
  ok: number;
  errors: number;
}

const TEXT = 'Olá, meu nome é Maria da Silva, telefone 11 99999-8888, quero apoio emocional. '.repeat(11).slice(0, 900);

function pin(pid: number, cpu: number) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    console.warn(`(could not pin pid ${pid} to CPU ${cpu}; numbers will be noisier)`);
  }
}

async function load(url: string, tokens: string[], seconds: number): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon');
  let next = 0;
  const result = await autocannon({
    url,
    connections: Number(args.connections),
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/channels/web/messages',
        setupRequest(request: Record<string, unknown>, context: { token?: string }) {
          context.token ??= tokens[next++ % tokens.length];
          request.headers = { 'content-type': 'application/json', authorization: `Bearer ${context.token}` };
          request.body = JSON.stringify({ messageId: randomUUID(), text: TEXT });
          return request;
        },
      },
    ],
  });
  return { rate: result.requests.average, p99: result.latency.p99, p50: result.latency.p50, ok: result['2xx'], errors: result.non2xx + result.errors + result.timeouts };
}

/** The bare route in a child process (same Fastify as the app), pinned like the app. */
/** CPU time (user + system) a process has used so far, ms (Linux /proc; null elsewhere). */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

async function startBare(): Promise<{ url: string; pid: number; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve-bare'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const found = /API: (\S+)/.exec(d.toString());
      if (found) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
  pin(child.pid!, 0);
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  pin(process.pid, 1);
  const seconds = Number(args.seconds);
  const rounds = Number(args.rounds);
  console.log(`bench:intake — ${args.connections} connections, ${rounds} rounds of ${seconds} s bare + ${seconds} s real, 1 KB JSON bodies\n`);
  // Both servers stay up and take turns, so each round compares them under the same machine
  // conditions (a shared VM drifts by ±25 % within minutes); the medians are the result.
  // The real server runs as `npm start` runs it: compiled JavaScript, no TypeScript loader.
  await ensureCompiled();
  const bare = await startBare();
  const db = await createTestDatabase('atende_bench');
  const server = await startServerProcess({
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ROLE: 'api',
    WEB_CHAT_RATE_LIMIT_PER_MIN: '1000000',
    WEB_CHAT_IP_RATE_LIMIT_PER_MIN: '10000000',
    ADMIN_EMAIL: 'bench@atende.local',
    ADMIN_PASSWORD: 'bench-password-123',
  }, 60_000, { compiled: true, nodeArgs: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [] });
  const client = new pg.Client({ connectionString: db.url });
  try {
    pin(server.pid, 0);
    const tokens: string[] = [];
    for (let i = 0; i < Number(args.sessions); i++) {
      const res = await fetch(`${server.url}/channels/web/sessions`, { method: 'POST' });
      tokens.push(((await res.json()) as { token: string }).token);
    }
    await client.connect();
    await load(bare.url, ['x'], 2);
    await load(server.url, tokens, 2);
    const results: { b: LoadResult; r: LoadResult; stored: number; bareCpu: number | null; realCpu: number | null }[] = [];
    // CPU time per request of each server: unlike rates, hardly moved by other load on the
    // machine, so it shows what a change to the path costs even when the rates are noisy.
    const perRequest = (pid: number, before: number | null, done: number) => {
      const after = cpuMs(pid);
      return before === null || after === null || !done ? null : (after - before) / done;
    };
    for (let round = 1; round <= rounds; round++) {
      const bareBefore = cpuMs(bare.pid);
      const b = await load(bare.url, ['x'], seconds);
      const bareCpu = perRequest(bare.pid, bareBefore, b.ok);
      const before = Number((await client.query('SELECT count(*) AS n FROM inbound_messages')).rows[0].n);
      const realBefore = cpuMs(server.pid);
      const r = await load(server.url, tokens, seconds);
      const realCpu = perRequest(server.pid, realBefore, r.ok);
      // Acks are sent after the commit: every 2xx is a row.
      const stored = Number((await client.query('SELECT count(*) AS n FROM inbound_messages')).rows[0].n) - before;
      results.push({ b, r, stored, bareCpu, realCpu });
      console.log(
        `round ${round}: bare ${b.rate.toFixed(0).padStart(6)} req/s p99 ${String(b.p99).padStart(3)} ms | real ${r.rate.toFixed(0).padStart(6)} req/s p99 ${String(r.p99).padStart(3)} ms | ratio ${(r.rate / b.rate).toFixed(2)}` +
          (bareCpu !== null && realCpu !== null ? ` | CPU/request bare ${(bareCpu * 1000).toFixed(0)} µs, real ${(realCpu * 1000).toFixed(0)} µs` : '') +
          (b.errors + r.errors ? ` (${b.errors + r.errors} errors)` : ''),
      );
    }
    const ratio = median(results.map((x) => x.r.rate / x.b.rate));
    const cpus = results.filter((x) => x.bareCpu !== null && x.realCpu !== null);
    const cpuRatio = cpus.length ? median(cpus.map((x) => x.bareCpu! / x.realCpu!)) : null;
    const p99 = median(results.map((x) => x.r.p99));
    console.log(`\nbare Fastify POST     ${median(results.map((x) => x.b.rate)).toFixed(0).padStart(7)} req/s   p99 ${median(results.map((x) => x.b.p99))} ms   (median of ${rounds})`);
    console.log(`real intake path      ${median(results.map((x) => x.r.rate)).toFixed(0).padStart(7)} req/s   p99 ${p99} ms`);
    console.log(`\nratio real/bare       ${ratio.toFixed(2)}   (median; target ≥ 0.40: ${ratio >= 0.4 ? 'met' : 'NOT met'})`);
    console.log(`real p99              ${p99} ms   (median; target < 25 ms: ${p99 < 25 ? 'met' : 'NOT met'})`);
    if (cpuRatio !== null) console.log(`CPU/request bare/real ${cpuRatio.toFixed(2)}   (median; what the ratio would be with the server's core to itself)`);
    const acked = results.reduce((n, x) => n + x.r.ok, 0);
    const stored = results.reduce((n, x) => n + x.stored, 0);
    console.log(`acknowledged / stored ${acked} / ${stored}   (${acked <= stored ? 'every ack is in the inbox' : 'ACKS WITHOUT ROWS'})`);
    if (args.json) {
      const bareRps = Math.round(median(results.map((x) => x.b.rate)));
      const realRps = Math.round(median(results.map((x) => x.r.rate)));
      console.log(JSON.stringify({ bench: 'intake', ratio: Number(ratio.toFixed(3)), bareRps, realRps, realP99Ms: p99, ...(cpuRatio !== null ? { cpuRatio: Number(cpuRatio.toFixed(3)) } : {}), rounds, ackedWithoutRow: Math.max(0, acked - stored) }));
    }
  } finally {
    await client.end().catch(() => {});
    bare.stop();
    await server.stop();
    await db.drop();
  }
  process.exit(0);
}

// Child mode: the bare route, on the same Fastify the app uses.
if (args['serve-bare']) {
  const app = Fastify({ logger: false });
  app.post('/channels/web/messages', async (_request, reply) => reply.code(202).send({ accepted: true, duplicate: false }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`API: ${address}`);
} else {
  await main();
}
