// The README's quick start, as a newcomer runs it: the server process with no configuration.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('npm start with nothing configured', () => {
  let dataDir: string;
  let child: ChildProcess;
  let stdout = '';
  let baseUrl = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'atende-quickstart-'));
    // Only PATH/HOME: no DATABASE_URL, REDIS_URL, secrets or admin credentials.
    child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stdout += d));
    const deadline = Date.now() + 45_000;
    while (!/API:\s+(http:\/\/\S+)/.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    baseUrl = /API:\s+(http:\/\/\S+)/.exec(stdout)![1]!;
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints where the API listens and where the admin password is', () => {
    expect(stdout).toContain('embedded database in');
    // Nothing configured: only the web chat runs.
    expect(stdout).toMatch(/channels:\s+web\n/);
    expect(stdout).toMatch(/admin:\s+admin@atende\.local — password in .*admin-password\.txt/);
  });

  it('wrote the admin password readable by the owner only, and never logged it', async () => {
    const file = path.join(dataDir, 'admin-password.txt');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const [, password] = (await readFile(file, 'utf8')).split('\n');
    expect(password!.length).toBeGreaterThanOrEqual(16);
    expect(stdout).not.toContain(password);
  });

  it('lets the bootstrap admin log in and use the API', async () => {
    const [email, password] = (await readFile(path.join(dataDir, 'admin-password.txt'), 'utf8')).split('\n');
    const login = await fetch(`${baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const ready = await fetch(`${baseUrl}/health/ready`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(ready.status).toBe(200);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
