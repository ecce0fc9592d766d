// npm run bench:start [-- --backend embedded|postgres --runs 5 --json --legacy]
//
// What a user sees of `npm start`: seconds from the command to the start banner on a warm data
// directory (migrated, admin created: one unmeasured start first), and the idle resident
// memory of the whole process tree it makes (npm, sh, node and any child), summed from /proc
// a few seconds after ready. Several runs, medians. --legacy measures the former start
// (`tsx src/server.ts`, compiling TypeScript in memory) for before/after figures.
// Targets (issue 16): ready ≤ 3 s; idle RSS ≤ 120 MB on PostgreSQL, ≤ 350 MB embedded.
// Linux only (/proc).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'embedded' },
    runs: { type: 'string', default: '5' },
    idle: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    legacy: { type: 'boolean', default: false },
  },
});
const backend = args.backend === 'postgres' ? 'postgres' : 'embedded';
const runs = Math.max(1, Number(args.runs));
const idleMs = Number(args.idle) * 1000;

/** Every descendant of `pid` (and itself), from /proc/<pid>/task/<tid>/children. */
async function tree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const tasks = await readdir(`/proc/${out[i]}/task`).catch(() => [] as string[]);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${out[i]}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const c of children.split(' ').filter(Boolean)) out.push(Number(c));
    }
  }
  return out;
}

async function rssMb(pid: number): Promise<number> {
  let kb = 0;
  for (const p of await tree(pid)) {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    kb += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

interface Run {
  readySeconds: number;
  idleRssMb: number;
}

async function startOnce(env: Record<string, string>): Promise<Run> {
  const [command, commandArgs] = args.legacy ? [path.join(ROOT, 'node_modules/.bin/tsx'), ['src/server.ts']] : ['npm', ['start', '--silent']];
  const started = performance.now();
  const child: ChildProcess = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: the whole tree stops together
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (!output.includes('atende is running')) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
      if (performance.now() - started > 180_000) throw new Error(`no start banner in 180 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const readySeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, idleMs));
    return { readySeconds, idleRssMb: await rssMb(child.pid!) };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'atende-bench-start-'));
  let db: TestDatabase | undefined;
  try {
    const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_EMAIL: 'bench@atende.local', ADMIN_PASSWORD: 'bench-password-123' };
    if (backend === 'postgres') {
      db = await createTestDatabase('atende_bench_start');
      env.DATABASE_URL = db.url;
    }
    await startOnce(env); // warms the data directory / database (migrations, admin)
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) {
      const run = await startOnce(env);
      results.push(run);
      if (!args.json) console.log(`run ${i + 1}: ready ${run.readySeconds.toFixed(2)} s, idle RSS ${run.idleRssMb.toFixed(0)} MB`);
    }
    const summary = {
      bench: 'start',
      readySeconds: Number(median(results.map((r) => r.readySeconds)).toFixed(2)),
      idleRssMb: Number(median(results.map((r) => r.idleRssMb)).toFixed(0)),
      backend,
      ...(args.legacy ? { start: 'tsx src/server.ts' } : {}),
    };
    if (!args.json) console.log(`median of ${runs}: ready ${summary.readySeconds} s (target ≤ 3), idle RSS ${summary.idleRssMb} MB (target ≤ ${backend === 'postgres' ? 120 : 350})`);
    console.log(JSON.stringify(summary));
  } finally {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
