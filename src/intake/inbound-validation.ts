// The last check before a message is stored: whatever a connector produced must fit the
// inbox columns. Over-long display names are cut (cosmetic); anything else that does not
// fit makes the message invalid rather than silently truncating what the person wrote.
// Plain checks rather than a schema library: this runs for every message on the ack path.
// Every connector's messages pass here, so this is where text PostgreSQL cannot hold is dealt
// with for all of them: ids carrying it are refused (they would be another id once cleaned),
// what the person wrote and their display name are kept minus NUL / lone surrogates.
import type { InboundKind, InboundMessage } from '../../connectors/types.ts';
import { isStorableText, toStorableText } from '../util/storable-text.ts';

export const MAX_TEXT_LENGTH = 4_096;

const CHANNEL = /^[a-z][a-z0-9-]{1,31}$/;
const E164 = /^\+[1-9]\d{7,14}$/;
const USERNAME = /^@[a-z0-9_]{1,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS = new Set<InboundKind>(['text', 'image', 'audio', 'video', 'document', 'sticker', 'location', 'contact', 'other']);

const text = (v: unknown, max: number, min = 1): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const id = (v: unknown, max: number): v is string => text(v, max) && isStorableText(v);
// timestamptz holds far more, but a provider date outside this is a broken or hostile one.
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/** The message ready for the inbox, or undefined when it cannot be stored as is. */
export function validateInbound(m: InboundMessage): InboundMessage | undefined {
  const sender = m?.sender;
  const valid =
    typeof m.channel === 'string' &&
    CHANNEL.test(m.channel) &&
    id(m.accountId, 128) &&
    id(m.messageId, 300) &&
    id(m.chatId, 160) &&
    typeof sender === 'object' &&
    sender !== null &&
    id(sender.id, 160) &&
    (sender.phone === undefined || (typeof sender.phone === 'string' && E164.test(sender.phone))) &&
    (sender.displayName === undefined || typeof sender.displayName === 'string') &&
    (sender.username === undefined || (typeof sender.username === 'string' && USERNAME.test(sender.username))) &&
    text(m.text, MAX_TEXT_LENGTH, 0) &&
    KINDS.has(m.kind) &&
    m.timestamp instanceof Date &&
    m.timestamp.getTime() >= EARLIEST &&
    m.timestamp.getTime() <= LATEST &&
    (m.staffUserId === undefined || (typeof m.staffUserId === 'string' && UUID.test(m.staffUserId)));
  if (!valid) return undefined;
  const displayName = toStorableText(sender.displayName ?? '').trim().slice(0, 200) || undefined;
  const body = toStorableText(m.text);
  if (displayName === sender.displayName && body === m.text) return m;
  return { ...m, text: body, sender: { ...sender, displayName } };
}

/** The dedupe identity of a message: the same on every replica and every redelivery. */
export function dedupeKeyOf(m: Pick<InboundMessage, 'channel' | 'accountId' | 'messageId'>): string {
  return `${m.channel}:${m.accountId}:${m.messageId}`;
}
