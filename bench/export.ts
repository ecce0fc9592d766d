// npm run bench:export [-- --rows 1000000 --reuse --formats xlsx,csv,json --json]
//
// Seeds N contacts (default 100k) into a PostgreSQL database of its own, starts the server
// in a child process as `npm start` runs it (dist/src/server.js, rebuilt first when older than
// the sources) and downloads each export format over HTTP,
// printing rows/s, seconds, the server's peak RSS and the CPU seconds of the server and of its
// database connections during each download (steadier than seconds on a shared machine), against the
// targets for 1M rows (xlsx ≤ 15 s and ≤ 160 MB, csv ≤ 4 s, json ≤ 5 s). `--reuse` keeps a
// database already seeded with at least N rows by a previous run. With --json the last line of
// stdout is {bench, rows, formats: {xlsx: {seconds, peakRssMb}, …}}.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { benchDatabaseUrl, prepareBenchDatabase, withClient } from './bench-database.ts';
import { ensureCompiled } from './compiled-build.ts';
import { loginTo, measuredDownload, startServerProcess } from './server-process.ts';

const ADMIN = { email: 'bench@atende.local', password: 'bench-password-123' };
const MB = 1024 * 1024;
const TARGETS: Record<string, { seconds?: number; rssMb?: number }> = { xlsx: { seconds: 15, rssMb: 160 }, csv: { seconds: 4 }, json: { seconds: 5 } };

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    reuse: { type: 'boolean', default: false },
    formats: { type: 'string', default: 'xlsx,csv,json' },
    database: { type: 'string', default: 'atende_bench_export' },
    json: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of the server (node --cpu-prof) into this directory on exit.
    'cpu-prof': { type: 'string' },
  },
});
const rows = Number(args.rows);
const formats = args.formats.split(',').map((f) => f.trim());
const dbUrl = benchDatabaseUrl(args.database);

/**
 * Counts data rows as the bytes stream by, without keeping or decoding them: CRLF line ends
 * (csv) or "\n{" object starts (json). Both markers are ASCII, which never occurs inside a
 * UTF-8 multi-byte sequence, so bytes are searched directly (decoding 500 MB of json to strings
 * cost the client — which shares the machine's two cores with the server — about 2 s).
 */
function rowCounter(format: string) {
  let count = 0;
  const [first, second] = format === 'csv' ? [0x0d, 0x0a] : [0x0a, 0x7b];
  let lastByte = -1;
  return {
    onChunk(bytes: Uint8Array) {
      if (bytes.length === 0) return;
      // A view, not a copy: Buffer's indexOf is a native memchr.
      const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      if (lastByte === first && chunk[0] === second) count++;
      for (let i = chunk.indexOf(second, 1); i !== -1; i = chunk.indexOf(second, i + 1)) if (chunk[i - 1] === first) count++;
      lastByte = chunk[chunk.length - 1]!;
    },
    // csv: the header line is not a contact.
    rows: () => (format === 'csv' ? count - 1 : format === 'json' ? count : undefined),
  };
}

async function auditedRows(format: string): Promise<number | undefined> {
  return withClient(dbUrl, async (c) => {
    const { rows: r } = await c.query<{ meta: { rows: number } }>(
      `SELECT meta FROM audit_log WHERE action = 'contact.export' AND meta->>'format' = $1 ORDER BY id DESC LIMIT 1`,
      [format],
    );
    return r[0]?.meta.rows;
  });
}

const TICKS_PER_S = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.length > 13 ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S : 0;
}

/**
 * CPU seconds used by the server process and by the database's backends serving it: unlike
 * wall time, these hardly move when other work shares the machine. The backends are the
 * bench database's connections (pg_stat_activity) other than this script's own.
 */
async function cpuSnapshot(serverPid: number): Promise<{ server: number; backends: Map<number, number> }> {
  const pids = await withClient(dbUrl, async (c) => {
    const { rows: r } = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    return r.map((x) => x.pid);
  });
  const backends = new Map<number, number>();
  for (const pid of pids) backends.set(pid, await cpuSeconds(pid));
  return { server: await cpuSeconds(serverPid), backends };
}

async function cpuUsedSince(serverPid: number, before: { server: number; backends: Map<number, number> }) {
  const after = await cpuSnapshot(serverPid);
  let database = 0;
  for (const [pid, s] of after.backends) database += s - (before.backends.get(pid) ?? 0);
  return { serverCpuS: Number((after.server - before.server).toFixed(2)), databaseCpuS: Number(database.toFixed(2)) };
}

async function main() {
  await ensureCompiled();
  await prepareBenchDatabase(args.database, rows, args.reuse);
  const server = await startServerProcess({ DATABASE_URL: dbUrl, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }, 60_000, {
    compiled: true,
    nodeArgs: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [],
  });
  try {
    const token = await loginTo(server, ADMIN);
    const idle = await server.rss();
    console.log(`server pid ${server.pid}, idle RSS ${(idle / MB).toFixed(0)} MB (before any export)\n`);
    const measured: Record<string, { seconds: number; peakRssMb: number; sizeMb: number; serverCpuS: number; databaseCpuS: number }> = {};
    console.log(['format', '     rows', 'seconds', '  rows/s', 'size MB', 'peak RSS MB (+over idle)', 'CPU s server+db', 'target'].join('   '));
    for (const format of formats) {
      const counter = rowCounter(format);
      const cpuBefore = await cpuSnapshot(server.pid);
      const d = await measuredDownload(server, `${server.url}/contacts/export?format=${format}`, token, counter.onChunk);
      if (d.status !== 200) throw new Error(`${format}: HTTP ${d.status}`);
      const cpu = await cpuUsedSince(server.pid, cpuBefore);
      // The audit entry is the server's own count; the client-side count double-checks csv/json.
      const audited = await auditedRows(format);
      const counted = counter.rows();
      if (audited !== rows || (counted !== undefined && counted !== rows)) {
        throw new Error(`${format}: expected ${rows} rows, server audited ${audited}, file has ${counted}`);
      }
      const target = TARGETS[format] ?? {};
      const verdict = [
        target.seconds ? `${d.seconds <= target.seconds ? 'ok' : 'MISSED'} ≤ ${target.seconds} s` : '',
        target.rssMb ? `${d.peakRss / MB <= target.rssMb ? 'ok' : 'MISSED'} ≤ ${target.rssMb} MB` : '',
      ].filter(Boolean).join(', ');
      measured[format] = { seconds: Number(d.seconds.toFixed(2)), peakRssMb: Math.round(d.peakRss / MB), sizeMb: Number((d.bytes / MB).toFixed(1)), ...cpu };
      const mb = (bytes: number) => (bytes / MB).toFixed(0);
      const cells = [
        format.padEnd(6),
        rows.toLocaleString('en').padStart(9),
        d.seconds.toFixed(1).padStart(7),
        Math.round(rows / d.seconds).toLocaleString('en').padStart(8),
        (d.bytes / MB).toFixed(1).padStart(7),
        `${mb(d.peakRss)} (+${mb(d.peakRss - idle)})`.padStart(12),
        `${cpu.serverCpuS.toFixed(1)}+${cpu.databaseCpuS.toFixed(1)}`.padStart(15),
        rows >= 1_000_000 ? verdict : `(targets are for 1M rows) ${verdict}`,
      ];
      console.log(cells.join('   '));
    }
    if (args.json) console.log(JSON.stringify({ bench: 'export', rows, idleRssMb: Math.round(idle / MB), formats: measured }));
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
