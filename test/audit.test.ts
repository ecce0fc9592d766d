import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';

interface Entry {
  id: string;
  at: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  requestId: string | null;
  ip: string | null;
  meta: unknown;
}
interface Page {
  items: Entry[];
  nextCursor: string | null;
}

describe.each(BACKENDS)('GET /audit on %s', (backend) => {
  let t: TestApp;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  let target: string;

  const list = async (query: string, token = admin): Promise<Page> => {
    const res = await api('GET', `/audit?${query}`, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Page>();
  };
  const createUser = async (label: string) => {
    const res = await api('POST', '/users', admin, { email: `${label}-${Date.now()}@example.com`, password: 'a-long-password', role: 'attendant' });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; email: string }>();
  };

  beforeAll(async () => {
    t = await startTestApp({ backend });
    api = apiOf(t);
    admin = await t.login();
    target = (await createUser('target')).id;
    for (let i = 0; i < 25; i++) await api('GET', `/users/${target}`, admin);
  });
  afterAll(() => t?.close());

  it('lists entries newest first with who, what, which record, request id and address', async () => {
    const res = await api('GET', '/audit?limit=5', admin, undefined);
    expect(res.statusCode).toBe(200);
    const { items } = res.json<Page>();
    expect(items).toHaveLength(5);
    const ids = items.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);
    expect(items[0]).toMatchObject({ action: 'user.read', entityType: 'user', entityId: target, actorId: userIdOf(admin), actorRole: 'admin', ip: '127.0.0.1' });
    expect(items[0]!.requestId).toEqual(expect.any(String));
    expect(new Date(items[0]!.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('filters by action, entity, actor', async () => {
    const byAction = await list('action=user.create&limit=200');
    expect(byAction.items.length).toBeGreaterThan(0);
    expect(byAction.items.every((e) => e.action === 'user.create')).toBe(true);

    const byEntity = await list(`entityType=user&entityId=${target}&limit=200`);
    expect(byEntity.items.map((e) => e.action).sort()).toEqual(['user.create', ...Array<string>(25).fill('user.read')]);

    const attendantToken = await t.tokenFor('attendant');
    const attendantId = userIdOf(attendantToken);
    const byActor = await list(`actorId=${attendantId}`);
    expect(byActor.items.map((e) => e.action)).toEqual(['auth.login']);
    expect(byActor.items[0]).toMatchObject({ entityType: 'session', entityId: attendantId, actorRole: 'attendant' });

    expect((await list('action=no.such.action')).items).toEqual([]);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const before = new Date();
    await sleep(20);
    const user = await createUser('timed');
    await api('GET', `/users/${user.id}`, admin);
    await sleep(20);
    const after = new Date();

    const window = await list(`from=${before.toISOString()}&to=${after.toISOString()}&entityType=user&limit=200`);
    expect(window.items.map((e) => `${e.action} ${e.entityId}`)).toEqual([`user.read ${user.id}`, `user.create ${user.id}`]);

    const [newest, oldest] = window.items;
    const fromNewest = await list(`from=${encodeURIComponent(newest!.at)}&entityType=user&limit=200`);
    expect(fromNewest.items.map((e) => e.id)).toContain(newest!.id);
    expect(fromNewest.items.map((e) => e.id)).not.toContain(oldest!.id);
    const toNewest = await list(`to=${encodeURIComponent(newest!.at)}&entityId=${user.id}`);
    expect(toNewest.items.map((e) => e.id)).toEqual([oldest!.id]);
    // The same instant written in São Paulo time (UTC-3) selects the same entries.
    const inSaoPaulo = (d: Date) => new Date(d.getTime() - 3 * 3600_000).toISOString().replace('Z', '-03:00');
    const local = await list(`from=${inSaoPaulo(before)}&to=${inSaoPaulo(after)}&entityType=user&limit=200`);
    expect(local.items.map((e) => e.id)).toEqual(window.items.map((e) => e.id));
  });

  it('pages with a cursor: no entry twice, none missed, even while new entries arrive', async () => {
    const all = await list(`entityId=${target}&action=user.read&limit=200`);
    expect(all.items).toHaveLength(25);
    expect(all.nextCursor).toBeNull();

    const seen: Entry[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page: Page = await list(`entityId=${target}&action=user.read&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      sizes.push(page.items.length);
      seen.push(...page.items);
      cursor = page.nextCursor;
      // New entries are newer than any cursor: they never shift the pages still to come.
      await api('GET', `/users/${target}`, admin);
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen.map((e) => e.id)).toEqual(all.items.map((e) => e.id));
  });

  it('refuses bad filters with 400 naming them', async () => {
    for (const [query, field] of [
      ['limit=201', 'limit'],
      ['limit=0', 'limit'],
      ['cursor=abc', 'cursor'],
      ['from=yesterday', 'from'],
    ]) {
      const res = await api('GET', `/audit?${query}`, admin);
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('audits reading the audit log, by filter names only', async () => {
    await list(`entityId=${target}&actorId=${userIdOf(admin)}&limit=3`);
    const [entry] = (await list('action=audit.list&limit=1')).items;
    // A read is recorded after its page is fetched: the newest audit.list is the filtered read.
    expect(entry).toMatchObject({ action: 'audit.list', entityType: 'audit', actorId: userIdOf(admin) });
    expect(entry!.meta).toEqual({ filters: ['entityId', 'actorId'], count: 3, paged: false });
    expect(JSON.stringify(entry)).not.toContain(target);
  });

  it('is for admins only', async () => {
    const res = await api('GET', '/audit', await t.tokenFor('attendant'));
    expect(res.statusCode).toBe(403);
  });
});
