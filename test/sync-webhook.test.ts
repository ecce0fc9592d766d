// Contact sync against a fake receiver on 127.0.0.1, on real PostgreSQL: signed deliveries
// for creates and updates, retries on 5xx, giving up after SYNC_MAX_ATTEMPTS with the error on
// the contact, 4xx refused at once, manual retry, erasure and no PII in the logs.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startSyncApp, SYNC_SECRET, type SyncApp } from './helpers/sync-app.ts';
import { eventually, type ReceivedDelivery, startSyncReceiver, type SyncReceiver } from './helpers/sync-receiver.ts';
import { staysFor } from './helpers/quiet.ts';

const MARIA = { name: 'Maria Sincroniza', phone: '(11) 99999-8801', email: 'maria.sync@exemplo.com.br', reason: 'apoio emocional' };

/** What a receiver does: recompute the HMAC over the raw body and compare in constant time. */
function signatureVerifies(d: ReceivedDelivery, secret = SYNC_SECRET): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(d.body).digest('hex')}`);
  const got = Buffer.from(String(d.headers['x-atende-signature'] ?? ''));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe('contact sync on postgres', () => {
  let db: TestDatabase;
  let receiver: SyncReceiver;
  let app: SyncApp;
  let n = 0;

  const auth = () => ({ authorization: `Bearer ${app.token}` });
  const create = async (overrides: Partial<typeof MARIA> = {}) => {
    n += 1;
    const res = await app.inject({ method: 'POST', url: '/contacts', headers: auth(), payload: { ...MARIA, phone: `(11) 99999-${String(8800 + n)}`, ...overrides } });
    expect(res.statusCode).toBe(201);
    return res.json<ContactDto>();
  };
  const contact = async (id: string) => (await app.inject({ method: 'GET', url: `/contacts/${id}`, headers: auth() })).json<ContactDto>();
  const events = (contactId: string) => app.atende.db.prisma.contactSyncEvent.findMany({ where: { contactId }, orderBy: { id: 'asc' } });
  const syncCount = async (outcome: string) => {
    const metric = await app.atende.metrics.registry.getSingleMetric('atende_sync_total')!.get();
    return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startSyncReceiver();
    app = await startSyncApp({
      backend: 'postgres',
      databaseUrl: db.url,
      env: { SYNC_WEBHOOK_URL: receiver.url, SYNC_WEBHOOK_SECRET: SYNC_SECRET, SYNC_MAX_ATTEMPTS: '3', SYNC_WEBHOOK_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
    await db?.drop();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer(200);
  });

  it('pushes a created contact, signed, and marks it synced', async () => {
    const created = await create();
    expect(created.sync.status).toBe('pending');
    const [delivery] = await receiver.waitFor(1);
    expect(signatureVerifies(delivery!)).toBe(true);
    expect(signatureVerifies(delivery!, 'another-secret-0123456789')).toBe(false);
    const [event] = await events(created.id);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['x-atende-event']).toBe('contact.created');
    expect(delivery!.headers['x-atende-delivery']).toBe(event!.id.toString());
    expect(delivery!.json).toMatchObject({
      deliveryId: event!.id.toString(),
      event: 'contact.created',
      attempt: 1,
      contact: { id: created.id, name: MARIA.name, phone: created.phone, email: MARIA.email, reason: MARIA.reason, source: { channel: 'api', chatId: null }, mode: 'api' },
    });
    expect(delivery!.json.contact.createdAt).toBe(created.createdAt);
    const after = await eventually(() => contact(created.id), (c) => c.sync.status === 'synced');
    expect(after.sync.error).toBeNull();
    expect(Date.parse(after.sync.syncedAt!)).toBeGreaterThanOrEqual(Date.parse(created.createdAt));
    expect((await events(created.id)).map((e) => e.status)).toEqual(['sent']);
  });

  it('pushes changes made through PATCH as contact.updated, with the new data; a PATCH changing nothing queues nothing', async () => {
    const created = await create();
    await receiver.waitFor(1);
    await eventually(() => contact(created.id), (c) => c.sync.status === 'synced');
    const patched = await app.inject({ method: 'PATCH', url: `/contacts/${created.id}`, headers: auth(), payload: { reason: 'orientação jurídica' } });
    expect(patched.json<ContactDto>().sync.status).toBe('pending');
    const [, update] = await receiver.waitFor(2);
    expect(update!.headers['x-atende-event']).toBe('contact.updated');
    expect(update!.json.contact).toMatchObject({ id: created.id, reason: 'orientação jurídica' });
    expect(signatureVerifies(update!)).toBe(true);
    await eventually(() => contact(created.id), (c) => c.sync.status === 'synced');

    await app.inject({ method: 'PATCH', url: `/contacts/${created.id}`, headers: auth(), payload: { reason: 'orientação jurídica' } });
    expect(await events(created.id)).toHaveLength(2);
  });

  it('pushes contacts the bot or the MCP tools save (they go through the same service)', async () => {
    const saved = await app.atende.contacts.create(
      { name: 'João do Chat', phone: '11 98888-1234', reason: 'cadastro pelo chat' },
      { channel: 'web', chatId: 'chat-42', mode: 'contact', createdBy: 'bot', consentAt: new Date() },
      { actorId: 'bot', actorRole: 'bot' },
    );
    const [delivery] = await receiver.waitFor(1);
    expect(delivery!.json.contact).toMatchObject({ id: saved.id, source: { channel: 'web', chatId: 'chat-42' }, mode: 'contact', createdBy: 'bot' });
    expect(delivery!.json.contact.consentAt).toBe(saved.consentAt);
  });

  it('retries a 5xx with the same delivery id until the receiver accepts', async () => {
    receiver.answer(503, 500, 200);
    const created = await create();
    const deliveries = await receiver.waitFor(3);
    expect(new Set(deliveries.map((d) => d.headers['x-atende-delivery'])).size).toBe(1);
    expect(deliveries.map((d) => d.json.attempt)).toEqual([1, 2, 3]);
    expect(deliveries.every((d) => signatureVerifies(d))).toBe(true);
    const after = await eventually(() => contact(created.id), (c) => c.sync.status === 'synced');
    expect(after.sync.error).toBeNull();
    const [event] = await events(created.id);
    expect(event).toMatchObject({ status: 'sent', attempts: 3 });
    expect(await syncCount('retry')).toBeGreaterThanOrEqual(2);
  });

  it('gives up after SYNC_MAX_ATTEMPTS, with the last error on the contact, and a manual retry sends it again', async () => {
    receiver.answer(503);
    const created = await create();
    const failed = await eventually(() => contact(created.id), (c) => c.sync.status === 'failed');
    expect(receiver.received).toHaveLength(3);
    expect(failed.sync.error).toBe('receiver answered HTTP 503 (gave up after 3 attempts)');
    expect((await events(created.id))[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(await syncCount('failed')).toBeGreaterThanOrEqual(1);

    // Attendants may not push personal data out by hand.
    const attendantToken = await (async () => {
      const { hashPassword } = await import('../src/auth/passwords.ts');
      await app.atende.db.prisma.user.create({ data: { email: 'att-sync@test.local', role: 'attendant', passwordHash: await hashPassword('user-password-123') } });
      const res = await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'att-sync@test.local', password: 'user-password-123' } });
      return res.json<{ accessToken: string }>().accessToken;
    })();
    const refused = await app.inject({ method: 'POST', url: `/contacts/${created.id}/sync`, headers: { authorization: `Bearer ${attendantToken}` } });
    expect(refused.statusCode).toBe(403);

    receiver.answer(200);
    const retry = await app.inject({ method: 'POST', url: `/contacts/${created.id}/sync`, headers: auth() });
    expect(retry.statusCode).toBe(202);
    const accepted = retry.json<{ contactId: string; deliveryId: string; status: string }>();
    expect(accepted).toMatchObject({ contactId: created.id, status: 'pending' });
    const deliveries = await receiver.waitFor(4);
    expect(deliveries[3]!.headers['x-atende-delivery']).toBe(accepted.deliveryId);
    expect(deliveries[3]!.headers['x-atende-event']).toBe('contact.updated');
    const synced = await eventually(() => contact(created.id), (c) => c.sync.status === 'synced');
    expect(synced.sync.error).toBeNull();
    // Pushing personal data out by hand is on the audit log: who, which contact, which delivery.
    const audited = await app.atende.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'contact.sync', entityId: created.id } });
    expect(audited).toMatchObject({ actorRole: 'admin', entityType: 'contact', meta: { deliveryId: accepted.deliveryId } });

    const missing = await app.inject({ method: 'POST', url: '/contacts/00000000-0000-4000-8000-000000000000/sync', headers: auth() });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });

  it('treats a 4xx (other than 408/429) as final at once', async () => {
    receiver.answer(422);
    const created = await create();
    const failed = await eventually(() => contact(created.id), (c) => c.sync.status === 'failed');
    expect(failed.sync.error).toBe('receiver answered HTTP 422');
    expect(receiver.received).toHaveLength(1);
  });

  it('retries when the receiver is unreachable, naming the network error only', async () => {
    // A loopback port that was just free: nothing listens, the connection is refused at once.
    const closed = await startSyncReceiver();
    const port = new URL(closed.url).port;
    await closed.close();
    const unreachable = await startSyncApp({
      backend: 'postgres',
      databaseUrl: db.url,
      env: { SYNC_WEBHOOK_URL: `http://127.0.0.1:${port}/hook?token=s3cr3t`, SYNC_WEBHOOK_SECRET: SYNC_SECRET, SYNC_MAX_ATTEMPTS: '2', ROLE: 'all' },
    });
    try {
      await app.close(); // one worker only for this case
      const created = await unreachable.atende.contacts.create({ name: 'Ana Rede', phone: '11 97777-0001', reason: 'teste de rede' }, { channel: 'api', mode: 'api', createdBy: 'test' }, { actorId: null, actorRole: null });
      const failed = await eventually(
        async () => (await unreachable.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: created.id } })),
        (c) => c.syncStatus === 'failed',
      );
      expect(failed.syncError).toBe('network error (ECONNREFUSED) (gave up after 2 attempts)');
      expect(unreachable.logs.text).not.toContain('s3cr3t');
      expect(unreachable.logs.text).not.toContain('Ana Rede');
      expect(unreachable.logs.text).toContain('"outcome":"failed"');
    } finally {
      await unreachable.close();
      app = await startSyncApp({
        backend: 'postgres',
        databaseUrl: db.url,
        env: { SYNC_WEBHOOK_URL: receiver.url, SYNC_WEBHOOK_SECRET: SYNC_SECRET, SYNC_MAX_ATTEMPTS: '3', SYNC_WEBHOOK_TIMEOUT_MS: '2000' },
      });
    }
  });

  it('erasing a contact (LGPD) drops its queued events and tells the receiver to erase it, by id only', async () => {
    receiver.answer(503);
    const created = await create();
    await receiver.waitFor(1);
    expect((await events(created.id)).length).toBe(1);
    receiver.answer(200);
    const before = receiver.received.length;
    const erased = await app.inject({ method: 'DELETE', url: `/contacts/${created.id}`, headers: auth() });
    expect(erased.statusCode).toBe(204);
    // The unsent create is gone; what is queued is the erasure notice alone.
    expect((await events(created.id)).map((e) => e.event)).toEqual(['deleted']);
    const notices = await eventually(
      async () => receiver.received.slice(before).filter((d) => d.json.event === 'contact.deleted'),
      (found) => found.length > 0,
    );
    const notice = notices[0]!;
    expect(notice.json.contact).toEqual({ id: created.id });
    expect(notice.headers['x-atende-event']).toBe('contact.deleted');
    expect(signatureVerifies(notice)).toBe(true);
    for (const pii of [MARIA.name, MARIA.email, '99999']) expect(notice.body).not.toContain(pii);
    // The erased contact's data is never sent again (a create attempt in flight may land first).
    const afterNotice = () => receiver.received.slice(receiver.received.indexOf(notice) + 1).filter((d) => d.json.contact.id === created.id).length;
    expect(await staysFor(afterNotice, 400)).toBe(0);
    await eventually(() => events(created.id), (rows) => rows.every((e) => e.status === 'sent'));
  });

  it('keeps names, phones and e-mails out of the logs', () => {
    expect(app.logs.text).toContain('"event":"contact_sync"');
    for (const pii of [MARIA.name, MARIA.email, '99999-88', '+55119999988']) expect(app.logs.text).not.toContain(pii);
  });
});
