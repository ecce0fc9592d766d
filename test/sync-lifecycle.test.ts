// Contact sync across process lifetimes and configurations: nothing is sent twice after a
// restart, an event claimed by a worker that died is retried once its claim expires, API-only
// replicas queue but never send, sync unset queues nothing, and the embedded PGlite works too.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactDto } from '../src/contacts/contact-schemas.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startSyncApp, SYNC_SECRET, type SyncApp } from './helpers/sync-app.ts';
import { eventually, startSyncReceiver, type SyncReceiver } from './helpers/sync-receiver.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (phone: string) => ({ name: 'Rita Reinício', phone, email: 'rita@exemplo.com.br', reason: 'acolhimento' });

async function createContact(app: SyncApp, phone: string): Promise<ContactDto> {
  const res = await app.inject({ method: 'POST', url: '/contacts', headers: { authorization: `Bearer ${app.token}` }, payload: body(phone) });
  expect(res.statusCode).toBe(201);
  return res.json<ContactDto>();
}

describe('contact sync across restarts (postgres)', () => {
  let db: TestDatabase;
  let receiver: SyncReceiver;
  const open: SyncApp[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const app = await startSyncApp({ backend: 'postgres', databaseUrl: db.url, env: { SYNC_WEBHOOK_URL: receiver.url, SYNC_WEBHOOK_SECRET: SYNC_SECRET, ...env } });
    open.push(app);
    return app;
  };
  const stop = async (app: SyncApp) => {
    open.splice(open.indexOf(app), 1);
    await app.close();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startSyncReceiver();
  });
  afterAll(async () => {
    for (const app of open) await app.close();
    await receiver?.close();
    await db?.drop();
  });

  it('sends nothing twice after a restart on the same database', async () => {
    receiver.received.length = 0;
    const first = await start();
    const created = await createContact(first, '11 96666-0001');
    await receiver.waitFor(1);
    await eventually(() => first.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: created.id } }), (c) => c.syncStatus === 'synced');
    await stop(first);

    const second = await start();
    // Several poll rounds (100 ms each) of the restarted worker.
    await sleep(600);
    expect(receiver.received).toHaveLength(1);
    const events = await second.atende.db.prisma.contactSyncEvent.findMany({ where: { contactId: created.id } });
    expect(events.map((e) => [e.status, e.attempts])).toEqual([['sent', 1]]);
    await stop(second);
  });

  it('API-only replicas queue events but never send; a worker that died mid-send has its event retried after the claim expires', async () => {
    receiver.received.length = 0;
    const api = await start({ ROLE: 'api' });
    const created = await createContact(api, '11 96666-0002');
    await sleep(300);
    expect(receiver.received).toHaveLength(0);
    const [queued] = await api.atende.db.prisma.contactSyncEvent.findMany({ where: { contactId: created.id } });
    expect(queued).toMatchObject({ status: 'pending', attempts: 0 });

    // As a worker leaves it when it dies after claiming: 'sending', one attempt spent, the
    // claim running for another 2 s.
    const [claim] = await api.atende.db.prisma.$queryRaw<{ until: Date }[]>`
      UPDATE contact_sync_events SET status = 'sending', attempts = 1, next_attempt_at = now() + interval '2 seconds'
       WHERE id = ${queued!.id} RETURNING next_attempt_at AS until`;
    const worker = await start({ ROLE: 'worker' });
    const [delivery] = await receiver.waitFor(1, 8_000);
    expect(delivery!.at).toBeGreaterThanOrEqual(claim!.until.getTime());
    expect(delivery!.json.attempt).toBe(2);
    expect(delivery!.headers['x-atende-delivery']).toBe(queued!.id.toString());
    await eventually(() => worker.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: created.id } }), (c) => c.syncStatus === 'synced');
    await sleep(300);
    expect(receiver.received).toHaveLength(1);
    await stop(worker);
    await stop(api);
  });

  it('with SYNC_WEBHOOK_URL unset: contacts stay "disabled", nothing is queued, manual sync answers 409', async () => {
    const app = await startSyncApp({ backend: 'postgres', databaseUrl: db.url });
    open.push(app);
    const created = await createContact(app, '11 96666-0003');
    expect(created.sync).toEqual({ status: 'disabled', error: null, syncedAt: null });
    await app.inject({ method: 'PATCH', url: `/contacts/${created.id}`, headers: { authorization: `Bearer ${app.token}` }, payload: { reason: 'outro motivo' } });
    expect(await app.atende.db.prisma.contactSyncEvent.count({ where: { contactId: created.id } })).toBe(0);
    const res = await app.inject({ method: 'POST', url: `/contacts/${created.id}/sync`, headers: { authorization: `Bearer ${app.token}` } });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 409, code: 'sync-disabled' });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).not.toContain('atende_sync_backlog');
    await stop(app);
  });
});

describe('contact sync on the embedded PGlite', () => {
  let receiver: SyncReceiver;
  let app: SyncApp;
  beforeAll(async () => {
    receiver = await startSyncReceiver();
    app = await startSyncApp({ backend: 'pglite', env: { SYNC_WEBHOOK_URL: receiver.url, SYNC_WEBHOOK_SECRET: SYNC_SECRET } });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it('delivers a signed event, retries a 503 and marks the contact synced', async () => {
    receiver.answer(503, 200);
    const created = await createContact(app, '11 95555-0001');
    const [first, second] = await receiver.waitFor(2);
    for (const d of [first!, second!]) expect(d.headers['x-atende-signature']).toBe(`sha256=${createHmac('sha256', SYNC_SECRET).update(d.body).digest('hex')}`);
    expect(second!.json.contact.id).toBe(created.id);
    const synced = await eventually(() => app.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: created.id } }), (c) => c.syncStatus === 'synced');
    expect(synced.syncedAt).toBeInstanceOf(Date);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/atende_sync_total\{outcome="sent"\} 1/);
    expect(metrics).toMatch(/atende_sync_total\{outcome="retry"\} 1/);
    expect(metrics).toMatch(/atende_sync_backlog 0/);
  });
});
