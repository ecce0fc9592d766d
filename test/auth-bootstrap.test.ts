import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/env.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

// Empty values count as unset (config's `optional`), which overrides the helper's defaults.
const NO_ADMIN_ENV = { ADMIN_EMAIL: '', ADMIN_PASSWORD: '' };

describe.each(BACKENDS)('first-start admin on %s', (backend) => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function fixture() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'atende-bootstrap-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    let database: TestDatabase | undefined;
    if (backend === 'postgres') {
      database = await createTestDatabase();
      cleanup.push(() => database!.drop());
    }
    const start = async (env: Record<string, string> = NO_ADMIN_ENV) => {
      const t: TestApp = await startTestApp({ backend, dataDir, database, env });
      let closing: Promise<void> | undefined;
      const close = () => (closing ??= t.close());
      cleanup.push(close);
      return { ...t, close };
    };
    return { dataDir, start };
  }

  it('writes a random admin password to DATA_DIR/admin-password.txt (0600), logs only its path, and does it once', async () => {
    const { dataDir, start } = await fixture();
    const first = await start();
    const file = path.join(dataDir, 'admin-password.txt');

    const info = await stat(file);
    expect(info.mode & 0o777).toBe(0o600);
    const content = await readFile(file, 'utf8');
    const [email, password] = content.trim().split('\n');
    expect(email).toBe('admin@atende.local');
    expect(password!.length).toBeGreaterThanOrEqual(20);

    const token = await first.login(email, password);
    expect((await first.atende.http.inject({ url: '/users', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);

    expect(first.logs.text).toContain(file);
    expect(first.logs.text).not.toContain(password);
    await first.close();

    const second = await start();
    expect(await second.atende.db.prisma.user.count()).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(content);
    expect((await stat(file)).mtimeMs).toBe(info.mtimeMs);
    expect(second.logs.records.some((r) => r.event === 'admin_bootstrap')).toBe(false);
    await second.login(email, password);
  });

  it('creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD without writing a password file', async () => {
    const { dataDir, start } = await fixture();
    const t = await start({ ADMIN_EMAIL: 'Boss@Example.com', ADMIN_PASSWORD: 'boss-password-123' });
    await t.login('boss@example.com', 'boss-password-123');
    await expect(stat(path.join(dataDir, 'admin-password.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(t.logs.text).not.toContain('boss-password-123');
  });

  it('in production writes no password file: without ADMIN_* nobody is created', async () => {
    const { dataDir, start } = await fixture();
    const t = await start({ ...NO_ADMIN_ENV, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(await t.atende.db.prisma.user.count()).toBe(0);
    await expect(stat(path.join(dataDir, 'admin-password.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(t.logs.records.find((r) => r.event === 'admin_bootstrap')?.msg).toContain('ADMIN_EMAIL/ADMIN_PASSWORD');
  });
});

describe('production configuration', () => {
  it('refuses to load without JWT_SECRET, naming it', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: '/tmp/unused' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toContain('JWT_SECRET');
  });

  it('the server exits 1 with a message naming JWT_SECRET', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'atende-prod-'));
    try {
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { PATH: process.env.PATH, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0' },
        timeout: 20_000,
      });
      const failure = await run.then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain('JWT_SECRET');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
