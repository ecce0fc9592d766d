#!/usr/bin/env node
// Compiles the server to dist/ (tsc, tsconfig.build.json): `npm start` then runs plain
// JavaScript, without tsx compiling ~400 files in memory at every start.
// The code finds a few files next to itself through import.meta.url (package.json for the
// version, prompts/, prisma/migrations, node_modules/redlock); dist/ mirrors the repository's
// layout one level down, so links to those make the same relative paths hold from dist/src/.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import console from 'node:console';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);
mkdirSync(dist, { recursive: true });
for (const name of ['package.json', 'prompts', 'prisma', 'node_modules', 'web']) {
  const link = path.join(dist, name);
  if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
  // Relative, so the tree can be copied or moved (the Docker image copies it).
  symlinkSync(path.join('..', name), link);
}
console.log('built dist/ (npm start runs dist/src/server.js)');

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
