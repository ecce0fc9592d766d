// Who is who in the handoff inbox: staff (claims, authors of staff messages) by user id, and
// the person waiting (name and phone when known) by conversation — for the queue and the
// console's live events, both read by staff only.
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface StaffRef {
  id: string;
  email: string;
  name?: string;
}

export interface PersonRef {
  name?: string;
  phone?: string;
}

export async function staffRefs(prisma: PrismaClient, ids: string[]): Promise<StaffRef[]> {
  if (!ids.length) return [];
  const users = await prisma.user.findMany({ where: { id: { in: [...new Set(ids)] } }, select: { id: true, email: true, name: true } });
  const byId = new Map(users.map((u) => [u.id, { id: u.id, email: u.email, ...(u.name ? { name: u.name } : {}) }]));
  return ids.map((id) => byId.get(id) ?? { id, email: '' });
}

/**
 * The person of each conversation, best source first: the saved contact, what the bot has
 * collected so far (snapshot fields), what the channel told us about the sender.
 */
export async function personOf(prisma: PrismaClient, conversationIds: string[]): Promise<Map<string, PersonRef>> {
  if (!conversationIds.length) return new Map();
  const rows = await prisma.$queryRaw<{ id: string; contactName: string | null; contactPhone: string | null; fieldName: string | null; fieldPhone: string | null; senderName: string | null; senderPhone: string | null }[]>`
    SELECT c.id::text AS id, ct.name AS "contactName", ct.phone AS "contactPhone",
           c.snapshot->'context'->'fields'->>'name' AS "fieldName", c.snapshot->'context'->'fields'->>'phone' AS "fieldPhone",
           s.sender_name AS "senderName", s.sender_phone AS "senderPhone"
    FROM conversations c
    LEFT JOIN contacts ct ON ct.id = c.contact_id
    LEFT JOIN LATERAL (
      SELECT sender_name, sender_phone FROM inbound_messages i
      WHERE i.conversation_id = c.id AND i.staff_user_id IS NULL AND (i.sender_name IS NOT NULL OR i.sender_phone IS NOT NULL)
      ORDER BY i.id DESC LIMIT 1
    ) s ON true
    WHERE c.id = ANY(${conversationIds}::uuid[])`;
  return new Map(
    rows.map((r) => {
      const name = r.contactName ?? r.fieldName ?? r.senderName;
      const phone = r.contactPhone ?? r.fieldPhone ?? r.senderPhone;
      return [r.id, { ...(name ? { name } : {}), ...(phone ? { phone } : {}) }];
    }),
  );
}
