// Moves an embedded (PGlite) atende database into an empty PostgreSQL database: both are
// brought to the same migration level, then every table is copied in foreign-key order
// (rows travel as JSON and are rebuilt by json_populate_recordset, so enums, timestamps,
// bytea and jsonb keep their types), and the id sequences are moved past the copied ids.
// The stock pg_dump cannot read PGlite's files, hence this. Runs in one transaction on the
// target: it either copies everything or nothing.
import pg from 'pg';
import { openDatabase } from './database.ts';
import type { SqlRunner } from './sql-runner.ts';

const BATCH = 1000;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function tablesInForeignKeyOrder(sql: SqlRunner): Promise<string[]> {
  const tables = (await sql.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
  )).map((t) => t.name);
  const refs = await sql.query<{ child: string; parent: string }>(
    `SELECT DISTINCT tc.table_name AS child, ccu.table_name AS parent
       FROM information_schema.table_constraints tc
       JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
      WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'`,
  );
  const ordered: string[] = [];
  const visit = (t: string, path: string[] = []) => {
    if (ordered.includes(t) || path.includes(t)) return;
    for (const r of refs) if (r.child === t && r.parent !== t) visit(r.parent, [...path, t]);
    ordered.push(t);
  };
  for (const t of tables) visit(t);
  return ordered;
}

export interface MoveReport {
  tables: { name: string; rows: number }[];
}

/** Copies the PGlite database in `pgliteDir` into the empty PostgreSQL at `databaseUrl`. */
export async function movePgliteToPostgres(pgliteDir: string, databaseUrl: string): Promise<MoveReport> {
  const source = await openDatabase({ dataDir: pgliteDir });
  const target = await openDatabase({ databaseUrl });
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  try {
    await source.migrate();
    await target.migrate();
    const tables = await tablesInForeignKeyOrder(source.sql);
    await client.connect();
    for (const t of tables) {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(t)}`);
      if (Number(rows[0]!.n) > 0) throw new Error(`the target database is not empty (table ${t} has rows); use a new, empty database`);
    }
    const report: MoveReport = { tables: [] };
    await client.query('BEGIN');
    for (const t of tables) {
      const columns = (await source.sql.query<{ name: string; serial: boolean }>(
        `SELECT column_name AS name, coalesce(column_default LIKE 'nextval(%', false) AS serial FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
        [t],
      ));
      const list = columns.map((c) => ident(c.name)).join(', ');
      let copied = 0;
      for (;;) {
        // ctid order is stable while nothing writes: the app must be stopped.
        const [batch] = await source.sql.query<{ rows: unknown[] | null }>(
          `SELECT json_agg(x) AS rows FROM (SELECT * FROM ${ident(t)} ORDER BY ctid LIMIT ${BATCH} OFFSET ${copied}) x`,
        );
        const rows = batch?.rows ?? [];
        if (!rows.length) break;
        await client.query(`INSERT INTO ${ident(t)} (${list}) SELECT ${list} FROM json_populate_recordset(null::${ident(t)}, $1::json)`, [JSON.stringify(rows)]);
        copied += rows.length;
        if (rows.length < BATCH) break;
      }
      for (const c of columns.filter((col) => col.serial)) {
        await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${ident(c.name)}) FROM ${ident(t)}), 0) + 1, false)`, [t, c.name]);
      }
      report.tables.push({ name: t, rows: copied });
    }
    await client.query('COMMIT');
    return report;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end().catch(() => {});
    await target.close();
    await source.close();
  }
}
