#!/usr/bin/env tsx
// Writes the next migration from a change to prisma/schema.prisma, offline:
//   npm run db:migration:new -- add_conversations
// It replays the existing migrations into a throwaway in-memory PGlite, asks Prisma's
// WebAssembly schema engine for the SQL that takes that database to the schema, and writes
// prisma/migrations/<timestamp>_<name>/migration.sql. Review the SQL before committing.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations, MIGRATIONS_DIR } from '../src/db/migrations.ts';
import { openPglite, pgliteRunner } from '../src/db/pglite.ts';
import { createSchemaEngine } from './schema-engine.ts';

const SCHEMA_PATH = path.resolve('prisma/schema.prisma');

/** Returns the SQL that brings a database holding the current migrations to the schema. */
export async function diffSchemaAgainstMigrations(schemaPath = SCHEMA_PATH, migrationsDir = MIGRATIONS_DIR): Promise<string> {
  const pglite = await openPglite();
  try {
    await applyMigrations(pgliteRunner(pglite), await import('../src/db/migrations.ts').then((m) => m.readMigrations(migrationsDir)));
    // The bookkeeping table is ours, not the schema's; keep it out of the diff.
    const content = await readFile(schemaPath, 'utf8');
    const engine = await createSchemaEngine({ path: 'schema.prisma', content }, new PrismaPGlite(pglite));
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files: [{ path: 'schema.prisma', content }], configDir: path.dirname(schemaPath) },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content }] },
      script: true,
      exitCode: null,
      filters: { externalTables: ['public._prisma_migrations'], externalEnums: [] },
    });
    return (result.stdout ?? '').trim();
  } finally {
    await pglite.close();
  }
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration:new -- <name_in_snake_case>');
    process.exit(2);
  }
  const sql = await diffSchemaAgainstMigrations();
  if (!sql || sql === '-- This is an empty migration.') {
    console.log('prisma/schema.prisma matches the migrations: nothing to write.');
    process.exit(0);
  }
  const dir = path.join(MIGRATIONS_DIR, `${timestamp()}_${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), `${sql}\n`);
  console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql — review it, then npm run db:migrate`);
  // The engine leaves a timer running for ~10 s after a diff; nothing is pending.
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
