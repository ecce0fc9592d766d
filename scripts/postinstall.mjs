#!/usr/bin/env node
// What `npm install`/`npm ci` runs afterwards: each step in order, stopping at the first that
// fails. Append a step here (e.g. a web build) rather than chaining commands in package.json.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import console from 'node:console';
import { fileURLToPath, URL } from 'node:url';

const steps = [
  ['generate the Prisma client', 'scripts/prisma-generate.mjs'],
  ['compile the server to dist/', 'scripts/build.mjs'],
  ['build the pages (console, /chat, /widget.js) into web/dist', 'scripts/build-web.mjs'],
];
for (const [what, script] of steps) {
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(`../${script}`, import.meta.url))], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`postinstall: could not ${what} (${script} exited with ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}
