// Issue 18 and issue 10 item 5, with real processes: one process per embedded data directory
// (a second server or script refuses at once and names the holder), the holder keeps serving
// and keeps its data, a SIGKILLed holder never blocks the next start, and DATA_DIR is private.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, startAppProcess } from './helpers/app-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = { ADMIN_EMAIL: 'dona@exemplo.com.br', ADMIN_PASSWORD: 'lock-test-password-8841' };
// This machine is shared and slow: a real start can take a minute under load.
const START_MS = 150_000;

interface Exit {
  code: number | null;
  output: string;
}

/** Runs an entry point (server or script) like `npm run` does, to its exit. */
function runToExit(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not exit in ${timeoutMs} ms (it should have refused at once):\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN.ADMIN_EMAIL, password: ADMIN.ADMIN_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function readContact(url: string, token: string, id: string) {
  const res = await fetch(`${url}/contacts/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { name?: string; phone?: string } };
}

async function looseEntries(dir: string): Promise<string[]> {
  const loose: string[] = [];
  const visit = async (entry: string) => {
    const s = await stat(entry);
    if (s.mode & 0o077) loose.push(`${path.relative(dir, entry) || '.'} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const name of await readdir(entry)) await visit(path.join(entry, name));
  };
  await visit(dir);
  return loose;
}

describe('one process per embedded data directory', () => {
  let dataDir: string;
  let holder: AppProcess | undefined;
  let token: string;
  let contactId: string;

  beforeAll(async () => {
    // A data directory as an older version (or a plain `mkdir`/`cp`) left it: 0755, a 0666 file.
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'atende-lock-')), 'data');
    await mkdir(path.join(dataDir, 'whatsapp'), { recursive: true });
    await chmod(dataDir, 0o755);
    await chmod(path.join(dataDir, 'whatsapp'), 0o755);
    await writeFile(path.join(dataDir, 'whatsapp', 'creds.json'), '{}');
    await chmod(path.join(dataDir, 'whatsapp', 'creds.json'), 0o666);

    holder = await startAppProcess({ DATA_DIR: dataDir, ...ADMIN }, START_MS);
    token = await login(holder.url);
    const created = await fetch(`${holder.url}/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Joana Prado', phone: '(11) 98765-4321', reason: 'Apoio emocional' }),
    });
    expect(created.status).toBe(201);
    contactId = ((await created.json()) as { id: string }).id;
  }, START_MS + 30_000);

  afterAll(async () => {
    await holder?.stop();
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('keeps DATA_DIR private: a loose existing directory is fixed with a warning, new files are 0600', async () => {
    expect(await looseEntries(dataDir)).toEqual([]);
    expect((await stat(path.join(dataDir, 'pglite', 'PG_VERSION'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    const warning = holder!.output().split('\n').find((line) => line.includes('data_dir_permissions_fixed'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 'warn', directories: 2, files: 1 });
    // Counts, not paths or contents.
    expect(warning).not.toContain('creds.json');
  });

  it('says which data directory is in use on /health/ready and in the start banner', async () => {
    const ready = (await (await fetch(`${holder!.url}/health/ready`)).json()) as { checks: { database: { status: string; detail?: string } } };
    expect(ready.checks.database).toEqual({ status: 'up', detail: `embedded database in ${path.join(dataDir, 'pglite')}` });
    expect(holder!.output()).toContain(`atende is running — embedded database in ${path.join(dataDir, 'pglite')}`);
  });

  it('refuses a second server and every script at once, naming the directory, the holder and what to do', async () => {
    const env = { DATA_DIR: dataDir, ...ADMIN };
    // Side by side: each must exit on its own, none may wait for the holder.
    const [server, migrate, mcp, move] = await Promise.all([
      runToExit(['src/server.ts'], env),
      runToExit(['scripts/db-migrate.ts'], env),
      runToExit(['scripts/mcp.ts', '--embedded-db'], env),
      // The target is never reached: the embedded source is opened (and refused) first.
      runToExit(['scripts/pglite-to-postgres.ts'], { ...env, DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/atende_lock_never_created' }),
    ]);
    for (const [name, run] of Object.entries({ server, migrate, mcp, move })) {
      expect(run.code, `${name}:\n${run.output}`).toBe(1);
      expect(run.output, name).toContain(`the embedded database in ${path.join(dataDir, 'pglite')} is in use by another atende process (PID ${holder!.pid}, started `);
      expect(run.output, name).toContain('src/server.ts');
      expect(run.output, name).toContain('DATA_DIR=');
      expect(run.output, name).toContain('DATABASE_URL=');
      expect(run.output, name).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(server.output).not.toContain('atende is running');

    // The holder was not disturbed: it still answers, with the contact it acknowledged.
    const read = await readContact(holder!.url, token, contactId);
    expect(read).toMatchObject({ status: 200, body: { name: 'Joana Prado' } });
  }, 300_000);

  it('lets the next start in after the holder is SIGKILLed, with everything it acknowledged', async () => {
    // kill -9 the holder; its own temp dir goes, our DATA_DIR stays.
    const killed = holder!;
    holder = undefined;
    await killed.kill9();

    holder = await startAppProcess({ DATA_DIR: dataDir, ...ADMIN }, START_MS);
    const read = await readContact(holder.url, await login(holder.url), contactId);
    expect(read).toMatchObject({ status: 200, body: { name: 'Joana Prado', phone: '+5511987654321' } });
    // A tightened directory stays quiet on the next start.
    expect(holder.output()).not.toContain('data_dir_permissions_fixed');
  }, START_MS + 30_000);
});
