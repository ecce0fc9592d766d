import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.ts';
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
export async function bootstrapAdmin(prisma: PrismaClient, logger: Logger, options: BootstrapOptions): Promise<void> {
  if ((await prisma.user.count()) > 0) return;
  if (options.adminEmail && options.adminPassword) {
    await prisma.user.create({
      data: { email: options.adminEmail.toLowerCase(), passwordHash: await hashPassword(options.adminPassword), role: 'admin', name: 'Admin' },
    });
    logger.info({ event: 'admin_bootstrap', source: 'env' }, 'created the first admin from ADMIN_EMAIL/ADMIN_PASSWORD');
    return;
  }
  if (options.production) {
    logger.warn({ event: 'admin_bootstrap' }, 'no users exist and ADMIN_EMAIL/ADMIN_PASSWORD are unset: nobody can log in');
    return;
  }
  const password = randomBytes(18).toString('base64url');
  await mkdir(options.dataDir, { recursive: true });
  const file = path.resolve(options.dataDir, 'admin-password.txt');
  await writeFile(file, `${DEFAULT_ADMIN_EMAIL}\n${password}\n`, { mode: 0o600 });
  await prisma.user.create({
    data: { email: DEFAULT_ADMIN_EMAIL, passwordHash: await hashPassword(password), role: 'admin', name: 'Admin' },
  });
  logger.warn({ event: 'admin_bootstrap', source: 'generated', file }, `created admin ${DEFAULT_ADMIN_EMAIL}; its password is in ${file}`);
}
