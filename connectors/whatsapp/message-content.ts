// What a WhatsApp message (Baileys' proto.IMessage) says, reduced to what the bot can use:
// its text, or the kind of media it carries, or nothing at all (edits, revokes, reactions and
// other protocol traffic must not start a turn). Reads a fixed list of fields, so it works on
// protobuf class instances (defaults on the prototype) and plain JSON alike, and never throws.
import { contactCardText, vcardContact } from '../contact-card.ts';
import type { InboundKind } from '../types.ts';

/** `audio` carries what the audio message tells of itself (the caps use it before download). */
export type MessageContent =
  | { kind: 'text'; text: string }
  | { kind: 'audio'; mimeType?: string; sizeBytes?: number; durationSec?: number }
  | { kind: 'contact'; text: string }
  | { kind: Exclude<InboundKind, 'text' | 'audio' | 'contact'> }
  | { kind: 'none'; why: string };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

// Envelopes around the real message: disappearing mode, view-once, captioned documents, …
const WRAPPERS = ['ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'viewOnceMessageV2Extension', 'documentWithCaptionMessage', 'futureProofMessage', 'groupMentionedMessage', 'lottieStickerMessage'];

// Traffic about other messages or the chat: never a new turn.
const NOT_A_TURN: Record<string, string> = {
  protocolMessage: 'protocol', // revoke, edit, ephemeral setting, history sync, key share
  editedMessage: 'edit',
  reactionMessage: 'reaction',
  encReactionMessage: 'reaction',
  pollUpdateMessage: 'poll-vote',
  keepInChatMessage: 'keep',
  pinInChatMessage: 'pin',
  encEventResponseMessage: 'event-response',
  call: 'call',
};

// Present next to real content (or alone, then there is nothing to read).
const METADATA = new Set(['senderKeyDistributionMessage', 'messageContextInfo', 'fastRatchetKeySenderKeyDistributionMessage']);

const MEDIA: Record<string, Exclude<InboundKind, 'text'>> = {
  imageMessage: 'image',
  audioMessage: 'audio',
  videoMessage: 'video',
  ptvMessage: 'video',
  documentMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contact',
  contactsArrayMessage: 'contact',
};

/** The text of a reply to buttons/lists: what the person saw and tapped. */
function replyText(m: Obj): string | undefined {
  const buttons = obj(m.buttonsResponseMessage);
  if (buttons) return str(buttons.selectedDisplayText) ?? str(buttons.selectedButtonId);
  const list = obj(m.listResponseMessage);
  if (list) return str(list.title) ?? str(obj(list.singleSelectReply)?.selectedRowId);
  const template = obj(m.templateButtonReplyMessage);
  if (template) return str(template.selectedDisplayText) ?? str(template.selectedId);
  const interactive = obj(m.interactiveResponseMessage);
  if (interactive) return str(obj(interactive.body)?.text);
  return undefined;
}

function unwrap(message: Obj): Obj {
  let m = message;
  for (let depth = 0; depth < 5; depth++) {
    const inner = WRAPPERS.map((w) => obj(obj(m[w])?.message)).find(Boolean);
    if (!inner) return m;
    m = inner;
  }
  return m;
}

const present = (m: Obj, key: string): boolean => {
  const v = m[key];
  return v !== null && v !== undefined && v !== '';
};

function audioFacts(a: Obj | undefined): { mimeType?: string; sizeBytes?: number; durationSec?: number } {
  // fileLength is a protobuf uint64: a number, a Long-like object or a string once serialized.
  const size = Number(typeof a?.fileLength === 'object' && a.fileLength !== null ? String(a.fileLength) : a?.fileLength);
  const seconds = Number(a?.seconds);
  return {
    ...(str(a?.mimetype) ? { mimeType: String(a!.mimetype).slice(0, 100) } : {}),
    ...(Number.isFinite(size) && size > 0 ? { sizeBytes: size } : {}),
    ...(Number.isFinite(seconds) && seconds > 0 ? { durationSec: seconds } : {}),
  };
}

export function messageContent(message: unknown): MessageContent {
  const outer = obj(message);
  if (!outer) return { kind: 'none', why: 'empty' };
  const m = unwrap(outer);
  for (const [key, why] of Object.entries(NOT_A_TURN)) if (present(m, key) || present(outer, key)) return { kind: 'none', why };

  const text = str(m.conversation) ?? str(obj(m.extendedTextMessage)?.text) ?? replyText(m);
  if (text !== undefined) return { kind: 'text', text };
  for (const [key, kind] of Object.entries(MEDIA)) {
    if (!present(m, key)) continue;
    if (kind === 'audio') return { kind, ...audioFacts(obj(m[key])) };
    if (kind === 'contact') {
      // One card (contactMessage) or several (contactsArrayMessage): the first one is read.
      const card = obj(m.contactMessage) ?? obj((m.contactsArrayMessage as { contacts?: unknown[] } | undefined)?.contacts?.[0]);
      const parsed = vcardContact(str(card?.vcard) ?? '');
      return { kind, text: contactCardText(parsed.name ?? str(card?.displayName), parsed.phone) };
    }
    return { kind };
  }

  const rest = Object.keys(m).filter((k) => present(m, k) && !METADATA.has(k) && !WRAPPERS.includes(k));
  return rest.length ? { kind: 'other' } : { kind: 'none', why: 'no-content' };
}
