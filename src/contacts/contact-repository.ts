// Contacts in the database: the queries, and nothing about validation, audit or HTTP.
// Reads never select the derived search columns; they exist for the filters only.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { buildReasonSearch, buildSearchText } from './contact-filters.ts';
import { afterCursor, type ListCursor } from './cursor.ts';

export const contactColumns = {
  id: true,
  name: true,
  phone: true,
  email: true,
  reason: true,
  sourceChannel: true,
  sourceChatId: true,
  createdBy: true,
  mode: true,
  consentAt: true,
  syncStatus: true,
  syncError: true,
  syncedAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.ContactSelect;

export type ContactRow = Prisma.ContactGetPayload<{ select: typeof contactColumns }>;

export type Db = PrismaClient | Prisma.TransactionClient;

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
}

export type ContactChanges = Partial<Pick<NewContactRow, 'name' | 'phone' | 'email' | 'reason'>>;

/** A write refused because another contact already has that phone (unique index). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

export class ContactRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Runs `fn` in one transaction: a write and its audit entry commit together or not at all. */
  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  findById(id: string, db: Db = this.prisma): Promise<ContactRow | null> {
    return db.contact.findUnique({ where: { id }, select: contactColumns });
  }

  findByPhone(phone: string, db: Db = this.prisma): Promise<ContactRow | null> {
    return db.contact.findUnique({ where: { phone }, select: contactColumns });
  }

  /** One page newest first, plus one row more than asked so the caller knows if more follow. */
  listPage(where: Prisma.ContactWhereInput, limit: number, cursor?: ListCursor): Promise<ContactRow[]> {
    return this.prisma.contact.findMany({
      where: cursor ? { AND: [where, afterCursor(cursor)] } : where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: contactColumns,
    });
  }

  insert(row: NewContactRow, db: Db = this.prisma): Promise<ContactRow> {
    return db.contact.create({
      data: { ...row, searchText: buildSearchText(row), reasonSearch: buildReasonSearch(row.reason) },
      select: contactColumns,
    });
  }

  /** Applies `changes` on top of `current`, keeping the search columns in step. */
  update(current: ContactRow, changes: ContactChanges, db: Db = this.prisma): Promise<ContactRow> {
    const next = { ...current, ...changes };
    return db.contact.update({
      where: { id: current.id },
      data: {
        ...changes,
        ...(changes.name !== undefined || changes.email !== undefined || changes.phone !== undefined ? { searchText: buildSearchText(next) } : {}),
        ...(changes.reason !== undefined ? { reasonSearch: buildReasonSearch(next.reason) } : {}),
      },
      select: contactColumns,
    });
  }

  /** Hard delete: the row is gone, not flagged. Returns false when it did not exist. */
  async delete(id: string, db: Db = this.prisma): Promise<boolean> {
    const { count } = await db.contact.deleteMany({ where: { id } });
    return count === 1;
  }

  /** Audit entries about one contact, oldest first (they hold ids and action names only). */
  auditTrail(id: string, db: Db = this.prisma) {
    return db.auditLog.findMany({
      where: { entityType: 'contact', entityId: id },
      orderBy: { id: 'asc' },
      select: { at: true, action: true, actorId: true, actorRole: true },
    });
  }
}
