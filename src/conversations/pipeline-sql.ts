// Direct SQL for the message pipeline's hot path. Prisma is kept for everything else, but
// each of its calls costs ~0.5 ms of CPU here against ~0.1 ms for the same statement through
// `pg` (measured on these machines) — and a turn makes several. PostgreSQL gets a pool of
// its own; the embedded PGlite is queried directly (one connection, one process anyway).
import pg from 'pg';
import type { Database } from '../db/database.ts';

export interface PipelineSql {
  query<T>(statement: Fragment): Promise<T[]>;
  close(): Promise<void>;
}

export interface SqlStatement {
  text: string;
  values: unknown[];
}

export class Fragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: unknown[],
  ) {}
}

/** A composable tagged template: values become $n parameters, nested sql`` fragments inline. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Fragment {
  return new Fragment(strings, values);
}

/** Fragments one after the other, `separator` (SQL text, never a value) between them. */
export function join(parts: Fragment[], separator = ''): Fragment {
  return new Fragment(['', ...parts.map((_, i) => (i === parts.length - 1 ? '' : separator))], parts);
}

export function compile(fragment: Fragment): SqlStatement {
  const values: unknown[] = [];
  const walk = (f: Fragment): string =>
    f.strings.reduce((text, part, i) => {
      if (i === 0) return part;
      const value = f.values[i - 1];
      if (value instanceof Fragment) return text + walk(value) + part;
      values.push(value);
      return `${text}$${values.length}${part}`;
    }, '');
  return { text: walk(fragment), values };
}

export function createPipelineSql(db: Database, databaseUrl: string | undefined, poolSize: number): PipelineSql {
  if (db.kind === 'postgres' && databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
    // An idle connection dropped by the server (restart, outage) must not crash the process;
    // the next query gets a fresh one or fails, and its caller handles that.
    pool.on('error', () => {});
    return {
      query: async <T>(f: Fragment) => {
        const s = compile(f);
        return (await pool.query(s.text, s.values)).rows as T[];
      },
      close: () => pool.end(),
    };
  }
  return {
    query: <T>(f: Fragment) => {
      const s = compile(f);
      return db.sql.query(s.text, s.values) as Promise<T[]>;
    },
    close: async () => {},
  };
}

/** int8 comes back as a string (pg) or a number (PGlite). */
export const toBigInt = (v: unknown): bigint => BigInt(String(v));
