// npm run bench [-- --only intake,turns]
//
// Runs every benchmark at its default size, one after the other (they would measure each
// other if run together), each with --json, and prints one summary. The last line of stdout is
// {"bench":"all","results":[…]}: each benchmark's own JSON object, or {bench, error} when one
// failed — a failed benchmark does not stop the others. Each one's full output goes to stderr
// as it runs, so a long run shows progress.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const BENCHES: { name: string; script: string; args?: string[] }[] = [
  { name: 'start', script: 'bench/start.ts' },
  { name: 'intake', script: 'bench/intake.ts' },
  { name: 'turns', script: 'bench/turns.ts' },
  { name: 'turns-embedded', script: 'bench/turns.ts', args: ['--embedded'] },
  { name: 'list', script: 'bench/list.ts' },
  { name: 'export', script: 'bench/export.ts' },
  { name: 'extraction', script: 'bench/extraction.ts' },
];

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;

/** Runs one benchmark and returns the JSON object on its last line of stdout. */
function run(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trimEnd().split('\n').at(-1) ?? '';
      try {
        const parsed = JSON.parse(last) as Record<string, unknown>;
        if (code === 0) resolve(parsed);
        else reject(new Error(`exited with ${code}`));
      } catch {
        reject(new Error(code === 0 ? 'printed no JSON object on its last line' : `exited with ${code}`));
      }
    });
  });
}

const results: Record<string, unknown>[] = [];
for (const bench of BENCHES) {
  if (only && !only.has(bench.name)) continue;
  process.stderr.write(`\n=== ${bench.name} ===\n`);
  try {
    results.push(await run(bench.script, bench.args ?? []));
  } catch (err) {
    results.push({ bench: bench.name, error: (err as Error).message });
  }
}
console.log(results.map((r) => JSON.stringify(r)).join('\n'));
console.log(JSON.stringify({ bench: 'all', results }));
process.exitCode = results.some((r) => 'error' in r) ? 1 : 0;
