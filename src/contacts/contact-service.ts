// The contacts use cases, shared by the REST API, the MCP tools and the chat bot: validation
// through the intake form, the duplicate-phone rule, LGPD erasure and portability, and an
// audit entry (ids and names only, never values) for every access to personal data.
import { Counter, type Registry } from 'prom-client';
import { type AuditContext, type AuditLog } from '../audit/audit-log.ts';
import type { SqlClient } from '../db/sql.ts';
import type { Prisma, PrismaClient, SyncStatus } from '../generated/prisma/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { toContactDto, toPortabilityDocument, type UpdateRequestEntry } from './contact-dto.ts';
import { type ContactFilters, filterNames } from './contact-filters.ts';
import { type ContactInput, normalizeContactInput } from './contact-input.ts';
import { type ContactChanges, type ContactCreation, ContactRepository, type ContactRow, isUniqueViolation } from './contact-repository.ts';
import { type ContactDto, MAX_PAGE_SIZE, type PortabilityDocument } from './contact-schemas.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { FieldName } from './fields.ts';
import { staffEdit, type ContactProvenance, withChangedFields } from './provenance.ts';

export type { ContactInput } from './contact-input.ts';
export type { ContactDto, PortabilityDocument } from './contact-schemas.ts';

export interface ContactSource {
  /** 'api' for REST; otherwise the chat channel (web, whatsapp, telegram…). */
  channel: string;
  chatId?: string | null;
  mode: 'api' | 'contact' | 'attendant';
  /** A user id, or 'bot'. */
  createdBy: string;
  consentAt?: Date | null;
  /** How each field was obtained (a chat's rules, model, answers…); stored with the contact. */
  provenance?: ContactProvenance | null;
}

/**
 * Erases what another module holds about a contact being deleted (e.g. message texts of its
 * conversations), inside the delete's transaction: the erasure is all or nothing.
 */
export type ContactEraser = (contact: ContactRow, tx: Prisma.TransactionClient) => Promise<void>;

/** Reads the person's conversations for the portability document (the conversations module). */
export type ContactHistoryReader = (contact: ContactRow) => Promise<PortabilityDocument['conversations']>;

/**
 * Told of every contact created or changed, as part of the write (e.g. to queue a sync event
 * that commits with the contact, or not at all), and once it has committed.
 */
export interface ContactWriteHook {
  /** Joins the creating statement: the sync status the row starts with, and whether the
   * outbox's `created` event is queued with it. */
  onCreate(): { syncStatus?: SyncStatus; syncEvent?: boolean };
  /** Inside an update's transaction; may return the row as changed by the hook. */
  inTransaction(row: ContactRow, event: 'updated', tx: Prisma.TransactionClient): Promise<ContactRow>;
  afterCommit?(row: ContactRow): void;
}

export interface ContactServiceDeps {
  prisma: PrismaClient;
  /** Direct SQL: a creation is one statement (contact, audit entry, hooks) on this. */
  sql: SqlClient;
  audit: AuditLog;
  /** Where `atende_contacts_created_total` is registered; no metric without it. */
  registry?: Registry;
}

const PROTOCOL_ATTEMPTS = 3;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function duplicatePhone(existing: ContactRow): ConflictError {
  return new ConflictError('duplicate-phone', `contact ${existing.id} already has this phone number`, {
    field: 'phone',
    existingContactId: existing.id,
    existingSince: existing.createdAt.toISOString(),
  });
}

function createdCounter(registry: Registry | undefined) {
  if (!registry) return undefined;
  const name = 'atende_contacts_created_total';
  return (registry.getSingleMetric(name) as Counter<'channel' | 'mode'> | undefined) ??
    new Counter({ name, help: 'Contacts created, by source channel and mode', labelNames: ['channel', 'mode'] as const, registers: [registry] });
}

export class ContactService {
  private readonly repo: ContactRepository;
  private readonly sql: SqlClient;
  private readonly audit: AuditLog;
  private readonly created?: Counter<'channel' | 'mode'>;
  private readonly erasers: ContactEraser[] = [];
  private history?: ContactHistoryReader;
  private requests?: (contactId: string) => Promise<UpdateRequestEntry[]>;
  private readonly writeHooks: ContactWriteHook[] = [];

  constructor(deps: ContactServiceDeps) {
    this.repo = new ContactRepository(deps.prisma, deps.sql);
    this.sql = deps.sql;
    this.audit = deps.audit;
    this.created = createdCounter(deps.registry);
  }

  /** Lets a module follow every contact write (contact sync). */
  onWrite(hook: ContactWriteHook): void {
    this.writeHooks.push(hook);
  }

  private async afterWrite(row: ContactRow, event: 'updated', tx: Prisma.TransactionClient): Promise<ContactRow> {
    for (const hook of this.writeHooks) row = await hook.inTransaction(row, event, tx);
    return row;
  }

  private committed(row: ContactRow): void {
    for (const hook of this.writeHooks) hook.afterCommit?.(row);
  }

  /** Lets a module that stores data about contacts take part in their erasure. */
  onErase(eraser: ContactEraser): void {
    this.erasers.push(eraser);
  }

  /** Lets the conversations module add the person's chats to the portability document. */
  /** Lets the update requests' owner add them to the portability document. */
  onExportRequests(reader: (contactId: string) => Promise<UpdateRequestEntry[]>): void {
    this.requests = reader;
  }

  onExport(reader: ContactHistoryReader): void {
    this.history = reader;
  }

  /**
   * One statement: the contact, its audit entry, what the hooks ask for (the sync event) and
   * the bot's save key (`saveKey`) commit together. A duplicate phone is found by the unique
   * key, not by a read first: the happy path costs no extra round trip, and no race slips
   * between the two.
   */
  async create(input: ContactInput, source: ContactSource, ctx: AuditContext, options: { saveKey?: ContactCreation['saveKey'] } = {}): Promise<ContactDto> {
    const fields = normalizeContactInput(input, true);
    const phone = fields.phone!;
    const creation: ContactCreation = {
      syncStatus: 'disabled',
      audit: { ctx, entry: { action: 'contact.create', entityType: 'contact', meta: { channel: source.channel, mode: source.mode } } },
      syncEvent: false,
      ...(options.saveKey ? { saveKey: options.saveKey } : {}),
    };
    for (const hook of this.writeHooks) {
      const part = hook.onCreate();
      if (part.syncStatus) creation.syncStatus = part.syncStatus;
      if (part.syncEvent) creation.syncEvent = true;
    }
    let row: ContactRow | undefined;
    // The database draws the protocol; one drawn twice (≈1 in 10^6 with a million contacts)
    // fails the unique index while the phone is free: draw again.
    for (let attempt = 1; !row; attempt++) {
      try {
        row = await this.insert(fields, phone, source, creation);
      } catch (err) {
        const explained = await this.explainConflict(err, phone);
        if (explained !== err || !isUniqueViolation(err) || attempt >= PROTOCOL_ATTEMPTS) throw explained;
      }
    }
    this.committed(row);
    this.created?.inc({ channel: source.channel, mode: source.mode });
    return toContactDto(row);
  }

  private async insert(fields: ReturnType<typeof normalizeContactInput>, phone: string, source: ContactSource, creation: ContactCreation): Promise<ContactRow> {
    return this.repo.create(
        {
          name: fields.name!,
          phone,
          email: fields.email ?? null,
          reason: fields.reason!,
          sourceChannel: source.channel,
          sourceChatId: source.chatId ?? null,
          createdBy: source.createdBy,
          mode: source.mode,
          consentAt: source.consentAt ?? null,
          provenance: source.provenance ?? null,
        },
        creation,
    );
  }

  async list(filters: ContactFilters, page: { limit: number; cursor?: string }, ctx: AuditContext): Promise<{ items: ContactDto[]; nextCursor: string | null }> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE_SIZE) {
      throw ValidationError.field('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    const cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    // The page's audit entry rides in the page's own statement (ContactRepository.listPage).
    const rows = await this.repo.listPage(filters, page.limit, cursor, { ctx, filters: filterNames(filters) });
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > page.limit && last ? encodeCursor(last) : null;
    return { items: items.map(toContactDto), nextCursor };
  }

  async get(id: string, ctx: AuditContext): Promise<ContactDto> {
    const row = await this.mustFind(id);
    await this.audit.record(ctx, { action: 'contact.read', entityType: 'contact', entityId: id });
    return toContactDto(row);
  }

  /** Internal read (the bot's repeated save): not an access by a person, so not audited. */
  async findById(id: string): Promise<ContactDto | null> {
    const row = UUID.test(id) ? await this.repo.findById(id) : null;
    return row ? toContactDto(row) : null;
  }

  /** The contact the bot's save under this key made, if that save committed (not audited). */
  async savedUnder(key: string): Promise<ContactDto | null> {
    const id = await this.repo.savedUnder(key);
    return id ? this.findById(id) : null;
  }

  /** Remembers the contact a bot's save (an update) answered with, under its key. */
  rememberSave(key: string, conversationId: string, contactId: string): Promise<void> {
    return this.repo.rememberSave(key, conversationId, contactId);
  }

  /** The bot's duplicate check: the contact with this phone, unless the save under `key` made it. */
  otherWithPhone(phone: string, key: string): Promise<{ id: string; name: string; createdAt: Date } | null> {
    return this.repo.otherWithPhone(phone, key);
  }

  /** Internal duplicate check (bot, MCP): not an access by a person, so not audited. */
  async findByPhone(phoneE164: string): Promise<ContactDto | null> {
    const row = await this.repo.findByPhone(phoneE164);
    return row ? toContactDto(row) : null;
  }

  /**
   * `provenance` says how the changed fields were obtained (the bot's update); without it the
   * change is staff's through the API, recorded as `admin` (or `attendant`) by the actor.
   */
  async update(id: string, patch: Partial<ContactInput>, ctx: AuditContext, provenance?: ContactProvenance): Promise<ContactDto> {
    const fields = normalizeContactInput(patch, false);
    if (!UUID.test(id)) throw new NotFoundError('contact', id);
    let changed = false;
    try {
      const row = await this.repo.transaction(async (tx) => {
        const current = await this.repo.findById(id, tx);
        if (!current) throw new NotFoundError('contact', id);
        const changes: ContactChanges = {};
        for (const field of ['name', 'phone', 'email', 'reason'] as const) {
          if (fields[field] !== undefined && fields[field] !== current[field]) Object.assign(changes, { [field]: fields[field] });
        }
        if (changes.phone) {
          const other = await this.repo.findByPhone(changes.phone, tx);
          if (other) throw duplicatePhone(other);
        }
        // Only a real change is a write worth telling others about (sync).
        changed = Object.keys(changes).length > 0;
        const trail = changed ? withChangedFields(current.provenance, Object.keys(changes) as FieldName[], (field) => (provenance ? provenance[field] : staffEdit(ctx))) : undefined;
        const updated = changed ? await this.afterWrite(await this.repo.update(current, changes, tx, trail), 'updated', tx) : current;
        await this.audit.record(ctx, { action: 'contact.update', entityType: 'contact', entityId: id, meta: { fields: Object.keys(changes) } }, tx);
        return updated;
      });
      if (changed) this.committed(row);
      return toContactDto(row);
    } catch (err) {
      throw fields.phone ? await this.explainConflict(err, fields.phone) : err;
    }
  }

  /** LGPD erasure: the row is deleted (not flagged); the audit entry keeps only the id. */
  async delete(id: string, ctx: AuditContext): Promise<void> {
    if (!UUID.test(id)) throw new NotFoundError('contact', id);
    await this.repo.transaction(async (tx) => {
      const row = await this.repo.findById(id, tx);
      if (!row) throw new NotFoundError('contact', id);
      for (const erase of this.erasers) await erase(row, tx);
      await this.repo.delete(id, tx);
      await this.audit.record(ctx, { action: 'contact.delete', entityType: 'contact', entityId: id }, tx);
    });
  }

  /** LGPD portability: everything held about the contact, including who accessed it. */
  async exportData(id: string, ctx: AuditContext): Promise<PortabilityDocument> {
    const row = await this.mustFind(id);
    // Recorded first so the document lists this very access too.
    await this.audit.record(ctx, { action: 'contact.data_export', entityType: 'contact', entityId: id });
    return toPortabilityDocument(row, await this.audit.trailOf('contact', id), (await this.history?.(row)) ?? [], (await this.requests?.(id)) ?? []);
  }

  private async mustFind(id: string): Promise<ContactRow> {
    const row = UUID.test(id) ? await this.repo.findById(id) : null;
    if (!row) throw new NotFoundError('contact', id);
    return row;
  }

  /** A unique violation on phone (two writes racing) becomes the same 409 as the pre-check. */
  private async explainConflict(err: unknown, phone: string): Promise<unknown> {
    if (!isUniqueViolation(err)) return err;
    const existing = await this.repo.findByPhone(phone);
    return existing ? duplicatePhone(existing) : err;
  }
}
