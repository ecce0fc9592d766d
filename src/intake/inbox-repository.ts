// Writes accepted messages into the durable inbox. The unique key (channel, account, message
// id) decides what is new: ON CONFLICT DO NOTHING, and the rows returned are the new ones.
// One statement per batch whatever its size — columns travel as arrays through unnest — so
// the hot path skips the ORM (ENVIRONMENT.md: one statement per batch pays).
import type { InboundMessage } from '../../connectors/types.ts';
import { type PipelineSql, sql } from '../conversations/pipeline-sql.ts';
import { dedupeKeyOf } from './inbound-validation.ts';

type KeyRow = { channel: string; account_id: string; message_id: string };

export class InboxRepository {
  constructor(
    private readonly db: PipelineSql,
    private readonly keepRaw: boolean,
  ) {}

  /** Inserts the messages (distinct keys); returns the dedupe keys that were new. */
  async insertNew(messages: InboundMessage[]): Promise<Set<string>> {
    if (!messages.length) return new Set();
    const col = <T>(pick: (m: InboundMessage) => T) => messages.map(pick);
    const rows = await this.db.query<KeyRow>(sql`
      INSERT INTO inbound_messages (channel, account_id, message_id, chat_id, sender_id, sender_phone, sender_name, staff_user_id, kind, text, sent_at, raw)
      SELECT * FROM unnest(
        ${col((m) => m.channel)}::varchar[], ${col((m) => m.accountId)}::varchar[], ${col((m) => m.messageId)}::varchar[],
        ${col((m) => m.chatId)}::varchar[], ${col((m) => m.sender.id)}::varchar[], ${col((m) => m.sender.phone ?? null)}::varchar[],
        ${col((m) => m.sender.displayName ?? null)}::varchar[], ${col((m) => m.staffUserId ?? null)}::uuid[], ${col((m) => m.kind)}::varchar[],
        ${col((m) => m.text)}::text[], ${col((m) => m.timestamp.toISOString())}::timestamptz[],
        ${col((m) => (this.keepRaw && m.raw !== undefined ? JSON.stringify(m.raw) : null))}::jsonb[])
      ON CONFLICT (channel, account_id, message_id) DO NOTHING
      RETURNING channel, account_id, message_id`);
    return new Set(rows.map((r) => dedupeKeyOf({ channel: r.channel, accountId: r.account_id, messageId: r.message_id })));
  }
}
