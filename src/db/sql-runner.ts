/**
 * The few raw-SQL operations that Prisma's client cannot do for us: run a multi-statement
 * migration script, and hold a session-level lock while migrating. Implemented once for
 * PGlite and once for PostgreSQL.
 */
export interface SqlRunner {
  /** Runs a script that may hold several statements (simple query protocol, no params). */
  exec(sql: string): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` on one connection while holding a cluster-wide lock (migrations). */
  withExclusiveSession<T>(fn: (session: SqlRunner) => Promise<T>): Promise<T>;
}
