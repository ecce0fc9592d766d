// The last check before a message is stored: whatever a connector produced must fit the
// inbox columns. Over-long display names are cut (cosmetic); anything else that does not
// fit makes the message invalid rather than silently truncating what the person wrote.
// Plain checks rather than a schema library: this runs for every message on the ack path.
import type { InboundKind, InboundMessage } from '../../connectors/types.ts';

export const MAX_TEXT_LENGTH = 4_096;

const CHANNEL = /^[a-z][a-z0-9-]{1,31}$/;
const E164 = /^\+[1-9]\d{7,14}$/;
const USERNAME = /^@[a-z0-9_]{1,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS = new Set<InboundKind>(['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contact', 'other']);

const text = (v: unknown, max: number, min = 1): v is string => typeof v === 'string' && v.length >= min && v.length <= max;

/** The message ready for the inbox, or undefined when it cannot be stored as is. */
export function validateInbound(m: InboundMessage): InboundMessage | undefined {
  const sender = m?.sender;
  const valid =
    typeof m.channel === 'string' &&
    CHANNEL.test(m.channel) &&
    text(m.accountId, 128) &&
    text(m.messageId, 300) &&
    text(m.chatId, 160) &&
    typeof sender === 'object' &&
    sender !== null &&
    text(sender.id, 160) &&
    (sender.phone === undefined || (typeof sender.phone === 'string' && E164.test(sender.phone))) &&
    (sender.displayName === undefined || typeof sender.displayName === 'string') &&
    (sender.username === undefined || (typeof sender.username === 'string' && USERNAME.test(sender.username))) &&
    text(m.text, MAX_TEXT_LENGTH, 0) &&
    KINDS.has(m.kind) &&
    m.timestamp instanceof Date &&
    !Number.isNaN(m.timestamp.getTime()) &&
    (m.staffUserId === undefined || (typeof m.staffUserId === 'string' && UUID.test(m.staffUserId)));
  if (!valid) return undefined;
  const displayName = sender.displayName?.trim().slice(0, 200) || undefined;
  return displayName === sender.displayName ? m : { ...m, sender: { ...sender, displayName } };
}

/** The dedupe identity of a message: the same on every replica and every redelivery. */
export function dedupeKeyOf(m: Pick<InboundMessage, 'channel' | 'accountId' | 'messageId'>): string {
  return `${m.channel}:${m.accountId}:${m.messageId}`;
}
