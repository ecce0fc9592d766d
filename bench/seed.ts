// Seeds realistic PT-BR contacts fast, for benchmarks (bench:list, bench:export) and for tests
// that need many rows. Rows go in through raw SQL, `INSERT … SELECT FROM unnest($arrays)` in
// batches: one round trip per few thousand rows, ~20x faster than row-by-row inserts.
// Values are deterministic for a given `seed`, phones are unique E.164 BR mobiles, and a few
// values begin with = + - @ so exports' formula-injection guard gets exercised.
import type { NewContactRow } from '../src/contacts/contact-repository.ts';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { buildReasonSearch, buildSearchText } from '../src/contacts/contact-filters.ts';
import { foldForSearch } from '../src/contacts/fields.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';

export interface SeedOptions {
  /** PRNG seed: same seed, same names/reasons/dates (ids differ). Default 1. */
  seed?: number;
  /** Index of the first generated contact; phones derive from it, so seeding again with a
   * different range never collides. Default 0. */
  firstIndex?: number;
  /** Rows per INSERT. Default 5000 (PostgreSQL) / 1000 (Prisma). */
  batchSize?: number;
  /** created_at rises with insertion order, spread evenly over [now - spanDays, now] with
   * jitter — like a real table, where rows are appended as time passes. Default now / 730 days. */
  now?: Date;
  spanDays?: number;
  /** Share of rows with a value starting with = + - @ (0..1). Default 0.01. */
  formulaRatio?: number;
  /** PostgreSQL URL only: drop the contacts table's secondary indexes while loading and
   * rebuild them after (much faster for 100k+ rows into a table nobody else is using). */
  rebuildIndexes?: boolean;
  onProgress?: (inserted: number, total: number) => void;
}

/** A contact row as the repository writes it, plus the id and time the seed chooses. */
export interface SeededContact extends NewContactRow {
  id: string;
  createdAt: Date;
}

export interface SeedResult {
  inserted: number;
  ms: number;
}

const FIRST = ['Maria', 'João', 'José', 'Ana', 'Antônio', 'Francisco', 'Conceição', 'Luís', 'Márcia', 'Fátima', 'Sônia', 'Vitória',
  'Inês', 'Carlos', 'Paulo', 'Pedro', 'Lucas', 'Luíza', 'Gabriel', 'Júlia', 'Rafael', 'Letícia', 'Mateus', 'Beatriz', 'Sebastião',
  'Raimunda', 'Cláudia', 'Fernanda', 'André', 'Patrícia', 'Tiago', 'Camila', 'Rogério', 'Aline', 'Marcelo', 'Simone', 'Élida', 'Otávio'];
const LAST = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Lima', 'Pereira', 'Ferreira', 'Costa', 'Rodrigues', 'Almeida', 'Nascimento',
  'Araújo', 'Gonçalves', 'Magalhães', 'Simões', 'Conceição', 'Brandão', 'Falcão', 'Guimarães', 'Assunção', 'Melo', 'Barbosa',
  'Ribeiro', 'Carvalho', 'Gomes', 'Martins', 'Rocha', 'Dias', 'Teixeira', 'Cardoso', 'Leão', 'Damião'];
const REASONS = ['apoio emocional', 'dúvida sobre cadastro', 'segunda via de boleto', 'agendamento de consulta',
  'informações sobre matrícula', 'reclamação de atendimento', 'orientação jurídica', 'renegociação de dívida',
  'troca de endereço', 'cancelamento de serviço', 'solicitação de visita técnica', 'acompanhamento de pedido',
  'inscrição no programa social', 'dúvida sobre benefício', 'atualização de dados', 'elogio à equipe',
  'pedido de orçamento', 'problema com entrega', 'vaga de emprego', 'doação de alimentos'];
const DETAILS = ['', '', '', ' — urgente', ' para a família', ' pelo WhatsApp', ' de manhã', ', ligar depois das 18h',
  ' (já tentou antes)', ' na unidade centro', ' com a assistente social', ' sobre o mês passado'];
const FORMULAS = ['=', '+', '-', '@'];
const DOMAINS = ['gmail.com', 'hotmail.com', 'outlook.com', 'yahoo.com.br', 'uol.com.br', 'bol.com.br', 'exemplo.com.br'];
// Area codes (DDD) in use in Brazil.
const DDDS = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47, 48,
  49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93,
  94, 95, 96, 97, 98, 99];
// [channel, weight]: WhatsApp dominates, as it does for the product's users.
const CHANNELS: [string, number][] = [['whatsapp', 55], ['whatsapp-cloud', 10], ['web', 15], ['telegram', 10], ['api', 10]];
const STAFF = Array.from({ length: 8 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);

/** mulberry32: tiny deterministic PRNG, good enough for test data. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A unique, valid BR mobile for each index: DDD + 9 + 8 digits, scrambled so neighbours differ. */
export function seedPhone(index: number): string {
  const ddd = DDDS[index % DDDS.length]!;
  const rest = Math.floor(index / DDDS.length);
  // 7919 is coprime with 10^8, so this is a bijection on 0..10^8-1: no two indexes collide.
  const subscriber = (rest * 7919 + 1_234_567) % 100_000_000;
  return `+55${ddd}9${String(subscriber).padStart(8, '0')}`;
}

export function* generateContacts(n: number, options: SeedOptions = {}): Generator<SeededContact> {
  const rnd = prng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const now = (options.now ?? new Date()).getTime();
  const span = (options.spanDays ?? 730) * 86_400_000;
  const formulaRatio = options.formulaRatio ?? 0.01;
  const totalWeight = CHANNELS.reduce((s, [, w]) => s + w, 0);
  const first = options.firstIndex ?? 0;
  for (let i = first; i < first + n; i++) {
    const given = pick(FIRST);
    const family = rnd() < 0.4 ? `${pick(LAST)} ${pick(LAST)}` : pick(LAST);
    let name = `${given} ${family}`;
    let reason = pick(REASONS) + pick(DETAILS);
    const phone = seedPhone(i);
    let email: string | null = rnd() < 0.6 ? `${foldForSearch(given)}.${foldForSearch(family.split(' ')[0]!)}${i}@${pick(DOMAINS)}` : null;
    if (rnd() < formulaRatio) {
      const which = Math.floor(rnd() * 3);
      const mark = pick(FORMULAS);
      if (which === 0) name = `${mark}${name}`;
      else if (which === 1) reason = `${mark}SOMA(1;2) ${reason}`;
      else email = `${mark === '@' ? '+' : mark}${email ?? `x${i}@exemplo.com.br`}`;
    }
    let roll = rnd() * totalWeight;
    const channel = CHANNELS.find(([, w]) => (roll -= w) < 0)?.[0] ?? 'whatsapp';
    const createdAt = new Date(now - span + Math.floor(((i - first + rnd()) * span) / n));
    const mode = channel === 'api' ? 'api' : rnd() < 0.8 ? 'contact' : 'attendant';
    const digits = phone.slice(1);
    const sourceChatId =
      channel === 'whatsapp' ? `${digits}@s.whatsapp.net` : channel === 'whatsapp-cloud' ? digits
        : channel === 'telegram' ? String(100_000_000 + i) : channel === 'web' ? randomUUID() : null;
    yield {
      id: randomUUID(),
      name,
      phone,
      email,
      reason,
      sourceChannel: channel,
      sourceChatId,
      createdBy: mode === 'contact' ? 'bot' : pick(STAFF),
      mode,
      consentAt: mode === 'contact' ? createdAt : null,
      createdAt,
    };
  }
}

// The protocol is drawn with 12 characters, as the migration's backfill does: the default's 8
// (31^8 codes) is sized for one contact at a time with a retry, and a million drawn at once
// collide on the unique index with a probability of about one half (birthday bound).
const INSERT = `
INSERT INTO contacts (id, name, phone, email, reason, source_channel, source_chat_id, created_by, mode, consent_at,
                      search_text, reason_search, created_at, updated_at, protocol)
SELECT id, name, phone, email, reason, source_channel, source_chat_id, created_by, mode, consent_at,
       search_text, reason_search, created_at, created_at, new_protocol(12)
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::timestamptz[], $11::text[], $12::text[], $13::timestamptz[])
  AS t(id, name, phone, email, reason, source_channel, source_chat_id, created_by, mode, consent_at,
       search_text, reason_search, created_at)`;

function columns(rows: SeededContact[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 13 }, () => new Array(rows.length));
  rows.forEach((r, j) => {
    const values = [r.id, r.name, r.phone, r.email, r.reason, r.sourceChannel, r.sourceChatId, r.createdBy, r.mode,
      r.consentAt?.toISOString() ?? null, buildSearchText(r), buildReasonSearch(r.reason), r.createdAt.toISOString()];
    values.forEach((v, k) => (cols[k]![j] = v));
  });
  return cols;
}

type Exec = (sql: string, params: unknown[]) => Promise<unknown>;

async function load(exec: Exec, n: number, options: SeedOptions, defaultBatch: number): Promise<number> {
  const batchSize = options.batchSize ?? defaultBatch;
  let batch: SeededContact[] = [];
  let inserted = 0;
  // One batch in flight while the next is generated: the CPU work of building rows overlaps
  // the database's work of inserting them.
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    const rows = batch;
    batch = [];
    await inFlight;
    inFlight = exec(INSERT, columns(rows)).then(() => {
      inserted += rows.length;
      options.onProgress?.(inserted, n);
    });
  };
  for (const contact of generateContacts(n, options)) {
    batch.push(contact);
    if (batch.length === batchSize) await flush();
  }
  if (batch.length) await flush();
  await inFlight;
  return inserted;
}

/**
 * Inserts `n` contacts into a migrated database, given as a PostgreSQL URL (fastest) or a
 * PrismaClient (works on PGlite too).
 */
export async function seedContacts(target: string | PrismaClient, n: number, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  if (typeof target !== 'string') {
    const inserted = await load((sql, params) => target.$executeRawUnsafe(sql, ...params), n, options, 1000);
    return { inserted, ms: performance.now() - started };
  }
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    // Each batch is its own transaction: losing durability of a half-done seed costs nothing.
    await client.query('SET synchronous_commit = off');
    // Index rebuilds (GIN trigram especially) sort in memory when allowed to.
    await client.query("SET maintenance_work_mem = '512MB'");
    const dropped = options.rebuildIndexes ? await dropSecondaryIndexes(client) : [];
    const inserted = await load((sql, params) => client.query(sql, params), n, options, 5000);
    for (const definition of dropped) await client.query(definition);
    if (dropped.length || n >= 10_000) await client.query('ANALYZE contacts');
    return { inserted, ms: performance.now() - started };
  } finally {
    await client.end();
  }
}

/** Drops the contacts indexes that no constraint needs; returns the statements that rebuild them. */
async function dropSecondaryIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = 'contacts'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        AND i.indexdef NOT LIKE 'CREATE UNIQUE%'`,
  );
  for (const r of rows) await client.query(`DROP INDEX "${r.indexname}"`);
  return rows.map((r) => r.indexdef);
}
