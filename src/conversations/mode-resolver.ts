// Who is talking, decided when a conversation starts: a staff member registering someone
// (attendant mode) or a person registering themself (contact mode). Staff are recognized by
// a web session opened with their access token, or by a chat identity (channel + address)
// on their user. One query either way.
import { type SqlClient, sql } from '../db/sql.ts';

export interface ModeDecision {
  mode: 'contact' | 'attendant';
  attendantUserId: string | null;
}

export interface SenderOfMessage {
  channel: string;
  senderId: string;
  senderPhone: string | null;
  senderUsername?: string | null;
  staffUserId: string | null;
}

export class ModeResolver {
  constructor(private readonly db: SqlClient) {}

  async resolve(sender: SenderOfMessage): Promise<ModeDecision> {
    const addresses = [sender.senderPhone, sender.senderId, sender.senderUsername].filter((a): a is string => !!a);
    // The session outlives the access token that opened it: a user deleted or disabled since
    // then no longer registers contacts as staff, and neither do their chat identities.
    const [row] = await this.db.query<{ staff: string | null; identity: string | null }>(sql`
      SELECT (SELECT id::text FROM users WHERE id = ${sender.staffUserId}::uuid AND NOT disabled) AS staff,
             (SELECT i.user_id::text FROM chat_identities i JOIN users u ON u.id = i.user_id AND NOT u.disabled
               WHERE i.channel = ${sender.channel}::varchar AND i.address = ANY(${addresses}::varchar[]) LIMIT 1) AS identity`);
    const userId = row?.staff ?? row?.identity ?? null;
    return userId ? { mode: 'attendant', attendantUserId: userId } : { mode: 'contact', attendantUserId: null };
  }
}
