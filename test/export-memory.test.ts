// A 50,000-row export on PostgreSQL keeps the server's memory bounded: the server runs as a
// real separate process (src/server.ts) so its RSS, read from /proc, is its own and not the
// test runner's. Also: a download abandoned halfway is noticed by the server (it stops
// reading, its COPY ends on the database, and it audits the export as aborted), and the next
// export runs normally.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedContacts } from '../bench/seed.ts';
import { loginTo, measuredDownload, type ServerProcess, startServerProcess } from '../bench/server-process.ts';
import { openDatabase } from '../src/db/database.ts';
import { ADMIN } from './helpers/app.ts';
import { parseCsv, readXlsx } from './helpers/export-files.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const ROWS = 50_000;
const MB = 1024 * 1024;
// The idle server (Prisma's engine, Fastify, exceljs, the MCP SDK, tsx) already sits near
// 280 MB, so the bound is on what an export adds over it. Measured: 0-35 MB on a quiet
// machine, up to ~100 MB when other work starves V8's concurrent GC threads (garbage, not
// live data). A non-streaming xlsx workbook needs ~1 GB per 100k rows (ENVIRONMENT.md), and
// reading all 50k rows at once grew the server by ~145 MB for csv on a quiet machine.
// Proof that memory does not grow with the row count is bench/export.ts at 1M rows.
const MAX_GROWTH_MB = 150;

async function exportAudits(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ meta: Record<string, unknown> }>(`SELECT meta FROM audit_log WHERE action = 'contact.export' ORDER BY id`);
    return rows.map((r) => r.meta);
  } finally {
    await client.end();
  }
}

/** The export's COPY statements (copy-out.ts) the server is running now, on this database. */
async function runningCopies(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY (%'`,
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

describe('export memory on postgres, server in a child process', () => {
  let database: TestDatabase;
  let server: ServerProcess;
  let token: string;
  /** RSS of the started, idle server: the baseline every export is measured against. */
  let idle: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = await openDatabase({ databaseUrl: database.url });
    await db.migrate();
    await db.close();
    await seedContacts(database.url, ROWS);
    server = await startServerProcess({ DATABASE_URL: database.url, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    token = await loginTo(server, ADMIN);
    idle = await server.rss();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it.each(['xlsx', 'csv'])(
    'streams all %s rows while the server grows by less than the bound',
    async (format) => {
      const chunks: Buffer[] = [];
      const download = await measuredDownload(server, `${server.url}/contacts/export?format=${format}`, token, (c) => chunks.push(Buffer.from(c)));
      expect(download.status).toBe(200);
      const file = Buffer.concat(chunks);
      const rows = format === 'xlsx' ? (await readXlsx(file)).rows.length : parseCsv(file.toString('utf8').slice(1), ';').length - 1;
      expect(rows).toBe(ROWS);
      const growthMb = (download.peakRss - idle) / MB;
      console.log(`${format}: ${ROWS} rows in ${download.seconds.toFixed(1)} s, server RSS ${(idle / MB).toFixed(0)} → peak ${(download.peakRss / MB).toFixed(0)} MB`);
      expect(growthMb).toBeLessThan(MAX_GROWTH_MB);
    },
    120_000,
  );

  it('stops reading and audits the export as aborted when the client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/contacts/export?format=xlsx`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    // The rows stream from one COPY, paused while nobody reads; leaving must end it on the server.
    let running = await runningCopies(database.url);
    for (let i = 0; i < 50 && running === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      running = await runningCopies(database.url);
    }
    expect(running).toBe(1);
    controller.abort();

    let aborted: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !aborted; i++) {
      aborted = (await exportAudits(database.url)).find((m) => m.aborted === true);
      if (!aborted) await new Promise((r) => setTimeout(r, 100));
    }
    expect(aborted).toMatchObject({ format: 'xlsx', filters: [], aborted: true, reason: 'client_closed' });
    expect(aborted!.rows).toBeLessThan(ROWS);
    let copies = await runningCopies(database.url);
    for (let i = 0; i < 50 && copies > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      copies = await runningCopies(database.url);
    }
    expect(copies).toBe(0);

    // The abandoned export released its slot and its reads: the next one runs in full.
    const next = await fetch(`${server.url}/contacts/export?format=json&channel=web`, { headers: { authorization: `Bearer ${token}` } });
    expect(next.status).toBe(200);
    expect(((await next.json()) as unknown[]).length).toBeGreaterThan(0);
  }, 60_000);
});
