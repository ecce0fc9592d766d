// The database's side of bench:list: for a scenario's query string, the SQL Prisma sends for
// that page (captured from Prisma's query events), run under EXPLAIN ANALYZE on PostgreSQL.
// Reports the plan's scan and execution times, which — unlike HTTP latencies on a shared
// 2-core machine — hardly depend on what the neighbours are doing.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { contactFiltersSchema, contactWhere } from '../src/contacts/contact-filters.ts';
import { compile } from '../src/db/sql.ts';
import { ContactRepository } from '../src/contacts/contact-repository.ts';
import { decodeCursor } from '../src/contacts/cursor.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';

export interface PlanSummary {
  /** The scan nodes of the plan, outermost first, e.g. "Index Scan using contacts_created_at_id_idx". */
  scans: string[];
  executionMs: number[];
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode, out: string[] = []): string[] {
  if (node['Node Type'].includes('Scan')) out.push(node['Index Name'] ? `${node['Node Type']} using ${node['Index Name']}` : node['Node Type']);
  for (const child of node.Plans ?? []) scansOf(child, out);
  return out;
}

/** Captures the SQL of each listing and explains it `runs` times (execution times, ms). */
export async function explainListings(url: string, queries: Record<string, string>[], runs = 5): Promise<PlanSummary[]> {
  const captured: { sql: string; params: unknown[] }[] = [];
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 1 }), log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', (e) => captured.push({ sql: e.query, params: JSON.parse(e.params) as unknown[] }));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const repo = new ContactRepository(prisma, { query: async (f) => { const s = compile(f); return (await client.query(s.text, s.values)).rows; } });
    const out: PlanSummary[] = [];
    for (const query of queries) {
      const { cursor, limit, ...filters } = query;
      captured.length = 0;
      await repo.listPage(contactWhere(contactFiltersSchema.parse(filters)), Number(limit ?? 50), cursor ? decodeCursor(cursor) : undefined);
      const { sql, params } = captured[0]!;
      const summary: PlanSummary = { scans: [], executionMs: [] };
      for (let i = 0; i < runs; i++) {
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
        const [result] = rows[0]!['QUERY PLAN'];
        summary.scans = scansOf(result.Plan);
        summary.executionMs.push(result['Execution Time']);
      }
      out.push(summary);
    }
    return out;
  } finally {
    await client.end();
    await prisma.$disconnect();
  }
}
