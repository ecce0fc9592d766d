// The bot's save is safe to run twice (a restored snapshot re-runs an invoked save, a worker
// whose lock lapsed may race another): the idempotency key commits with the contact, so a
// repeat finds the contact it made instead of creating a second one or failing on its phone —
// while another conversation with the same phone is still a real duplicate.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../src/audit/audit-log.ts';
import { ContactService } from '../src/contacts/contact-service.ts';
import { botServices, type SaveRequest, type TurnScope } from '../src/conversations/bot-actors.ts';
import { UpdateRequestService } from '../src/contacts/update-requests.ts';
import { createPipelineMetrics } from '../src/conversations/pipeline-metrics.ts';
import type { SqlClient } from '../src/db/sql.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import type { DuplicateContact, DuplicateInput } from '../fsm/types.ts';
import { ConflictError } from '../src/domain/errors.ts';
import { BACKENDS } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const MARIA = { name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' };

describe.each(BACKENDS)('the bot saving a contact on %s', (backend) => {
  let pg: TestDatabase | undefined;
  let db: Database;
  let sql: SqlClient;
  let save: (scope: TurnScope, input: SaveRequest) => Promise<{ id: string; protocol: string }>;
  let findDuplicate: (scope: TurnScope, input: DuplicateInput) => Promise<DuplicateContact | null>;
  const scopeOf = (id: string, chatId = `chat-${id}`): TurnScope => ({
    conversation: { id, channel: 'web', chatId, createdAt: new Date(Date.now() - 60_000) },
    onSaved: () => {},
  });

  beforeAll(async () => {
    pg = backend === 'postgres' ? await createTestDatabase() : undefined;
    db = await openDatabase({ databaseUrl: pg?.url });
    await db.migrate();
    sql = db;
    const registry = new Registry();
    const audit = new AuditLog(db);
    const contacts = new ContactService({ prisma: db.prisma, sql, audit, registry });
    const services = botServices({
      contacts,
      updateRequests: new UpdateRequestService(db.prisma, contacts, audit),
      extract: async () => ({ found: {}, missing: [], invalid: [] }),
      metrics: createPipelineMetrics(registry, async () => 0),
    });
    save = (scope, input) => services(scope).saveContact(input);
    findDuplicate = (scope, input) => services(scope).findDuplicate(input);
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
  });

  it('run twice with one key: one contact, one audit entry, the same protocol', async () => {
    const scope = scopeOf('5b0c3a52-0000-4000-8000-000000000001');
    const input: SaveRequest = { fields: MARIA, mode: 'contact', consentAt: new Date().toISOString(), attendantUserId: null, idempotencyKey: 'save:m7' };
    const first = await save(scope, input);
    const second = await save(scope, input);
    expect(second).toEqual(first);
    expect(await db.prisma.contact.count({ where: { phone: MARIA.phone } })).toBe(1);
    expect(await db.prisma.contactSave.count({ where: { contactId: first.id } })).toBe(1);
    expect(await db.prisma.auditLog.count({ where: { action: 'contact.create', entityId: first.id } })).toBe(1);
  });

  it('another conversation with the same phone is a real duplicate', async () => {
    const other = scopeOf('5b0c3a52-0000-4000-8000-000000000002');
    await expect(save(other, { fields: MARIA, mode: 'contact', consentAt: null, attendantUserId: null, idempotencyKey: 'save:m3' })).rejects.toBeInstanceOf(ConflictError);
    expect(await db.prisma.contact.count({ where: { phone: MARIA.phone } })).toBe(1);
  });

  it('an update (ATUALIZAR) run twice updates once and answers the same contact', async () => {
    const existing = await db.prisma.contact.findUniqueOrThrow({ where: { phone: MARIA.phone } });
    const scope = scopeOf('5b0c3a52-0000-4000-8000-000000000003');
    const input: SaveRequest = { fields: { ...MARIA, reason: 'retorno' }, mode: 'contact', consentAt: null, attendantUserId: null, update: existing.id, idempotencyKey: 'save:m9' };
    const [first, second] = [await save(scope, input), await save(scope, input)];
    expect(first.id).toBe(existing.id);
    expect(second).toEqual(first);
    expect(await db.prisma.auditLog.count({ where: { action: 'contact.update', entityId: existing.id } })).toBe(1);
  });

  // fsm/types.ts: a worker that died after the save committed, before the turn did, retries
  // the SIM from the old snapshot; the check must not call the contact it saved a duplicate.
  it('the duplicate check after a crash: its own save is not a duplicate, anyone else\'s is', async () => {
    const ana = { name: 'Ana Souza', phone: '+5511977776666', reason: 'triagem' };
    const scope = scopeOf('5b0c3a52-0000-4000-8000-000000000004');
    const saved = await save(scope, { fields: ana, mode: 'contact', consentAt: new Date().toISOString(), attendantUserId: null, idempotencyKey: 'save:a1' });
    expect(await findDuplicate(scope, { phone: ana.phone, idempotencyKey: 'save:a1' })).toBeNull();
    expect(await save(scope, { fields: ana, mode: 'contact', consentAt: null, attendantUserId: null, idempotencyKey: 'save:a1' })).toEqual(saved);
    // The same conversation at a later decision, or another conversation: a real duplicate.
    expect(await findDuplicate(scope, { phone: ana.phone, idempotencyKey: 'save:a2' })).toMatchObject({ id: saved.id, name: ana.name });
    expect(await findDuplicate(scopeOf('5b0c3a52-0000-4000-8000-000000000005'), { phone: ana.phone, idempotencyKey: 'save:a1' })).toMatchObject({ id: saved.id });
  });
});
