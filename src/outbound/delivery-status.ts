// Delivery statuses reported by providers after a send (WhatsApp Cloud API `statuses`,
// Baileys receipts). They can arrive out of order — Meta documents that "read" may come
// before "delivered" — so a status only overwrites an earlier stage, never a later one.
// `failed` is final: a message reported failed stays failed.
import type { DeliveryStatusSink, DeliveryStatusUpdate } from '../../connectors/types.ts';
import type { OutboundRepository } from './outbound-repository.ts';
import type { StaffMessageStatus } from './outbound-sender.ts';

export class DeliveryStatusRecorder implements DeliveryStatusSink {
  constructor(
    private readonly outbound: OutboundRepository,
    /** Told about statuses of staff-written messages (the handoff console shows them). */
    private readonly onStaffStatus?: (update: StaffMessageStatus) => void,
  ) {}

  /** False for a provider id no reply of ours carries. */
  async record(update: DeliveryStatusUpdate): Promise<boolean> {
    const changed = await this.outbound.recordStatus(update);
    for (const r of changed ?? []) if (r.staff) this.onStaffStatus?.({ conversationId: r.conversationId, outboundId: r.id, status: update.status });
    return changed !== null;
  }
}
