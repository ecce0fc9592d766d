// npm run bench:list [-- --rows 1000000 --reuse --requests 1000 --connections 1 --json]
//
// Seeds N contacts (default 1M) into a PostgreSQL database of its own, starts the real app on
// it as `npm start` runs it (dist/, its own process, HTTP on 127.0.0.1) and times GET /contacts
// over HTTP with the filters admins use and with deep cursors. Prints p50/p99 per scenario
// against the target (p99 ≤ 10 ms), and what each request cost in CPU: the server process's
// and the database backends' (from /proc), which — unlike latencies on a shared 2-core
// machine — hardly depend on the neighbours. The server runs apart from this client so the
// client's own work (fetch, JSON parsing) is neither timed as the server's nor queued on its
// event loop. A first line times GET /health/live on the same server: the floor of this
// machine at the moment, which no listing can beat. `--reuse` keeps an already seeded database from a previous run; `--cpu-prof DIR`
// writes the server's CPU profile there. With --json the last line of stdout is
// {bench, rows, scenarios: [{name, p50Ms, p99Ms, serverCpuMs, dbCpuMs}]}.
import pg from 'pg';
import { benchDatabaseUrl, prepareBenchDatabase, withClient } from './bench-database.ts';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { compile, type SqlClient } from '../src/db/sql.ts';
import { backendCpu, backendCpuSpent, cpuMsOf } from './backend-cpu.ts';
import { ensureCompiled } from './compiled-build.ts';
import { explainListings } from './list-plans.ts';
import { loginTo, startServerProcess } from './server-process.ts';

const TARGET_P99_MS = 10;
const FLOOR = 'floor: GET /health/live';
const ADMIN = { email: 'bench@atende.local', password: 'bench-password-123' };

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    reuse: { type: 'boolean', default: false },
    // Per scenario. The p99 of 300 samples was their 3rd-worst: one GC pause or scheduling hiccup
    // on a shared 2-core machine moved a scenario across the target from run to run.
    requests: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '1' },
    database: { type: 'string', default: 'atende_bench_list' },
    json: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of the server (node --cpu-prof) into this directory on exit.
    'cpu-prof': { type: 'string' },
  },
});
const rows = Number(args.rows);
const requests = Number(args.requests);
const connections = Number(args.connections);
const dbUrl = benchDatabaseUrl(args.database);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

interface Result {
  scenario: string;
  samples: number[];
  /** CPU ms per request: the server process, the database backends. */
  cpu: { server: number; db: number };
  rowsPerPage: number;
  /** Query strings whose SQL is explained for the database-side columns. */
  explain: Record<string, string>[];
}

async function main() {
  await ensureCompiled();
  await prepareBenchDatabase(args.database, rows, args.reuse);
  const server = await startServerProcess({ DATABASE_URL: dbUrl, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, 60_000, {
    compiled: true,
    nodeArgs: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [],
  });
  // One connection of its own reads which backends serve the database, between scenarios.
  const monitor = new pg.Client({ connectionString: dbUrl });
  await monitor.connect();
  const monitorSql: SqlClient = {
    query: async <T>(f: Parameters<SqlClient['query']>[0]) => {
      const s = compile(f);
      return (await monitor.query(s.text, s.values)).rows as T[];
    },
  };
  /** CPU used so far by the server process and by the database's backends serving it. */
  const cpuNow = async () => ({ server: (await cpuMsOf(server.pid)) ?? NaN, db: await backendCpu(monitorSql) });
  /** CPU ms spent since `before`: the server's, and the database backends' (new ones from 0). */
  const cpuSince = async (before: Awaited<ReturnType<typeof cpuNow>>) => {
    const after = await cpuNow();
    return { server: after.server - before.server, db: backendCpuSpent(before.db, after.db) ?? NaN };
  };
  try {
    const base = server.url;
    // A reused database keeps the admin of the run that seeded it (same credentials).
    const headers = { authorization: `Bearer ${await loginTo(server, ADMIN)}` };

    const get = async (query: Record<string, string>) => {
      const started = performance.now();
      const res = await fetch(`${base}/contacts?${new URLSearchParams(query)}`, { headers });
      const body = (await res.json()) as { items: unknown[]; nextCursor: string | null };
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`GET /contacts?${new URLSearchParams(query)} → ${res.status} ${JSON.stringify(body)}`);
      return { ms, count: body.items.length, nextCursor: body.nextCursor };
    };

    // Real values to search for: phones that exist, in the formats people type.
    const phones = await withClient(dbUrl, async (c) => (await c.query<{ phone: string }>('SELECT phone FROM contacts TABLESAMPLE SYSTEM (0.1) LIMIT 200')).rows.map((r) => r.phone));
    const fmt = (p: string) => `(${p.slice(3, 5)}) ${p.slice(5, 10)}-${p.slice(10)}`;
    const day = (offsetDays: number) => new Date(Date.now() - offsetDays * 86_400_000).toISOString().slice(0, 10);

    const scenarios: [string, (i: number) => Record<string, string>][] = [
      ['no filter', () => ({})],
      ['q name (one word)', (i) => ({ q: ['maria', 'joao', 'gonçalves', 'luiza', 'sebastiao', 'araujo', 'patricia', 'elida'][i % 8]! })],
      ['q name + surname', (i) => ({ q: ['maria silva', 'joao santos', 'ana conceicao', 'pedro lima'][i % 4]! })],
      ['q phone digits', (i) => ({ q: i % 2 ? fmt(phones[i % phones.length]!) : phones[i % phones.length]!.slice(-8) })],
      ['q e-mail part', (i) => ({ q: ['gmail.com', 'uol.com.br', 'maria.silva', 'exemplo'][i % 4]! })],
      ['reason', (i) => ({ reason: ['apoio', 'boleto', 'matricula', 'juridica', 'urgente', 'visita tecnica'][i % 6]! })],
      ['channel', (i) => ({ channel: ['whatsapp', 'telegram', 'web', 'api', 'whatsapp-cloud'][i % 5]! })],
      ['date range (7 days)', (i) => ({ createdFrom: day(10 + (i % 700)), createdTo: day(4 + (i % 700)) })],
      ['channel + q + dates', (i) => ({ channel: 'whatsapp', q: ['maria', 'silva', 'joao'][i % 3]!, createdFrom: day(365), createdTo: day(1) })],
    ];

    const results: Result[] = [];
    // The floor: the same server, client and machine answering a route with no database and
    // no auth. Whatever p99 this has, no listing can beat; it is not held to the target.
    {
      const live = async () => {
        const started = performance.now();
        const res = await fetch(`${base}/health/live`);
        await res.arrayBuffer();
        return performance.now() - started;
      };
      for (let i = 0; i < 20; i++) await live();
      const samples: number[] = [];
      const cpuBefore = await cpuNow();
      for (let i = 0; i < requests; i++) samples.push(await live());
      const cpu = await cpuSince(cpuBefore);
      results.push({ scenario: FLOOR, samples, cpu: { server: cpu.server / samples.length, db: cpu.db / samples.length }, rowsPerPage: 0, explain: [] });
    }
    const run = async (scenario: string, make: (i: number) => Record<string, string>) => {
      for (let i = 0; i < 20; i++) await get({ limit: '50', ...make(i) }); // warm-up
      const samples: number[] = [];
      let rowsSeen = 0;
      let next = 0;
      const cpuBefore = await cpuNow();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (next < requests) {
            const r = await get({ limit: '50', ...make(next++) });
            samples.push(r.ms);
            rowsSeen += r.count;
          }
        }),
      );
      const cpu = await cpuSince(cpuBefore);
      results.push({ scenario, samples, cpu: { server: cpu.server / samples.length, db: cpu.db / samples.length }, rowsPerPage: rowsSeen / samples.length, explain: Array.from({ length: 8 }, (_, i) => ({ limit: '50', ...make(i) })) });
    };
    for (const [name, make] of scenarios) await run(name, make);

    // Deep cursors: follow nextCursor 50 pages down, timing every page.
    const chains: Record<string, string>[] = [{}, { channel: 'telegram' }, { q: 'maria' }, { reason: 'apoio' }, { createdFrom: day(400), createdTo: day(300) }];
    const deep: number[] = [];
    const deepest: number[] = [];
    const deepQueries: Record<string, string>[] = [];
    let deepRows = 0;
    const deepCpuBefore = await cpuNow();
    for (let round = 0; round < Math.max(1, Math.round(requests / 250)); round++) {
      for (const filters of chains) {
        let cursor: string | null = null;
        for (let page = 1; page <= 50; page++) {
          const r = await get({ limit: '50', ...filters, ...(cursor ? { cursor } : {}) });
          deep.push(r.ms);
          deepRows += r.count;
          if (page > 40) deepest.push(r.ms);
          if (page === 50 && round === 0 && cursor) deepQueries.push({ limit: '50', ...filters, cursor });
          cursor = r.nextCursor;
          if (!cursor) break;
        }
      }
    }
    const deepCpu = await cpuSince(deepCpuBefore);
    const perDeep = { server: deepCpu.server / deep.length, db: deepCpu.db / deep.length };
    results.push({ scenario: 'deep cursor, pages 1-50', samples: deep, cpu: perDeep, rowsPerPage: deepRows / deep.length, explain: [] });
    results.push({ scenario: 'deep cursor, pages 41-50', samples: deepest, cpu: perDeep, rowsPerPage: 50, explain: deepQueries });

    const total = await withClient(dbUrl, async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM contacts')).rows[0]!.n);
    console.log(`\nGET /contacts over HTTP, ${Number(total).toLocaleString('en')} contacts, limit=50, ${connections} connection(s), target p99 ≤ ${TARGET_P99_MS} ms`);
    // Tail latency on a shared 2-core machine mostly measures the neighbours: say how busy it was.
    console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min)`);
    console.log('cpu ms / pg cpu: CPU time per request of the server process / of the database backends serving it\n');
    console.log(`${'scenario'.padEnd(26)} ${'n'.padStart(4)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'rows'.padStart(4)} target ${'cpu ms'.padStart(6)} ${'pg cpu'.padStart(6)} ${'db p50'.padStart(6)} ${'db max'.padStart(6)}  plan (EXPLAIN ANALYZE of 8 variants)`);
    let failed = 0;
    const summary: { name: string; p50Ms: number; p99Ms: number; serverCpuMs: number; dbCpuMs: number }[] = [];
    for (const r of results) {
      const sorted = [...r.samples].sort((a, b) => a - b);
      const p99 = percentile(sorted, 99);
      const floor = r.scenario === FLOOR;
      const ok = p99 <= TARGET_P99_MS;
      if (!ok && !floor) failed++;
      summary.push({ name: r.scenario, p50Ms: Number(percentile(sorted, 50).toFixed(2)), p99Ms: Number(p99.toFixed(2)), serverCpuMs: Number(r.cpu.server.toFixed(2)), dbCpuMs: Number(r.cpu.db.toFixed(2)) });
      const plans = r.explain.length ? await explainListings(dbUrl, r.explain, 3) : [];
      const db = plans.flatMap((p) => p.executionMs).sort((a, b) => a - b);
      const scans = [...new Set(plans.map((p) => p.scans.join(' + ').replace(/ using contacts_/g, ' ').replace(/_idx/g, '')))].join(' | ');
      console.log(
        `${r.scenario.padEnd(26)} ${String(sorted.length).padStart(4)} ${percentile(sorted, 50).toFixed(2).padStart(7)} ${p99.toFixed(2).padStart(7)} ${sorted.at(-1)!.toFixed(2).padStart(7)} ${r.rowsPerPage.toFixed(0).padStart(4)} ${(floor ? '-' : ok ? 'ok' : 'MISSED').padEnd(6)} ${r.cpu.server.toFixed(2).padStart(6)} ${r.cpu.db.toFixed(2).padStart(6)} ${(db.length ? percentile(db, 50).toFixed(2) : '').padStart(6)} ${(db.length ? db.at(-1)!.toFixed(2) : '').padStart(6)}  ${scans}`,
      );
    }
    console.log(`\n${failed ? `${failed} scenario(s) above` : 'every scenario within'} the p99 target of ${TARGET_P99_MS} ms`);
    if (args.json) console.log(JSON.stringify({ bench: 'list', rows: Number(total), scenarios: summary }));
  } catch (err) {
    console.error(`server output:\n${server.output().slice(-4000)}`);
    throw err;
  } finally {
    await monitor.end();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
