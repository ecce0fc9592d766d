#!/usr/bin/env node
// Builds the pages (web/ → web/dist) and checks the size budgets of issue 13: the chat page
// ≤ 60 KB gzipped (JS + CSS), the console's first load ≤ 250 KB gzipped. Run by
// `npm run build:web` and by postinstall; an install without dev dependencies (no Vite) skips
// the build and says so — the server then answers the pages with a 503 naming the command.
/* global process, console */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'web/dist');
const BUDGETS = { 'chat.html': 60 * 1024, 'index.html': 250 * 1024 };

let build;
try {
  ({ build } = await import('vite'));
} catch {
  console.warn('atende: Vite is not installed (production install?): web pages not built. Run `npm install` then `npm run build:web`.');
  process.exit(0);
}
await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: 'warn' });

const manifest = JSON.parse(readFileSync(path.join(out, '.vite/manifest.json'), 'utf8'));
/** Every JS and CSS file an entry loads at first paint (static imports only). */
function firstLoad(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(key)) return seen;
  seen.add(key);
  for (const css of chunk.css ?? []) seen.add(`file:${css}`);
  for (const imp of chunk.imports ?? []) firstLoad(imp, seen);
  return seen;
}
let over = false;
for (const [entry, budget] of Object.entries(BUDGETS)) {
  const files = [...firstLoad(entry)].map((k) => (k.startsWith('file:') ? k.slice(5) : manifest[k].file)).filter((f) => !f.endsWith('.html'));
  const gz = files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(out, f)), { level: 9 }).length, 0);
  const ok = gz <= budget;
  over ||= !ok;
  console.log(`web budget ${entry === 'chat.html' ? '/chat' : '/'}: ${(gz / 1024).toFixed(1)} KB gzipped (JS+CSS, ${files.length} files) of ${budget / 1024} KB ${ok ? 'ok' : 'OVER BUDGET'}`);
}
if (over) process.exit(1);
