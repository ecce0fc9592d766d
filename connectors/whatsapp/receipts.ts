// Baileys `messages.update` → delivery statuses of the messages we sent. WhatsApp reports
// server ack, delivery and read (played, for voice) per message; the recorder keeps only
// forward moves, so out-of-order receipts are harmless.
import type { DeliveryStatusUpdate } from '../types.ts';
import { WHATSAPP_CHANNEL } from './normalize.ts';

// proto.WebMessageInfo.Status: ERROR 0, PENDING 1, SERVER_ACK 2, DELIVERY_ACK 3, READ 4, PLAYED 5.
const STATUS: Record<number, DeliveryStatusUpdate['status']> = { 0: 'failed', 2: 'sent', 3: 'delivered', 4: 'read', 5: 'read' };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null ? (v as Obj) : undefined);

export function deliveryStatuses(updates: unknown, now: () => Date = () => new Date()): DeliveryStatusUpdate[] {
  if (!Array.isArray(updates)) return [];
  const out: DeliveryStatusUpdate[] = [];
  for (const u of updates) {
    const key = obj(obj(u)?.key);
    const status = obj(obj(u)?.update)?.status;
    if (!key || key.fromMe !== true || typeof key.id !== 'string' || !key.id || typeof status !== 'number') continue;
    const mapped = STATUS[status];
    if (!mapped) continue;
    out.push({ channel: WHATSAPP_CHANNEL, providerMessageId: key.id, status: mapped, at: now(), ...(mapped === 'failed' ? { error: 'whatsapp-error' } : {}) });
  }
  return out;
}
