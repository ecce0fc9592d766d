import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError } from '../domain/errors.ts';
import type { UserRepository } from '../users/user-repository.ts';
import type { Logger } from '../observability/logger.ts';
import { hashPassword } from './passwords.ts';

export const DEFAULT_ADMIN_EMAIL = 'admin@atende.local';

export interface BootstrapOptions {
  adminEmail?: string;
  adminPassword?: string;
  production: boolean;
  dataDir: string;
}

/**
 * First start with no users: create an admin from ADMIN_EMAIL/ADMIN_PASSWORD, or — outside
 * production — with a random password written to DATA_DIR/admin-password.txt (mode 0600).
 * Only the file's path is logged, never the password.
 */
export async function bootstrapAdmin(users: UserRepository, logger: Logger, options: BootstrapOptions): Promise<void> {
  if ((await users.count()) > 0) return;
  if (options.adminEmail && options.adminPassword) {
    const created = await createFirstAdmin(users, options.adminEmail.toLowerCase(), options.adminPassword);
    if (!created) return;
    logger.info({ event: 'admin_bootstrap', source: 'env' }, 'created the first admin from ADMIN_EMAIL/ADMIN_PASSWORD');
    return;
  }
  if (options.production) {
    logger.warn({ event: 'admin_bootstrap' }, 'no users exist and ADMIN_EMAIL/ADMIN_PASSWORD are unset: nobody can log in');
    return;
  }
  const password = generateAdminPassword();
  await mkdir(options.dataDir, { recursive: true });
  const file = path.resolve(options.dataDir, 'admin-password.txt');
  // Written before the user exists: if the write failed after the insert, nobody would ever
  // learn the password, and the next start (users > 0) would not make a new one.
  await writeFile(file, `${DEFAULT_ADMIN_EMAIL}\n${password}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an older file may have looser bits.
  await chmod(file, 0o600);
  if (!(await createFirstAdmin(users, DEFAULT_ADMIN_EMAIL, password))) return;
  logger.warn({ event: 'admin_bootstrap', source: 'generated', file }, `created admin ${DEFAULT_ADMIN_EMAIL}; its password is in ${file}`);
}

/** 24 random base64url characters (144 bits): far past the strength the API requires. */
export const generateAdminPassword = (): string => randomBytes(18).toString('base64url');

/** false when another replica starting at the same moment created that admin first. */
async function createFirstAdmin(users: UserRepository, email: string, password: string): Promise<boolean> {
  try {
    await users.create({ email, passwordHash: await hashPassword(password), role: 'admin', name: 'Admin' });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}
