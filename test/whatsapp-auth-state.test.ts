// The Baileys login stored in the database: a restart (new process, same database) finds the
// same creds and every Signal key type with its bytes intact; a batch is all or nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { proto, type SignalDataTypeMap } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabaseAuthState } from '../connectors/whatsapp/auth-state.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { type Backend, BACKENDS } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));

// One value of every key type the installed Baileys declares: a new type added by an upgrade
// fails to compile here until it is covered.
const SAMPLE: { [K in keyof SignalDataTypeMap]: SignalDataTypeMap[K] } = {
  'pre-key': { public: bytes(32, 1), private: bytes(32, 2) },
  session: bytes(300, 3),
  'sender-key': new Uint8Array(bytes(120, 4)),
  'sender-key-memory': { '5511987654321@s.whatsapp.net': true, '203456789012345@lid': false },
  'app-state-sync-key': proto.Message.AppStateSyncKeyData.fromObject({ keyData: bytes(32, 5), fingerprint: { rawId: 7, currentIndex: 2, deviceIndexes: [0, 1] }, timestamp: 1764547200 }),
  'app-state-sync-version': { version: 12, hash: bytes(128, 6), indexValueMap: { 'aGVsbG8=': { valueMac: bytes(32, 7) } } },
  'lid-mapping': '203456789012345',
  'device-list': ['0', '12', '27'],
  tctoken: { token: bytes(24, 8), timestamp: '1764547200', senderTimestamp: 1764547100 },
  'identity-key': new Uint8Array(bytes(33, 9)),
};

function expectSameBytes(a: unknown, b: unknown) {
  expect(Buffer.isBuffer(a) || a instanceof Uint8Array).toBe(true);
  expect(Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array))).toBe(true);
}

describe.each(BACKENDS)('WhatsApp auth state on %s', (backend: Backend) => {
  let dataDir: string;
  let pg: TestDatabase | undefined;
  let db: Database;
  const open = async () => {
    db = await openDatabase(backend === 'postgres' ? { databaseUrl: pg!.url, poolSize: 2 } : { dataDir: dataDir });
    await db.migrate();
    return db;
  };
  const restart = async () => {
    await db.close();
    return open();
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'atende-wa-auth-'));
    if (backend === 'postgres') pg = await createTestDatabase();
    await open();
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a restart finds the same creds and keys of every type, bytes intact', async () => {
    const first = await useDatabaseAuthState(db.prisma, 'main');
    expect(first.state.creds.registered).toBe(false);
    first.state.creds.me = { id: '5511900000000:7@s.whatsapp.net', lid: '111222333444555:7@lid', name: 'atende' };
    first.state.creds.registered = true;
    await first.saveCreds();
    await first.state.keys.set(Object.fromEntries(Object.entries(SAMPLE).map(([type, value]) => [type, { k1: value, k2: value }])));
    await first.state.keys.set({ 'pre-key': { k2: null }, session: { k2: null } });

    await restart();
    const again = await useDatabaseAuthState(db.prisma, 'main');
    const creds = again.state.creds;
    expect(creds.me).toEqual(first.state.creds.me);
    expect(creds.registered).toBe(true);
    expect(creds.registrationId).toBe(first.state.creds.registrationId);
    expectSameBytes(creds.noiseKey.private, first.state.creds.noiseKey.private);
    expectSameBytes(creds.signedIdentityKey.public, first.state.creds.signedIdentityKey.public);
    expectSameBytes(creds.signedPreKey.signature, first.state.creds.signedPreKey.signature);
    expect(creds.advSecretKey).toBe(first.state.creds.advSecretKey);

    const k = again.state.keys;
    const preKey = await k.get('pre-key', ['k1', 'k2', 'missing']);
    expect(Object.keys(preKey)).toEqual(['k1']);
    expectSameBytes(preKey.k1!.public, SAMPLE['pre-key'].public);
    expectSameBytes(preKey.k1!.private, SAMPLE['pre-key'].private);
    expect(Object.keys(await k.get('session', ['k1', 'k2']))).toEqual(['k1']);
    expectSameBytes((await k.get('session', ['k1'])).k1, SAMPLE.session);
    expectSameBytes((await k.get('sender-key', ['k2'])).k2, SAMPLE['sender-key']);
    expectSameBytes((await k.get('identity-key', ['k1'])).k1, SAMPLE['identity-key']);
    expect((await k.get('sender-key-memory', ['k1'])).k1).toEqual(SAMPLE['sender-key-memory']);
    const appKey = (await k.get('app-state-sync-key', ['k1'])).k1!;
    expect(appKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expectSameBytes(appKey.keyData, SAMPLE['app-state-sync-key'].keyData);
    expect(appKey.fingerprint?.rawId).toBe(7);
    const version = (await k.get('app-state-sync-version', ['k1'])).k1!;
    expect(version.version).toBe(12);
    expectSameBytes(version.hash, SAMPLE['app-state-sync-version'].hash);
    expectSameBytes(version.indexValueMap['aGVsbG8=']!.valueMac, SAMPLE['app-state-sync-version'].indexValueMap['aGVsbG8=']!.valueMac);
    expect((await k.get('lid-mapping', ['k1'])).k1).toBe('203456789012345');
    expect((await k.get('device-list', ['k1'])).k1).toEqual(['0', '12', '27']);
    const tc = (await k.get('tctoken', ['k1'])).k1!;
    expectSameBytes(tc.token, SAMPLE.tctoken.token);
    expect(tc).toMatchObject({ timestamp: '1764547200', senderTimestamp: 1764547100 });
  });

  it('sessions do not see each other, and clear() forgets only its own login', async () => {
    const other = await useDatabaseAuthState(db.prisma, 'other');
    expect(other.state.creds.registered).toBe(false);
    expect(await other.state.keys.get('pre-key', ['k1'])).toEqual({});
    await other.saveCreds();

    const main = await useDatabaseAuthState(db.prisma, 'main');
    await main.clear();
    const fresh = await useDatabaseAuthState(db.prisma, 'main');
    expect(fresh.state.creds.registered).toBe(false);
    expect(fresh.state.creds.me).toBeUndefined();
    expect(await fresh.state.keys.get('session', ['k1'])).toEqual({});
    expect(await db.prisma.whatsappAuthKey.count({ where: { session: 'other' } })).toBe(1);
  });

  it('writes a batch in one transaction: a bad row keeps the whole batch out', async () => {
    const auth = await useDatabaseAuthState(db.prisma, 'batch');
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [String(i), { public: bytes(32, i), private: bytes(32, i + 1) }]));
    await auth.state.keys.set({ 'pre-key': many });
    expect(await db.prisma.whatsappAuthKey.count({ where: { session: 'batch', type: 'pre-key' } })).toBe(500);

    // key_id is VARCHAR(300): this row cannot be stored, so neither the upsert nor the delete happens.
    await expect(auth.state.keys.set({ 'pre-key': { '0': null }, session: { ok: bytes(10, 1), ['x'.repeat(400)]: bytes(10, 2) } })).rejects.toThrow();
    expect(await db.prisma.whatsappAuthKey.count({ where: { session: 'batch' } })).toBe(500);
  });
});
