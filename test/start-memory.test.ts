// The embedded server's resident memory after a fresh start (initdb, migrations, admin): the
// process compiles its WebAssembly (PGlite's PostgreSQL, Prisma's query compiler) with V8's
// baseline compiler only (src/runtime-flags.ts). Measured here under tsx: 376 MB with it, 468 MB
// without (compiled build: 315 vs 436). The bound sits between the two, so dropping the setting
// (or a new dependency that costs as much) fails this test. bench:start has the warm figures.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppProcess, startAppProcess } from './helpers/app-process.ts';

const MB = 1024 * 1024;
const BOUND_MB = 420;

const rss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

describe('the embedded server at rest', () => {
  let server: AppProcess | undefined;
  afterAll(() => server?.stop());

  it(`stays under ${BOUND_MB} MB of resident memory after a fresh start`, async () => {
    server = await startAppProcess({}, 120_000);
    // Settled: start-up garbage collected, nothing running.
    await new Promise((r) => setTimeout(r, 4_000));
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    expect(rss(server.pid) / MB).toBeLessThan(BOUND_MB);
  }, 150_000);
});
