// An app for the contact sync tests: like startTestApp, but through createAtende's options so
// the sync backoff and polling are short (milliseconds instead of seconds).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Atende, createAtende } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import type { SyncTiming } from '../../src/sync/sync-options.ts';
import { ADMIN, type Backend, LogCapture } from './app.ts';

export const SYNC_SECRET = 'sync-secret-for-tests-0123456789';
export const FAST_SYNC: Partial<SyncTiming> = { backoffBaseMs: 20, backoffMaxMs: 200, pollIntervalMs: 100 };

export interface SyncApp {
  atende: Atende;
  logs: LogCapture;
  token: string;
  inject: Atende['http']['inject'];
  close(): Promise<void>;
}

export async function startSyncApp(options: { backend: Backend; databaseUrl?: string; dataDir?: string; env?: Record<string, string>; timing?: Partial<SyncTiming> }): Promise<SyncApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'atende-sync-')));
  const logs = new LogCapture();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    BURST_WINDOW_MS: '0',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...(options.backend === 'postgres' && options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const atende = await createAtende(config, { logDestination: logs, syncTiming: options.timing ?? FAST_SYNC });
  const login = await atende.http.inject({ method: 'POST', url: '/auth/login', payload: ADMIN });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode}`);
  return {
    atende,
    logs,
    token: login.json<{ accessToken: string }>().accessToken,
    inject: atende.http.inject.bind(atende.http),
    async close() {
      await atende.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
