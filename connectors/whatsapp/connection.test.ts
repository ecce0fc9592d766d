import { PassThrough } from 'node:stream';
import { initAuthCreds } from '@whiskeysockets/baileys';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fakeSocketFactory } from '../../test/helpers/fake-whatsapp-socket.ts';
import { staysFor } from '../../test/helpers/quiet.ts';
import type { DatabaseAuthState } from './auth-state.ts';
import { WhatsappConnection } from './connection.ts';
import { createWhatsappMetrics } from './metrics.ts';
import type { WatchdogOptions } from './liveness-watchdog.ts';
import { watchdogFromMinutes } from './liveness-watchdog.ts';
import { backoffDelay, closeAction } from './reconnect-policy.ts';

/** An in-memory login store that counts clears (the database one is tested in test/). */
function memoryAuth() {
  const store = { creds: initAuthCreds(), clears: 0, loads: 0 };
  const load = async (): Promise<DatabaseAuthState> => {
    store.loads++;
    return { state: { creds: store.creds, keys: { get: async () => ({}), set: async () => {} } }, saveCreds: async () => {}, clear: async () => void (store.clears++, (store.creds = initAuthCreds())) };
  };
  return { store, load };
}

function rig(wrapLoad: (load: () => Promise<DatabaseAuthState>) => () => Promise<DatabaseAuthState> = (l) => l, watchdog?: WatchdogOptions) {
  const sockets = fakeSocketFactory();
  const auth = memoryAuth();
  const qrOut = new PassThrough();
  let printed = '';
  qrOut.on('data', (d: Buffer) => (printed += d.toString()));
  const registry = new Registry();
  const metrics = createWhatsappMetrics(registry);
  const upserts: unknown[] = [];
  const conn = new WhatsappConnection({
    loadAuth: wrapLoad(auth.load),
    factory: sockets.factory,
    logger: pino({ level: 'silent' }),
    metrics,
    backoff: { baseMs: 20, capMs: 80 },
    printQr: true,
    qrOutput: qrOut,
    random: () => 1,
    onUpsert: (e) => upserts.push(e),
    onMessageUpdates: () => {},
    ...(watchdog ? { watchdog } : {}),
  });
  return { conn, sockets, auth, registry, printed: () => printed, upserts };
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

describe('reconnect policy', () => {
  it('clears the login only for loggedOut/forbidden, restarts at once for restartRequired', () => {
    expect(closeAction(401)).toBe('logged-out');
    expect(closeAction(403)).toBe('logged-out');
    expect(closeAction(515)).toBe('reconnect-now');
    for (const code of [408, 411, 428, 440, 500, 503, undefined]) expect(closeAction(code)).toBe('backoff');
  });

  it('backs off exponentially with jitter, capped', () => {
    const opts = { baseMs: 1_000, capMs: 60_000 };
    expect([1, 2, 3, 4, 7, 8, 50].map((n) => backoffDelay(n, opts, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
    expect(backoffDelay(3, opts, () => 0)).toBe(2_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(5, opts);
      expect(d).toBeGreaterThanOrEqual(8_000);
      expect(d).toBeLessThanOrEqual(16_000);
    }
  });
});

describe('WhatsApp connection', () => {
  it('keeps the latest QR, prints each new one once, and drops it when connected', async () => {
    const { conn, sockets, printed, registry } = rig();
    conn.connect();
    const sock = await sockets.socket(0);
    expect(conn.status().state).toBe('connecting');
    sock.showQr('2@first-qr-ref,abc,def,ghi');
    await tick(50);
    expect(conn.status().state).toBe('qr');
    expect(conn.qr()).toBe('2@first-qr-ref,abc,def,ghi');
    const once = printed();
    expect(once).toContain('Linked devices');
    expect(once.match(/█|▄|▀/g)?.length).toBeGreaterThan(50);
    sock.showQr('2@first-qr-ref,abc,def,ghi');
    await tick(50);
    expect(printed()).toBe(once);
    sock.showQr('2@second-qr-ref,abc,def,ghi');
    await tick(50);
    expect(conn.qr()).toBe('2@second-qr-ref,abc,def,ghi');
    expect(printed().length).toBeGreaterThan(once.length);

    sock.open();
    expect(conn.status()).toMatchObject({ state: 'connected', me: '5511900000000:12@s.whatsapp.net' });
    expect(conn.qr()).toBeUndefined();
    expect(conn.openSocket()).toBe(sock);
    expect(await registry.getSingleMetricAsString('atende_whatsapp_connection_state')).toContain('atende_whatsapp_connection_state{state="connected"} 1');
    await conn.disconnect('stopped');
    expect(sock.ended).toBe(true);
  });

  it.each([408, 411, 428, 440, 500, 503, undefined])('reconnects with backoff after close %s, keeping the login', async (code) => {
    const { conn, sockets, auth } = rig();
    conn.connect();
    const first = await sockets.socket(0);
    first.open();
    first.close(code);
    expect(conn.status().state).toBe('reconnecting');
    expect(conn.openSocket()).toBeUndefined();
    expect(conn.status().lastDisconnect?.code).toBe(code);
    const second = await sockets.socket(1);
    second.close(code);
    const started = Date.now();
    await sockets.socket(2);
    // Second attempt waits twice as long (40 ms with random = 1).
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(conn.status().reconnectAttempt).toBe(2);
    sockets.sockets[2]!.open();
    expect(conn.status()).toMatchObject({ state: 'connected', reconnectAttempt: 0 });
    expect(auth.store.clears).toBe(0);
    await conn.disconnect('stopped');
  });

  it('restartRequired (515, normal after a scan) reconnects at once, without backoff', async () => {
    const { conn, sockets } = rig();
    conn.connect();
    const first = await sockets.socket(0);
    first.showQr('2@qr');
    first.close(515, 'restart required');
    await sockets.socket(1, 15);
    expect(conn.status()).toMatchObject({ state: 'connecting', reconnectAttempt: 0, lastDisconnect: { reason: 'restartRequired', code: 515 } });
    await conn.disconnect('stopped');
  });

  it.each([401, 403])('after close %s: clears the login, reports logged-out, then shows a new QR', async (code) => {
    const { conn, sockets, auth } = rig();
    conn.connect();
    const first = await sockets.socket(0);
    first.open();
    const oldNoise = auth.store.creds.noiseKey.private;
    first.close(code);
    expect(conn.status().state).toBe('logged-out');
    const second = await sockets.socket(1);
    expect(auth.store.clears).toBe(1);
    expect(auth.store.loads).toBe(2);
    expect(second.input.auth.state.creds.noiseKey.private).not.toEqual(oldNoise);
    expect(conn.status()).toMatchObject({ state: 'logged-out', lastDisconnect: { code } });
    expect(conn.status().me).toBeUndefined();
    second.showQr('2@new-qr');
    await tick(30);
    expect(conn.status().state).toBe('qr');
    expect(conn.qr()).toBe('2@new-qr');
    await conn.disconnect('stopped');
  });

  it('ignores the events of a socket it has replaced', async () => {
    const { conn, sockets, upserts } = rig();
    conn.connect();
    const first = await sockets.socket(0);
    first.close(515);
    const second = await sockets.socket(1);
    second.open();
    first.close(428);
    first.emit('messages.upsert', { type: 'notify', messages: [] });
    await tick(60);
    expect(sockets.sockets).toHaveLength(2);
    expect(conn.status().state).toBe('connected');
    expect(upserts).toHaveLength(0);
    await conn.disconnect('standby');
    expect(conn.status().state).toBe('standby');
    expect(second.ended).toBe(true);
  });

  it('a socket that cannot be made is retried with backoff', async () => {
    let failures = 2;
    const { conn, sockets } = rig((load) => async () => {
      if (failures-- > 0) throw new Error('database down');
      return load();
    });
    conn.connect();
    await tick(5);
    expect(conn.status().state).toBe('reconnecting');
    await sockets.socket(0, 2_000);
    expect(conn.status().state).toBe('connecting');
    await conn.disconnect('stopped');
  });
});

describe('liveness watchdog', () => {
  // Milliseconds instead of minutes: silent for more than 80 ms means dead, checked every 10 ms.
  const WATCHDOG = { idleMs: 80, checkEveryMs: 10 };
  const metric = async (registry: Registry, name: string) => (await registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#'));

  it('WHATSAPP_WATCHDOG_MIN minutes become the idle limit, checked every tenth of it (30 s at most); 0 is off', () => {
    expect(watchdogFromMinutes(5)).toEqual({ idleMs: 300_000, checkEveryMs: 30_000 });
    expect(watchdogFromMinutes(1)).toEqual({ idleMs: 60_000, checkEveryMs: 6_000 });
    expect(watchdogFromMinutes(0)).toBeUndefined();
  });

  it.each([
    ['frames', (s: { frame(): void }) => s.frame()],
    ['events', (s: { emit(e: 'messages.update', a: unknown[]): void }) => s.emit('messages.update', [])],
  ])('leaves an open socket alone while %s keep arriving', async (_what, beat) => {
    const { conn, sockets, registry } = rig(undefined, WATCHDOG);
    conn.connect();
    const sock = await sockets.socket(0);
    sock.open();
    const heart = setInterval(() => beat(sock as never), 20);
    try {
      expect(await staysFor(() => [sockets.sockets.length, conn.status().state, sock.ended], 400)).toEqual([1, 'connected', false]);
    } finally {
      clearInterval(heart);
    }
    expect(await metric(registry, 'atende_whatsapp_watchdog_reconnects_total')).toEqual(['atende_whatsapp_watchdog_reconnects_total 0']);
    await conn.disconnect('stopped');
  });

  it('closes an open socket that went silent and reconnects by the backoff policy, counting it', async () => {
    const { conn, sockets, registry } = rig(undefined, WATCHDOG);
    conn.connect();
    const dead = await sockets.socket(0);
    dead.open();
    const silentFrom = Date.now();
    const next = await sockets.socket(1, 2_000);
    // Not before the idle limit; then the first backoff step (20 ms with random = 1).
    expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(WATCHDOG.idleMs);
    expect(dead.ended).toBe(true);
    expect(conn.status()).toMatchObject({ state: 'connecting', reconnectAttempt: 1, lastDisconnect: { reason: 'watchdog' } });
    expect(conn.openSocket()).toBeUndefined();
    expect(await metric(registry, 'atende_whatsapp_watchdog_reconnects_total')).toEqual(['atende_whatsapp_watchdog_reconnects_total 1']);
    expect(await metric(registry, 'atende_whatsapp_reconnects_total')).toEqual(['atende_whatsapp_reconnects_total{reason="watchdog"} 1']);

    // The dead socket's late close changes nothing; the new one takes over.
    dead.close(428);
    next.open();
    expect(conn.status()).toMatchObject({ state: 'connected', reconnectAttempt: 0 });
    expect(conn.openSocket()).toBe(next);
    next.frame();
    expect(await staysFor(() => sockets.sockets.length, 50)).toBe(2);
    await conn.disconnect('stopped');
  });

  it('does not judge a socket that is not open (waiting for a QR scan), nor one that was stopped', async () => {
    const { conn, sockets } = rig(undefined, WATCHDOG);
    conn.connect();
    const sock = await sockets.socket(0);
    sock.showQr('2@qr');
    expect(await staysFor(() => [sockets.sockets.length, conn.status().state], 300)).toEqual([1, 'qr']);
    sock.open();
    await conn.disconnect('stopped');
    expect(await staysFor(() => [sockets.sockets.length, conn.status().state], 300)).toEqual([1, 'stopped']);
  });

  it('is off without options: a silent socket stays', async () => {
    const { conn, sockets } = rig();
    conn.connect();
    const sock = await sockets.socket(0);
    sock.open();
    expect(await staysFor(() => [sockets.sockets.length, conn.status().state], 300)).toEqual([1, 'connected']);
    await conn.disconnect('stopped');
  });
});
