#!/usr/bin/env node
// Runs `prisma generate` without the native schema engine. The CLI insists on finding an
// engine binary before it generates, although generation never executes it; Prisma 7's
// client needs no native engine at all. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// executable (node itself) satisfies the check, so a fresh clone works offline.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
