// Proves an erasure or purge left nothing: every text-like column (text, varchar, char,
// json, jsonb) of every table in the schema, as listed by information_schema, is searched
// for each needle (case-insensitive). A table added later is scanned without changing this.
import type { TestApp } from './app.ts';

export type Findings = Record<string, number>;

/** "table.column" → rows holding any of the needles there. */
export async function personalDataScan(t: TestApp, needles: string[]): Promise<Findings> {
  const prisma = t.atende.db.prisma;
  const columns = await prisma.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
      ORDER BY 1, 2`,
  );
  if (columns.length < 20) throw new Error(`the scan found only ${columns.length} text columns: is the schema there?`);
  const found: Findings = {};
  for (const { table_name, column_name } of columns) {
    const any = needles.map((_, i) => `strpos(lower("${column_name}"::text), lower($${i + 1})) > 0`).join(' OR ');
    const [row] = await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "${table_name}" WHERE ${any}`, ...needles);
    if (Number(row?.n ?? 0) > 0) found[`${table_name}.${column_name}`] = Number(row!.n);
  }
  return found;
}

/** The needles of one person: name parts, phone in the forms seen in chats, e-mail. */
export function needlesOf(person: { name: string; phone: string; email: string }): string[] {
  const digits = person.phone.replace(/\D/g, '');
  return [...person.name.split(' ').filter((p) => p.length > 3), digits, digits.slice(2), digits.slice(-8), `${digits.slice(-8, -4)}-${digits.slice(-4)}`, person.email];
}
