// The last check before a message is stored: whatever a connector produced must fit the
// inbox columns. Over-long display names are cut (cosmetic); anything else that does not
// fit makes the message invalid rather than silently truncating what the person wrote.
import { z } from 'zod';
import type { InboundMessage } from '../../connectors/types.ts';

export const MAX_TEXT_LENGTH = 4_096;

const inboundSchema = z.object({
  channel: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/),
  accountId: z.string().min(1).max(128),
  messageId: z.string().min(1).max(300),
  chatId: z.string().min(1).max(160),
  sender: z.object({
    id: z.string().min(1).max(160),
    phone: z.string().regex(/^\+[1-9]\d{7,14}$/).optional(),
    displayName: z.string().optional(),
  }),
  text: z.string().max(MAX_TEXT_LENGTH),
  kind: z.enum(['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contact', 'other']),
  timestamp: z.date().refine((d) => !Number.isNaN(d.getTime())),
  raw: z.unknown().optional(),
  staffUserId: z.uuid().optional(),
});

/** The message ready for the inbox, or undefined when it cannot be stored as is. */
export function validateInbound(message: InboundMessage): InboundMessage | undefined {
  const result = inboundSchema.safeParse(message);
  if (!result.success) return undefined;
  const m = result.data;
  const displayName = m.sender.displayName?.trim().slice(0, 200) || undefined;
  return { ...m, sender: { ...m.sender, displayName } };
}

/** The dedupe identity of a message: the same on every replica and every redelivery. */
export function dedupeKeyOf(m: Pick<InboundMessage, 'channel' | 'accountId' | 'messageId'>): string {
  return `${m.channel}:${m.accountId}:${m.messageId}`;
}
