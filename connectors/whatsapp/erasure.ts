// Baileys' key store (whatsapp_auth_keys) keeps, per person it talked to, the phone ↔ LID
// mapping and Signal sessions keyed by their number or LID. Erasure deletes those rows:
// Baileys fetches a mapping and negotiates a session again if the person writes anew.
// The login itself (type 'creds', the bot's own number) stays.
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { phoneVariants } from '../../src/privacy/phone-variants.ts';
import type { ErasureMatch } from '../types.ts';

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
