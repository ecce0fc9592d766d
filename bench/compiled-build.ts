// Benchmarks measure the server as `npm start` runs it: the compiled JavaScript in dist/.
// This rebuilds dist/ when it is missing or older than any source file it is built from, so a
// bench never measures yesterday's code.
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// tsconfig.build.json's "include", plus what changes the output.
const SOURCES = ['src', 'connectors', 'fsm', 'tsconfig.json', 'tsconfig.build.json'];

async function newestMtime(p: string): Promise<number> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(p)) newest = Math.max(newest, await newestMtime(path.join(p, entry)));
  return newest;
}

/** Runs `npm run build` unless dist/src/server.js is newer than every source file. */
export async function ensureCompiled(): Promise<void> {
  const built = (await stat(path.join(ROOT, 'dist/src/server.js')).catch(() => undefined))?.mtimeMs ?? 0;
  const sources = Math.max(...(await Promise.all(SOURCES.map((s) => newestMtime(path.join(ROOT, s))))));
  if (built > sources) return;
  console.log('dist/ is missing or older than the sources: npm run build');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
}
