// The Dockerfile, parsed (no Docker engine here): multi-stage on a pinned Node 22 Alpine,
// non-root numeric USER, a HEALTHCHECK, no secrets baked in, every COPY source present in the
// build context. Then the image's own CMD and ENV are run as a process on this machine (the
// closest thing to `docker run` available), and its HEALTHCHECK command is run against it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';

const dockerfile = DockerfileParser.parse(readFileSync('Dockerfile', 'utf8'));
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const finalStart = froms[froms.length - 1]!.getRange().start.line;
const finalStage = instructions.filter((i) => i.getRange().start.line >= finalStart);
const ofKeyword = (list: Instruction[], k: string) => list.filter((i) => i.getKeyword() === k);
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
/** An exec-form JSON array instruction (CMD/HEALTHCHECK CMD). */
const execForm = (text: string) => JSON.parse(text.slice(text.indexOf('['))) as string[];

/** KEY=VALUE pairs of ENV and ARG instructions (ENV in both its forms). */
function declared(list: Instruction[]): { name: string; value: string | undefined }[] {
  return list.flatMap((i) => {
    if (i.getKeyword() === 'ARG') return args(i).map((a) => ({ name: a.split('=')[0]!, value: a.includes('=') ? a.slice(a.indexOf('=') + 1) : undefined }));
    if (i.getKeyword() !== 'ENV') return [];
    const a = args(i);
    if (a.length === 2 && !a[0]!.includes('=')) return [{ name: a[0]!, value: a[1] }];
    return a.map((p) => ({ name: p.split('=')[0]!, value: p.slice(p.indexOf('=') + 1) }));
  });
}

const finalEnv = Object.fromEntries(declared(ofKeyword(finalStage, 'ENV')).map((d) => [d.name, d.value ?? '']));
const healthcheck = ofKeyword(finalStage, 'HEALTHCHECK')[0]!;
const cmd = execForm(ofKeyword(finalStage, 'CMD')[0]!.getArgumentsContent()!);

describe('Dockerfile', () => {
  it('is multi-stage on a pinned Node 22 Alpine image', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const nodeImage = declared(ofKeyword(instructions, 'ARG')).find((d) => d.name === 'NODE_IMAGE')?.value;
    expect(nodeImage).toMatch(/^node:22\.\d+\.\d+-alpine[\d.]*$/);
    for (const f of froms) expect(f.getImage()).toBe('${NODE_IMAGE}');
    expect(froms.map((f) => f.getBuildStage())).toEqual(['build', 'runtime']);
    // The build stage installs with the lockfile (its postinstall generates the Prisma client).
    expect(ofKeyword(instructions, 'RUN').map((r) => r.getArgumentsContent()).join('\n')).toMatch(/npm ci\b/);
  });

  it('runs as a non-root numeric user', () => {
    const users = ofKeyword(finalStage, 'USER');
    expect(users).toHaveLength(1);
    const [uid] = args(users[0]!)[0]!.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
  });

  it('has a HEALTHCHECK on the liveness endpoint, and production defaults with ROLE selectable', () => {
    expect(healthcheck.getArgumentsContent()).toContain('/health/live');
    expect(finalEnv).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', ROLE: 'all' });
    // The compiled build (issue 16), as `npm start` runs it.
    expect(cmd).toEqual(['node', '--enable-source-maps', 'dist/src/server.js']);
  });

  it('bakes in no secrets', () => {
    const secretName = /SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY/i;
    for (const d of declared(instructions)) {
      if (secretName.test(d.name)) expect(d.value ?? '', d.name).toBe('');
      // No URL with credentials either (e.g. DATABASE_URL=postgres://user:pw@…).
      expect(d.value ?? '', d.name).not.toMatch(/\/\/[^/\s]*:[^/\s]*@/);
    }
    expect(readFileSync('.dockerignore', 'utf8').split('\n')).toContain('.env');
  });

  it('copies only what exists in the build context and is not ignored; migrations and prompts ship', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const copies = ofKeyword(instructions, 'COPY');
    const fromStage = (i: Instruction) => (i as unknown as { getFlags(): { getName(): string }[] }).getFlags().some((f) => f.getName() === 'from');
    expect(copies.filter(fromStage).length).toBeGreaterThan(0);
    for (const c of copies.filter((i) => !fromStage(i))) {
      for (const src of args(c).slice(0, -1)) {
        expect(existsSync(src), src).toBe(true);
        expect(ignored.some((p) => p === src || src.startsWith(`${p}/`)), src).toBe(false);
      }
    }
    const runtimeCopies = ofKeyword(finalStage, 'COPY').flatMap(args).join(' ');
    for (const needed of ['/app/node_modules', '/app/prisma', '/app/dist', '/app/src', '/app/prompts', '/app/package.json']) expect(runtimeCopies).toContain(needed);
    // The generated client is made in the image, never copied from a developer's machine.
    expect(ignored).toContain('src/generated');
  });
});

describe("the image's CMD and HEALTHCHECK, run as processes", () => {
  let db: TestDatabase;
  let child: ChildProcess;
  let dataDir: string;
  let port: number;
  let output = '';
  const env = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...finalEnv, PORT: String(port) });
  const runHealthcheck = () => spawnSync(execForm(healthcheck.getArgumentsContent()!.replace(/^.*?CMD\s+/s, ''))[0]!, execForm(healthcheck.getArgumentsContent()!.replace(/^.*?CMD\s+/s, '')).slice(1), { env: env(), timeout: 10_000 }).status;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'atende-image-'));
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  });
  afterAll(async () => {
    child?.kill('SIGTERM');
    await new Promise((r) => (child && child.exitCode === null ? child.once('exit', r) : r(null)));
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('the health check fails while nothing listens, and passes once the app started by CMD is up', async () => {
    expect(runHealthcheck()).toBe(1);
    // DATA_DIR moves to a temp dir (the image's /data does not exist here); the rest is the
    // image's ENV plus what compose/Kubernetes provide.
    child = spawn(cmd[0]!, cmd.slice(1), {
      env: { ...env(), DATA_DIR: dataDir, DATABASE_URL: db.url, JWT_SECRET: 'x'.repeat(40), ADMIN_EMAIL: 'admin@image.test', ADMIN_PASSWORD: 'admin-password-123', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const until = Date.now() + 45_000;
    while (!output.includes('atende is running')) {
      if (child.exitCode !== null || Date.now() > until) throw new Error(`the app did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output).toContain(`:${port}`);
    expect(runHealthcheck()).toBe(0);
  }, 60_000);
});
