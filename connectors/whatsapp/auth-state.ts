// Baileys' login (creds + every Signal key) kept in the database, never in files: replicas
// share it, and a container restart does not ask for a new QR. Values are stored as text in
// Baileys' own buffer-safe JSON (BufferJSON), one row per (session, type, key id); the creds
// are the row of type 'creds' with key id ''. Like useMultiFileAuthState, but `keys.set`
// writes a whole batch (every type Baileys hands it) in one transaction: one upsert statement
// for the values, one delete for the nulls — a crash never leaves half a pre-key upload.
// Every statement on whatsapp_auth_keys is here (Prisma; its raw SQL only for the batch
// upsert its query builder cannot express), erasure included: per person it talked to, the
// store keeps the phone ↔ LID mapping and Signal sessions keyed by their number or LID;
// erasure deletes those rows (Baileys fetches a mapping and negotiates a session again if
// the person writes anew). The login itself (type 'creds', the bot's own number) stays.
import { type AuthenticationCreds, type AuthenticationState, BufferJSON, initAuthCreds, proto, type SignalDataSet, type SignalDataTypeMap } from '@whiskeysockets/baileys';
import type { Prisma, PrismaClient } from '../../src/generated/prisma/client.ts';
import { phoneVariants } from '../../src/privacy/phone-variants.ts';
import type { ErasureMatch } from '../types.ts';

export const CREDS_TYPE = 'creds';

export interface DatabaseAuthState {
  state: AuthenticationState;
  /** Writes the current creds (call on every 'creds.update'). */
  saveCreds(): Promise<void>;
  /** Forgets this session's login entirely (logged out): the next socket shows a new QR. */
  clear(): Promise<void>;
}

const encode = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const decode = (text: string): unknown => JSON.parse(text, BufferJSON.reviver);

export async function useDatabaseAuthState(prisma: PrismaClient, session: string): Promise<DatabaseAuthState> {
  const row = await prisma.whatsappAuthKey.findUnique({ where: { session_type_keyId: { session, type: CREDS_TYPE, keyId: '' } } });
  const creds: AuthenticationCreds = row ? (decode(row.value) as AuthenticationCreds) : initAuthCreds();

  const get = async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
    const out: { [id: string]: SignalDataTypeMap[T] } = {};
    if (!ids.length) return out;
    const rows = await prisma.whatsappAuthKey.findMany({ where: { session, type, keyId: { in: ids } }, select: { keyId: true, value: true } });
    for (const r of rows) {
      let value = decode(r.value);
      // Baileys expects the protobuf class here, not a plain object (as its file store does).
      if (type === 'app-state-sync-key' && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
      out[r.keyId] = value as SignalDataTypeMap[T];
    }
    return out;
  };

  const set = async (data: SignalDataSet) => {
    const upserts: { type: string; keyId: string; value: string }[] = [];
    const deletes: { type: string; keyId: string }[] = [];
    for (const [type, entries] of Object.entries(data)) {
      for (const [keyId, value] of Object.entries(entries ?? {})) {
        if (value === null || value === undefined) deletes.push({ type, keyId });
        else upserts.push({ type, keyId, value: encode(value) });
      }
    }
    // A key set and deleted in one batch: the later entry wins, as with files.
    const statements = [];
    if (upserts.length) {
      statements.push(prisma.$executeRaw`
        INSERT INTO whatsapp_auth_keys (session, type, key_id, value, updated_at)
        SELECT ${session}, t, k, v, now() FROM unnest(${upserts.map((u) => u.type)}::text[], ${upserts.map((u) => u.keyId)}::text[], ${upserts.map((u) => u.value)}::text[]) AS x(t, k, v)
        ON CONFLICT (session, type, key_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`);
    }
    if (deletes.length) {
      statements.push(prisma.$executeRaw`
        DELETE FROM whatsapp_auth_keys WHERE session = ${session}
          AND (type, key_id) IN (SELECT t, k FROM unnest(${deletes.map((d) => d.type)}::text[], ${deletes.map((d) => d.keyId)}::text[]) AS x(t, k))`);
    }
    if (statements.length) await prisma.$transaction(statements);
  };

  return {
    state: { creds, keys: { get, set } },
    async saveCreds() {
      const value = encode(creds);
      await prisma.whatsappAuthKey.upsert({
        where: { session_type_keyId: { session, type: CREDS_TYPE, keyId: '' } },
        create: { session, type: CREDS_TYPE, keyId: '', value },
        update: { value },
      });
    },
    async clear() {
      await prisma.whatsappAuthKey.deleteMany({ where: { session } });
    },
  };
}

/** The connector's erasure hook: runs inside the contact's erasure transaction. */
export function whatsappKeyEraser(session: string) {
  return async (match: ErasureMatch, tx: Prisma.TransactionClient): Promise<void> => {
    if (!match.phone) return;
    const numbers = phoneVariants(match.phone).international;
    // lid-mapping rows: key "<phone>" → "<lid>", and key "<lid>_reverse" → "<phone>".
    const mappings = await tx.whatsappAuthKey.findMany({
      where: { session, type: 'lid-mapping', OR: numbers.flatMap((n) => [{ keyId: n }, { value: JSON.stringify(n) }]) },
      select: { keyId: true, value: true },
    });
    const lids = mappings.map((m) => (m.keyId.endsWith('_reverse') ? m.keyId.slice(0, -'_reverse'.length) : String(JSON.parse(m.value))));
    const ids = [...numbers, ...lids].filter((id) => /^\d+$/.test(id));
    if (!ids.length) return;
    await tx.whatsappAuthKey.deleteMany({
      where: {
        session,
        type: { not: 'creds' },
        // Signal addresses are "<user>.<device>" or "<user>_<domain>.<device>"; JIDs "<user>@…".
        OR: ids.flatMap((id) => [{ keyId: id }, ...['.', '_', ':', '@'].map((sep) => ({ keyId: { startsWith: `${id}${sep}` } })), { keyId: { contains: `${id}@` } }, { value: JSON.stringify(id) }]),
      },
    });
  };
}
