// Delivery statuses reported by providers after a send (WhatsApp Cloud API `statuses`,
// Baileys receipts). They can arrive out of order — Meta documents that "read" may come
// before "delivered" — so a status only overwrites an earlier stage, never a later one.
// `failed` is final: a message reported failed stays failed.
import type { DeliveryStatusSink, DeliveryStatusUpdate } from '../../connectors/types.ts';
import { type SqlClient, sql } from '../db/sql.ts';
import type { StaffMessageStatus } from './outbound-sender.ts';

const RANK: Record<DeliveryStatusUpdate['status'], number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

export class DeliveryStatusRecorder implements DeliveryStatusSink {
  constructor(
    private readonly db: SqlClient,
    /** Told about statuses of staff-written messages (the handoff console shows them). */
    private readonly onStaffStatus?: (update: StaffMessageStatus) => void,
  ) {}

  async record(update: DeliveryStatusUpdate): Promise<boolean> {
    const rank = RANK[update.status];
    const rows = await this.db.query(sql`
      UPDATE outbound_messages SET provider_status = ${update.status}::varchar, provider_status_at = ${update.at}::timestamptz,
             last_error = CASE WHEN ${update.status}::varchar = 'failed' THEN ${update.error?.slice(0, 200) ?? null}::varchar ELSE last_error END,
             status = CASE WHEN ${update.status}::varchar = 'failed' THEN 'failed' ELSE status END
      WHERE channel = ${update.channel}::varchar AND provider_message_id = ${update.providerMessageId}::varchar
        AND COALESCE(CASE provider_status WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 END, 0) < ${rank}::int
      RETURNING id::text AS id, conversation_id AS "conversationId", author_user_id IS NOT NULL AS staff`);
    for (const r of rows as { id: string; conversationId: string; staff: boolean }[]) {
      if (r.staff) this.onStaffStatus?.({ conversationId: r.conversationId, outboundId: r.id, status: update.status });
    }
    if (rows.length) return true;
    // Nothing updated: unknown id, or a stale (earlier) status for a known one.
    const known = await this.db.query(sql`SELECT 1 FROM outbound_messages WHERE channel = ${update.channel}::varchar AND provider_message_id = ${update.providerMessageId}::varchar LIMIT 1`);
    return known.length > 0;
  }
}
