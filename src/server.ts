// The process: read config, build the app, listen, and shut down gracefully on signals.
import './runtime-flags.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createAtende } from './app.ts';
import { DEFAULT_ADMIN_EMAIL } from './auth/bootstrap-admin.ts';
import { apiDocsEnabled, ConfigError, loadConfig, retiredVariables } from './config/env.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { OWNER_ONLY_UMASK } from './db/data-dir-modes.ts';

async function main() {
  // Before anything is written: DATA_DIR (database, secrets) is for this user only.
  process.umask(OWNER_ONLY_UMASK);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`atende: ${err.message}\nSee .env.example for every variable and its format.`);
      process.exit(1);
    }
    throw err;
  }

  let atende;
  try {
    atende = await createAtende(config);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(`atende: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  for (const retired of retiredVariables()) atende.logger.warn({ event: 'config_retired', variable: retired.variable }, retired.message);
  const address = await atende.http.listen({ port: config.PORT, host: config.HOST });

  const shutdown = async (signal: string) => {
    atende.logger.info({ event: 'shutdown', signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await atende.close();
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const passwordFile = path.resolve(config.DATA_DIR, 'admin-password.txt');
  const lines = [
    '',
    `  atende is running — ${atende.db.kind === 'pglite' ? `embedded database in ${atende.db.dataDir}` : 'PostgreSQL'}`,
    `  console:    ${address}/`,
    `  chat page:  ${address}/chat   (embed on a site: <script src="${address}/widget.js" defer></script>)`,
    `  API:        ${address}`,
    apiDocsEnabled(config) ? `  API docs:   ${address}/docs` : '  API docs:   off (API_DOCS_ENABLED=true serves them at /docs)',
    `  chat:       npm run chat${config.PORT === 3000 ? '' : ` -- --url ${address}`}   (staff: add --attendant)`,
    `  channels:   ${atende.connectors
      .list()
      .map((c) => (c.channel === 'whatsapp' ? 'whatsapp (scan the QR code it prints, or GET /channels/whatsapp/qr as admin)' : c.channel))
      .join(', ')}`,
    config.ADMIN_EMAIL
      ? `  admin:      ${config.ADMIN_EMAIL} (password from ADMIN_PASSWORD)`
      : // Production never writes the file: point at it only where it exists.
        existsSync(passwordFile)
        ? `  admin:      ${DEFAULT_ADMIN_EMAIL} — password in ${passwordFile} (created on first start)`
        : '  admin:      no generated password here; set ADMIN_EMAIL and ADMIN_PASSWORD to create the first admin',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error('atende failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
