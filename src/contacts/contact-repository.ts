// Contacts in the database: every statement on `contacts` and on the bot's save keys
// (`contact_saves`), and nothing about validation, audit or HTTP. SQL on the process's one
// pool; inside a transaction (an update with its audit entry and sync event, an erasure) the
// same statements run on the transaction's connection (sqlClientOf). Reads never select the
// derived search columns; they exist for the filters only.
import { Prisma, type PrismaClient, type SyncStatus } from '../generated/prisma/client.ts';
import { sqlClientOf } from '../db/transaction-sql.ts';
import { type AuditContext, type AuditEntry, auditInsert, auditReadInsert } from '../audit/audit-log.ts';
import { Fragment, join, prepared, type SqlClient, sql } from '../db/sql.ts';
import { buildReasonSearch, buildSearchText, type ContactFilters } from './contact-filters.ts';
import { afterCursorSql, listPageByMonthSql, readsByMonth } from './contact-list-query.ts';
import { contactWhereSql } from './export/filter-sql.ts';
import type { ListCursor } from './cursor.ts';
import type { ContactProvenance } from './provenance.ts';

/** A stored contact: what was written (NewContactRow) plus what the database keeps with it. */
export interface ContactRow extends Omit<NewContactRow, 'provenance'> {
  id: string;
  syncStatus: SyncStatus;
  syncError: string | null;
  syncedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  protocol: string;
  provenance: unknown;
}

/** Dates as Dates whichever client read the row (pg, PGlite, or Prisma inside a transaction). */
const date = (v: unknown) => (v == null ? null : new Date(v as string));
const asRow = (r: ContactRow): ContactRow => ({ ...r, consentAt: date(r.consentAt), syncedAt: date(r.syncedAt), createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) });

export interface NewContactRow {
  name: string;
  phone: string;
  email: string | null;
  reason: string;
  sourceChannel: string;
  sourceChatId: string | null;
  createdBy: string;
  mode: string;
  consentAt: Date | null;
  /** How each field was obtained (contacts/provenance.ts); null when unknown. */
  provenance?: ContactProvenance | null;
}

export type ContactChanges = Partial<Pick<NewContactRow, 'name' | 'phone' | 'email' | 'reason'>>;

/** A write refused by a unique index (a phone another contact has, a protocol drawn twice):
 * from Prisma (P2002), or from a direct statement (PostgreSQL's unique_violation, 23505). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) return err.code === 'P2002';
  return (err as { code?: unknown } | null)?.code === '23505';
}


const RETURNED = sql`id::text AS id, name, phone, email, reason, source_channel AS "sourceChannel", source_chat_id AS "sourceChatId",
  created_by AS "createdBy", mode, consent_at AS "consentAt", sync_status::text AS "syncStatus", sync_error AS "syncError",
  synced_at AS "syncedAt", created_at AS "createdAt", updated_at AS "updatedAt", protocol, provenance`;

/** The audit entry a listed page carries (AuditLog's `contact.list`): who, and which filters by name. */
export interface ListAudit {
  ctx: AuditContext;
  /** Names of the filters in use, never their values. */
  filters: string[];
}

/** The SELECT of one page (limit + 1 rows), newest first. */
function listPageSql(filters: ContactFilters, limit: number, cursor?: ListCursor): Fragment {
  // Searches of several words read month by month (contact-list-query.ts says why).
  if (readsByMonth(filters)) return listPageByMonthSql(RETURNED, filters, limit + 1, cursor, new Date());
  const where = cursor ? sql`${contactWhereSql(filters)} AND ${afterCursorSql(cursor)}` : contactWhereSql(filters);
  return sql`SELECT ${RETURNED} FROM contacts WHERE ${where} ORDER BY contacts.created_at DESC, contacts.id DESC LIMIT ${limit + 1}::int`;
}

/** What is written with a new contact, in the same statement: given as plain values. */
export interface ContactCreation {
  syncStatus: SyncStatus;
  /** The creation's audit entry (the contact's id filled in here). */
  audit: { ctx: AuditContext; entry: Omit<AuditEntry, 'entityId'> };
  /** Queue the `created` event of the webhook sync outbox. */
  syncEvent: boolean;
  /** The bot's save key: a repeat of the same save finds this contact by it. */
  saveKey?: { key: string; conversationId: string };
}

/**
 * One statement that inserts the contact with its audit entry, sync event and the bot's save
 * key as CTEs reading the new id: all of it commits or none, in one round trip — a Prisma
 * interactive transaction took five and ~2.8 ms of CPU here.
 */
function createContactStatement(row: NewContactRow, creation: ContactCreation): Fragment {
  const createdId = sql`(SELECT id FROM created)`;
  const alongside = [auditInsert(creation.audit.ctx, creation.audit.entry, sql`(SELECT id::text FROM created)`)];
  if (creation.syncEvent) alongside.push(sql`INSERT INTO contact_sync_events (contact_id, event) VALUES (${createdId}, 'created')`);
  if (creation.saveKey) {
    alongside.push(sql`INSERT INTO contact_saves (idempotency_key, conversation_id, contact_id)
      VALUES (${creation.saveKey.key}::varchar, ${creation.saveKey.conversationId}::uuid, ${createdId})`);
  }
  const ctes = alongside.map((statement, i) => new Fragment([`, also_${i} AS (`, ')'], [statement]));
  return sql`
    WITH created AS (
      INSERT INTO contacts (id, name, phone, email, reason, source_channel, source_chat_id, created_by, mode, consent_at, sync_status, search_text, reason_search, provenance, updated_at)
      VALUES (gen_random_uuid(), ${row.name}::varchar, ${row.phone}::varchar, ${row.email}::varchar, ${row.reason}::varchar, ${row.sourceChannel}::varchar,
              ${row.sourceChatId}::varchar, ${row.createdBy}::varchar, ${row.mode}::varchar, ${row.consentAt}::timestamptz, ${creation.syncStatus}::"SyncStatus",
              ${buildSearchText(row)}::text, ${buildReasonSearch(row.reason)}::text,
              ${row.provenance ? JSON.stringify(row.provenance) : null}::jsonb, now())
      RETURNING *
    )${join(ctes)}
    SELECT ${RETURNED} FROM created`;
}

export class ContactRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly db: SqlClient,
  ) {}

  /** Runs `fn` in one transaction: a write and its audit entry commit together or not at all. */
  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  private on(tx?: Prisma.TransactionClient): SqlClient {
    return tx ? sqlClientOf(tx) : this.db;
  }

  /** The contact, its audit entry, the sync event and the bot's save key, in one statement. */
  async create(row: NewContactRow, creation: ContactCreation): Promise<ContactRow> {
    const [created] = await this.db.query<ContactRow>(prepared(createContactStatement(row, creation)));
    return asRow(created!);
  }

  async findById(id: string, tx?: Prisma.TransactionClient): Promise<ContactRow | null> {
    const [row] = await this.on(tx).query<ContactRow>(sql`SELECT ${RETURNED} FROM contacts WHERE id = ${id}::uuid`);
    return row ? asRow(row) : null;
  }

  async findByPhone(phone: string, tx?: Prisma.TransactionClient): Promise<ContactRow | null> {
    const [row] = await this.on(tx).query<ContactRow>(sql`SELECT ${RETURNED} FROM contacts WHERE phone = ${phone}::varchar`);
    return row ? asRow(row) : null;
  }

  /**
   * One page newest first, plus one row more than asked so the caller knows if more follow.
   * With `audit`, the page's `contact.list` entry (filter names, the count of rows shown,
   * whether a cursor continued a listing) is written by the same statement: one round trip.
   */
  async listPage(filters: ContactFilters, limit: number, cursor?: ListCursor, audit?: ListAudit): Promise<ContactRow[]> {
    const page = listPageSql(filters, limit, cursor);
    if (!audit) return (await this.db.query<ContactRow>(page)).map(asRow);
    const meta = sql`jsonb_build_object('filters', ${JSON.stringify(audit.filters)}::jsonb, 'count', LEAST(counted.n, ${limit}::int), 'continued', ${cursor !== undefined}::boolean)`;
    // MATERIALIZED: the page is read once, for the answer and for the entry's count. The CTE's
    // rows keep no order of their own, hence the ORDER BY (of at most limit + 1 rows).
    const rows = await this.db.query<ContactRow>(sql`
      WITH page AS MATERIALIZED (${page}),
           entry AS (${auditReadInsert(audit.ctx, { action: 'contact.list', entityType: 'contact' }, meta, sql`(SELECT count(*)::int AS n FROM page) AS counted`)})
      SELECT * FROM page ORDER BY page."createdAt" DESC, page.id::uuid DESC`);
    return rows.map(asRow);
  }

  /** Applies `changes` on top of `current`, keeping the search columns in step (and `provenance` when given). */
  async update(current: ContactRow, changes: ContactChanges, tx?: Prisma.TransactionClient, provenance?: ContactProvenance): Promise<ContactRow> {
    const next = { ...current, ...changes };
    const set = [
      ...(['name', 'phone', 'email', 'reason'] as const).filter((f) => changes[f] !== undefined).map((f) => sql`${sql([f] as unknown as TemplateStringsArray)} = ${changes[f] ?? null}::varchar`),
      ...(provenance ? [sql`provenance = ${JSON.stringify(provenance)}::jsonb`] : []),
      ...(changes.name !== undefined || changes.email !== undefined || changes.phone !== undefined ? [sql`search_text = ${buildSearchText(next)}::text`] : []),
      ...(changes.reason !== undefined ? [sql`reason_search = ${buildReasonSearch(next.reason)}::text`] : []),
      sql`updated_at = now()`,
    ];
    const [row] = await this.on(tx).query<ContactRow>(sql`UPDATE contacts SET ${join(set, ', ')} WHERE id = ${current.id}::uuid RETURNING ${RETURNED}`);
    return asRow(row!);
  }

  /** Hard delete: the row is gone, not flagged. Returns false when it did not exist. */
  async delete(id: string, tx?: Prisma.TransactionClient): Promise<boolean> {
    const rows = await this.on(tx).query(sql`DELETE FROM contacts WHERE id = ${id}::uuid RETURNING 1`);
    return rows.length === 1;
  }

  /** The contact the bot's save under this key made (a repeated save finds it by the key). */
  async savedUnder(key: string): Promise<string | null> {
    const [row] = await this.db.query<{ contactId: string }>(sql`SELECT contact_id::text AS "contactId" FROM contact_saves WHERE idempotency_key = ${key}::varchar`);
    return row?.contactId ?? null;
  }

  /** Remembers which contact a save key made or updated (the first answer stays). */
  async rememberSave(key: string, conversationId: string, contactId: string): Promise<void> {
    await this.db.query(sql`
      INSERT INTO contact_saves (idempotency_key, conversation_id, contact_id) VALUES (${key}::varchar, ${conversationId}::uuid, ${contactId}::uuid)
      ON CONFLICT (idempotency_key) DO NOTHING`);
  }

  /** The contact holding this phone, unless it is the one saved under `key` (then null). */
  async otherWithPhone(phone: string, key: string): Promise<{ id: string; name: string; createdAt: Date } | null> {
    const [row] = await this.db.query<{ id: string; name: string; createdAt: Date }>(prepared(sql`
      SELECT c.id::text AS id, c.name, c.created_at AS "createdAt" FROM contacts c
       WHERE c.phone = ${phone}::varchar
         AND NOT EXISTS (SELECT 1 FROM contact_saves s WHERE s.idempotency_key = ${key}::varchar AND s.contact_id = c.id)`));
    return row ? { ...row, createdAt: new Date(row.createdAt) } : null;
  }
}
