// Small conveniences for the contacts tests: a client for the contacts API with one token,
// and a scan of every table for a piece of text (to prove an erasure left nothing behind).
import type { ContactDto } from '../../src/contacts/contact-schemas.ts';
import type { TestApp } from './app.ts';

export interface ContactBody {
  name: string;
  phone: string;
  email?: string | null;
  reason: string;
}

export function contactsClient(t: TestApp, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const inject = t.atende.http.inject.bind(t.atende.http);
  return {
    create: (body: Partial<ContactBody> | Record<string, unknown>) => inject({ method: 'POST', url: '/contacts', headers, payload: body }),
    get: (id: string) => inject({ method: 'GET', url: `/contacts/${id}`, headers }),
    patch: (id: string, body: Record<string, unknown>) => inject({ method: 'PATCH', url: `/contacts/${id}`, headers, payload: body }),
    delete: (id: string) => inject({ method: 'DELETE', url: `/contacts/${id}`, headers }),
    data: (id: string) => inject({ method: 'GET', url: `/contacts/${id}/data`, headers }),
    list: (query: Record<string, string | number> = {}) =>
      inject({ method: 'GET', url: '/contacts', headers, query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) }),
    /** Creates and returns the contact, failing loudly on anything but 201. */
    async created(body: ContactBody): Promise<ContactDto> {
      const res = await inject({ method: 'POST', url: '/contacts', headers, payload: body });
      if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
      return res.json<ContactDto>();
    },
    /** Names of the contacts a filter returns (first page of up to 200). */
    async names(query: Record<string, string | number>): Promise<string[]> {
      const res = await inject({ method: 'GET', url: '/contacts', headers, query: Object.fromEntries(Object.entries({ limit: 200, ...query }).map(([k, v]) => [k, String(v)])) });
      if (res.statusCode !== 200) throw new Error(`list failed: ${res.statusCode} ${res.body}`);
      return res.json<{ items: ContactDto[] }>().items.map((c) => c.name).sort();
    },
  };
}

/** Tables (with the row count) whose rows contain `needle` anywhere in their text form. */
export async function tablesContaining(t: TestApp, needle: string): Promise<Record<string, number>> {
  const prisma = t.atende.db.prisma;
  const tables = await prisma.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const found: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(
      `SELECT count(*) AS n FROM "${table_name}" x WHERE strpos(lower(x::text), lower($1)) > 0`,
      needle,
    );
    if (Number(row?.n ?? 0) > 0) found[table_name] = Number(row!.n);
  }
  return found;
}
