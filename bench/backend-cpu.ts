// CPU time the PostgreSQL server spent for one database: the sum of utime + stime (from
// /proc/<pid>/stat) of the backends connected to it. Unlike wall-clock throughput it hardly
// moves with other load on the machine, so it compares two versions of a statement fairly.
// Backends that appear between two readings count from zero (their start-up is included).
// Linux only; on another OS (or without access to the backends' /proc) it reads null.
import { readFile } from 'node:fs/promises';
import { type SqlClient, sql } from '../src/db/sql.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system) process `pid` has used so far, ms; null when it cannot be read. */
export async function cpuMsOf(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

export async function backendCpu(db: SqlClient): Promise<Map<number, number> | null> {
  const rows = await db.query<{ pid: number }>(sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = await cpuMsOf(Number(pid));
    if (ms === null) return null;
    out.set(Number(pid), ms);
  }
  return out;
}

/** Milliseconds of backend CPU between two readings (null when either could not be read). */
export function backendCpuSpent(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
