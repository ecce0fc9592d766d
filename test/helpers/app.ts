// Builds a whole atende app for a test, through the real composition root and config
// parsing, on the back-end asked for: a temp-dir PGlite or a fresh PostgreSQL database.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type Atende, type AtendeOptions, createAtende } from '../../src/app.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export type Backend = 'pglite' | 'postgres';
export const BACKENDS: Backend[] = ['pglite', 'postgres'];

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-123' };

/** Collects the JSON log lines an app writes. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text() {
    return this.lines.join('\n');
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestApp {
  atende: Atende;
  backend: Backend;
  dataDir: string;
  logs: LogCapture;
  /** Logs in and returns an access token. */
  login(email?: string, password?: string): Promise<string>;
  /** Creates a user through the database and returns an access token for it. */
  tokenFor(role: 'admin' | 'attendant', email?: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  backend: Backend;
  env?: Record<string, string>;
  /** Reuse a database (e.g. two apps on one PostgreSQL); the caller drops it. */
  database?: TestDatabase;
  /** Reuse a data directory (e.g. restart on the same PGlite files); the caller removes it. */
  dataDir?: string;
  /** Passed to the composition root (e.g. a fake WhatsApp socket factory). */
  channelOverrides?: AtendeOptions['channelOverrides'];
}

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'atende-test-')));
  const ownDb = options.backend === 'postgres' && !options.database ? await createTestDatabase() : undefined;
  const db = options.database ?? ownDb;
  const logs = new LogCapture();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_RATE_LIMIT_PER_MIN: '1000',
    // Each message its own turn, as most tests assert one reply per message; the burst tests
    // set a window of their own.
    BURST_WINDOW_MS: '0',
    ...(db ? { DATABASE_URL: db.url } : {}),
    ...options.env,
  });
  const atende = await createAtende(config, { logDestination: logs, channelOverrides: options.channelOverrides });

  const login = async (email = ADMIN.email, password = ADMIN.password) => {
    const res = await atende.http.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res.json<{ accessToken: string }>().accessToken;
  };

  let userSeq = 0;
  return {
    atende,
    backend: options.backend,
    dataDir,
    logs,
    login,
    async tokenFor(role, email) {
      const { hashPassword } = await import('../../src/auth/passwords.ts');
      const address = email ?? `${role}${++userSeq}-${Date.now()}@test.local`;
      await atende.db.prisma.user.create({ data: { email: address, role, passwordHash: await hashPassword('user-password-123') } });
      return login(address, 'user-password-123');
    },
    async close() {
      await atende.close();
      await ownDb?.drop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
