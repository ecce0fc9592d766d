// atende's MCP server on its own, for AI assistants and remote extraction (MCP_URL):
//   npm run -s mcp                          stdio (-s keeps npm's banner off the protocol stream)
//   npm run mcp -- --http [--port 3100]     Streamable HTTP on 127.0.0.1, Bearer $MCP_TOKEN
// The contact tools need the database: PostgreSQL (DATABASE_URL), or with --embedded-db the
// PGlite files under DATA_DIR — only while `npm start` is NOT running, since PGlite is
// single-process: the data directory lock (src/db/data-dir-lock.ts) refuses it otherwise.
// Logs go to stderr: on stdio, stdout belongs to the protocol.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import pino from 'pino';
import { Registry } from 'prom-client';
import { AuditLog } from '../src/audit/audit-log.ts';
import { ConfigError, loadConfig } from '../src/config/env.ts';
import { ContactService } from '../src/contacts/contact-service.ts';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import { OWNER_ONLY_UMASK } from '../src/db/data-dir-modes.ts';
import { type Database, openDatabase, pgliteDir } from '../src/db/database.ts';
import { createContactExtractor } from '../src/extraction/extraction-stack.ts';
import { startMcpHttpServer } from '../src/mcp/mcp-http-server.ts';
import { createMcpServer } from '../src/mcp/mcp-server.ts';
import type { McpClient } from '../src/mcp/contact-tools.ts';
import { createLogger } from '../src/observability/logger.ts';

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const { values: args } = parseArgs({
  options: {
    http: { type: 'boolean', default: false },
    port: { type: 'string', default: '3100' },
    host: { type: 'string', default: '127.0.0.1' },
    'embedded-db': { type: 'boolean', default: false },
  },
});

let config;
try {
  config = loadConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : String(err));
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: expected a whole number between 0 and 65535, got ${args.port}`);
if (args.http && !config.MCP_TOKEN) fail('MCP_TOKEN: required with --http (16+ random characters); clients send it as "Authorization: Bearer <token>"');

const logger = createLogger({ level: config.LOG_LEVEL, destination: pino.destination(2) });

let db: Database | undefined;
let contacts: ContactService | undefined;
if (config.DATABASE_URL || args['embedded-db']) {
  process.umask(OWNER_ONLY_UMASK);
  try {
    db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: pgliteDir(path.resolve(config.DATA_DIR)), poolSize: 4 });
  } catch (err) {
    if (err instanceof DataDirLockedError) fail(`atende: ${err.message}`);
    throw err;
  }
  await db.migrate();
  contacts = new ContactService({ prisma: db.prisma, sql: db, audit: new AuditLog(db) });
} else {
  logger.warn(
    { event: 'mcp_contact_tools_off' },
    'search_contacts, get_contact and create_contact are off: set DATABASE_URL, or pass --embedded-db when `npm start` is not running',
  );
}

const { extractor } = await createContactExtractor({ config, logger, registry: new Registry() });
const newServer = (client?: McpClient) => createMcpServer({ extractor, contacts, logger, version: VERSION }, client);

let closeTransport: () => Promise<void>;
if (args.http) {
  const http = await startMcpHttpServer({ newServer, token: config.MCP_TOKEN!, host: args.host, port, logger });
  closeTransport = http.close;
} else {
  // Whatever a library prints must not land in the protocol stream.
  console.log = console.error;
  console.info = console.error;
  const server = newServer();
  await server.connect(new StdioServerTransport());
  closeTransport = () => server.close();
  // The client closing our stdin is the end of the session.
  process.stdin.on('end', () => void shutdown());
}

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  extractor.close();
  await closeTransport().catch(() => {});
  await db?.close().catch(() => {});
  // The migration engine keeps a timer alive for a while; nothing else is pending.
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
