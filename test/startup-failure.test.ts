// A start that fails half way (here: the JWT secret file cannot be read, after the database is
// open and migrated and the sync and extraction stacks exist) closes what it opened: the
// embedded data directory's lock is released, so the next start on it comes up at once.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAtende } from '../src/app.ts';
import { loadConfig } from '../src/config/env.ts';
import { LogCapture } from './helpers/app.ts';

/** What keeps this process alive, by kind (timers, sockets, file handles…), counted. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('a failed start', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('releases the data directory and everything else it opened', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'atende-failed-start-'));
    dirs.push(dataDir);
    const config = () => loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ADMIN_EMAIL: 'admin@atende.local', ADMIN_PASSWORD: 'Correct-Horse-Battery-9', OLLAMA_HOST: 'http://127.0.0.1:9' });
    // A directory where the secret file should be: reading it fails with EISDIR.
    await mkdir(path.join(dataDir, 'jwt-secret'));
    const before = activeResources();
    await expect(createAtende(config(), { logDestination: new LogCapture() })).rejects.toMatchObject({ code: 'EISDIR' });
    // Nothing it opened keeps running: no timer, socket or worker more than before it began.
    await expect.poll(() => Object.entries(activeResources()).filter(([kind, n]) => n > (before[kind] ?? 0)), { timeout: 5_000, interval: 50 }).toEqual([]);

    await rm(path.join(dataDir, 'jwt-secret'), { recursive: true });
    const atende = await createAtende(config(), { logDestination: new LogCapture() });
    try {
      expect((await atende.http.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    } finally {
      await atende.close();
    }
  });
});
