// Writes accepted messages into the durable inbox. The unique key (channel, account, message
// id) decides what is new: ON CONFLICT DO NOTHING, and the rows returned are the new ones.
// One statement per batch whatever its size — columns travel as arrays through unnest — so
// the hot path skips the ORM (ENVIRONMENT.md: one statement per batch pays).
import type { InboundMessage } from '../../connectors/types.ts';
import { type SqlClient, sql, toBigInt } from '../db/sql.ts';
import { toStorableJson } from '../util/storable-text.ts';
import { dedupeKeyOf } from './inbound-validation.ts';

type KeyRow = { id: unknown; channel: string; account_id: string; message_id: string };

export class InboxRepository {
  constructor(
    private readonly db: SqlClient,
    private readonly keepRaw: boolean,
  ) {}

  /** Inserts the messages (distinct keys); returns the new ones' dedupe keys → inbox ids. */
  async insertNew(messages: InboundMessage[]): Promise<Map<string, bigint>> {
    if (!messages.length) return new Map();
    const col = <T>(pick: (m: InboundMessage) => T) => messages.map(pick);
    const rows = await this.db.query<KeyRow>(sql`
      INSERT INTO inbound_messages (channel, account_id, message_id, chat_id, sender_id, sender_phone, sender_name, sender_username, staff_user_id, kind, text, sent_at, raw)
      SELECT * FROM unnest(
        ${col((m) => m.channel)}::varchar[], ${col((m) => m.accountId)}::varchar[], ${col((m) => m.messageId)}::varchar[],
        ${col((m) => m.chatId)}::varchar[], ${col((m) => m.sender.id)}::varchar[], ${col((m) => m.sender.phone ?? null)}::varchar[],
        ${col((m) => m.sender.displayName ?? null)}::varchar[], ${col((m) => m.sender.username ?? null)}::varchar[], ${col((m) => m.staffUserId ?? null)}::uuid[], ${col((m) => m.kind)}::varchar[],
        ${col((m) => m.text)}::text[], ${col((m) => m.timestamp.toISOString())}::timestamptz[],
        ${col((m) => (this.keepRaw && m.raw !== undefined ? toStorableJson(m.raw) : null))}::jsonb[])
      ON CONFLICT (channel, account_id, message_id) DO NOTHING
      RETURNING id, channel, account_id, message_id`);
    return new Map(rows.map((r) => [dedupeKeyOf({ channel: r.channel, accountId: r.account_id, messageId: r.message_id }), toBigInt(r.id)]));
  }
}
