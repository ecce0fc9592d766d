// The data layer's rules (src/db/README.md), checked on the source so they cannot drift again:
// only src/db opens connections; each table is written by its repository alone (composed
// writes by the repository they are about); a table is Prisma or SQL, never both.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('src/generated/'));
}

const FILES = [...sources('src'), ...sources('connectors'), ...sources('fsm')].map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));

/** Table → Prisma model, the files allowed to write it, and how they do. */
const TABLES: Record<string, { model: string; writers: string[]; style: 'sql' | 'prisma' }> = {
  inbound_messages: { model: 'inboundMessage', writers: ['src/intake/inbox-repository.ts', 'src/conversations/turn-commit.ts'], style: 'sql' },
  conversations: { model: 'conversation', writers: ['src/conversations/conversation-store.ts', 'src/conversations/turn-commit.ts'], style: 'sql' },
  outbound_messages: { model: 'outboundMessage', writers: ['src/outbound/outbound-repository.ts', 'src/conversations/turn-commit.ts'], style: 'sql' },
  contacts: { model: 'contact', writers: ['src/contacts/contact-repository.ts', 'src/sync/sync-outbox.ts'], style: 'sql' },
  contact_saves: { model: 'contactSave', writers: ['src/contacts/contact-repository.ts'], style: 'sql' },
  contact_sync_events: { model: 'contactSyncEvent', writers: ['src/sync/sync-outbox.ts', 'src/contacts/contact-repository.ts'], style: 'sql' },
  audit_log: { model: 'auditLog', writers: ['src/audit/audit-log.ts'], style: 'sql' },
  contact_update_requests: { model: 'contactUpdateRequest', writers: ['src/contacts/update-requests.ts'], style: 'prisma' },
  users: { model: 'user', writers: ['src/users/user-repository.ts'], style: 'prisma' },
  chat_identities: { model: 'chatIdentity', writers: ['src/users/user-repository.ts'], style: 'prisma' },
  refresh_tokens: { model: 'refreshToken', writers: ['src/users/user-repository.ts'], style: 'prisma' },
  login_throttle: { model: 'loginThrottle', writers: ['src/auth/login-throttle.ts'], style: 'prisma' },
  stream_tickets: { model: 'streamTicket', writers: ['src/handoff/stream-tickets.ts'], style: 'prisma' },
  conversation_events: { model: 'conversationEvent', writers: ['src/handoff/handoff-events.ts'], style: 'prisma' },
  web_chat_messages: { model: 'webChatMessage', writers: ['connectors/web/mailbox.ts'], style: 'prisma' },
  whatsapp_auth_keys: { model: 'whatsappAuthKey', writers: ['connectors/whatsapp/auth-state.ts'], style: 'prisma' },
  channel_state: { model: 'channelState', writers: ['connectors/telegram/offset-store.ts'], style: 'prisma' },
};

/** Where Prisma's raw SQL is allowed, and why (src/db/README.md). */
const PRISMA_RAW = new Set([
  'src/db/transaction-sql.ts', // runs the SQL helper's statements inside a Prisma transaction
  'src/users/user-repository.ts', // the last-admin row lock; staffFor and sessionUser, on hot paths; the user count of every start
  'connectors/whatsapp/auth-state.ts', // the batch upsert
]);
/** Prisma's query builder on an SQL table: none. */
const PRISMA_ON_SQL_TABLE = new Set<string>();

const WRITE_METHODS = 'create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany';

describe('the data layer', () => {
  it('no module outside src/db opens a database connection', () => {
    const opening = /from 'pg'|from '@electric-sql\/pglite|new PrismaClient\(/;
    expect(FILES.filter((f) => opening.test(f.text) && !f.file.startsWith('src/db/')).map((f) => f.file)).toEqual([]);
  });

  it.each(Object.entries(TABLES))('%s is written by its repository alone', (table, { model, writers }) => {
    const sqlWrite = new RegExp(`(INSERT INTO|UPDATE|DELETE FROM)\\s+"?${table}\\b`);
    const prismaWrite = new RegExp(`\\.${model}\\.(${WRITE_METHODS})\\(`);
    const found = FILES.filter((f) => sqlWrite.test(f.text) || prismaWrite.test(f.text)).map((f) => f.file);
    expect(found.filter((f) => !writers.includes(f))).toEqual([]);
  });

  it.each(Object.entries(TABLES))('%s is Prisma or SQL, not both', (table, { model, style }) => {
    if (style === 'sql') {
      const delegate = new RegExp(`\\.${model}\\.([a-zA-Z]+)\\(`, 'g');
      const uses = FILES.flatMap((f) => [...f.text.matchAll(delegate)].map((m) => `${f.file}:${model}.${m[1]}`));
      expect(uses.filter((u) => !PRISMA_ON_SQL_TABLE.has(u))).toEqual([]);
    } else {
      // A Prisma table's statements are the query builder's, raw SQL only where allowed.
      const statement = new RegExp(`(INSERT INTO|UPDATE|DELETE FROM|FROM|JOIN)\\s+"?${table}\\b`);
      expect(FILES.filter((f) => statement.test(f.text) && !PRISMA_RAW.has(f.file)).map((f) => f.file)).toEqual([]);
    }
  });

  it("Prisma's raw SQL only where the README says why", () => {
    const raw = /\$queryRaw|\$executeRaw|Prisma\.sql`|Prisma\.join\(|Prisma\.raw\(/;
    expect(FILES.filter((f) => raw.test(f.text) && !PRISMA_RAW.has(f.file)).map((f) => f.file)).toEqual([]);
  });
});
