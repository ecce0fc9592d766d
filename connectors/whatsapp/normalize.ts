// Baileys `messages.upsert` → InboundMessages. Both upsert types count: `notify` is a message
// received live, `append` one received while the socket was offline (and phone resends of
// messages that could not be decrypted at first); the same message delivered both ways keeps
// its key.id, so the intake's dedupe gives it one effect. Own messages, status broadcasts,
// newsletters and (unless enabled) groups are skipped; so is anything that is not a new
// turn (edits, revokes, reactions, receipts — see message-content.ts).
//
// Addressing (Baileys 7): a person's chat JID is either their phone number (PN,
// `…@s.whatsapp.net`) or their LID (`…@lid`); Baileys puts the other form, when WhatsApp sent
// it, in key.remoteJidAlt (groups: key.participantAlt). The conversation is keyed on the LID
// whenever the message names one — WhatsApp addresses people more and more by LID, and a
// PN-addressed message carries the LID alongside — so one person keeps one conversation. The
// phone comes from the PN JID, else from Baileys' LID→PN mapping store; else it is unknown
// and the bot asks for it.
//
// A message Baileys could not decrypt arrives as a stub (messageStubType CIPHERTEXT, no
// content): it starts no turn, but a private chat's stub is reported, so the connector can
// ask the person to send it again (undecryptable.ts).
//
// This code runs on whatever the socket hands over: it never throws (fuzzed in tests).
import { MAX_TEXT_LENGTH } from '../../src/intake/inbound-validation.ts';
import type { InboundMessage } from '../types.ts';
import { bareJid, jidKind, phoneOfJid } from './jid.ts';
import { messageContent } from './message-content.ts';

export const WHATSAPP_CHANNEL = 'whatsapp';

export interface NormalizeContext {
  /** The bot's own number (digits), the account every message belongs to. */
  accountId: string;
  allowGroups: boolean;
  /** Baileys' LID→PN mapping (signalRepository.lidMapping.getPNForLID); may fail or be absent. */
  pnForLid?: (lid: string) => Promise<string | null | undefined>;
}

/** An undecryptable message in a private chat: who to ask to send it again. */
export interface Undecryptable {
  chatId: string;
  messageId: string;
}

export type Normalized = { message: InboundMessage } | { skipped: string; undecryptable?: Undecryptable };

// proto.WebMessageInfo.StubType.CIPHERTEXT (REVOKE is 1): a number from the socket, the
// enum's name once the message went through JSON.
const CIPHERTEXT_STUB = 2;
const isCiphertextStub = (stub: unknown) => stub === CIPHERTEXT_STUB || stub === 'CIPHERTEXT';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

/** Seconds since the epoch as Baileys gives them: number, string or protobuf Long. */
function timestampOf(value: unknown): Date {
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && /^\d{1,12}$/.test(value)) seconds = Number(value);
  else {
    const long = obj(value);
    if (long && typeof long.low === 'number' && typeof long.high === 'number') seconds = long.high * 2 ** 32 + (long.low >>> 0);
  }
  const date = seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : new Date();
}

/** The person behind a (primary, alternate) JID pair: their stable id and, if known, phone. */
async function person(primary: unknown, alternate: unknown, ctx: NormalizeContext): Promise<{ id: string; phone?: string } | undefined> {
  const a = bareJid(primary);
  const b = bareJid(alternate);
  const lid = [a, b].find((j) => jidKind(j) === 'lid');
  const pn = [a, b].find((j) => jidKind(j) === 'pn');
  const id = lid ?? pn;
  if (!id) return undefined;
  let phone = phoneOfJid(pn);
  if (!phone && lid && ctx.pnForLid) {
    try {
      phone = phoneOfJid(await ctx.pnForLid(lid));
    } catch {
      // The mapping store is a nicety: without it the bot asks for the phone.
    }
  }
  return phone ? { id, phone } : { id };
}

export async function normalizeMessage(input: unknown, ctx: NormalizeContext): Promise<Normalized> {
  try {
    const msg = obj(input);
    const key = obj(msg?.key);
    if (!msg || !key) return { skipped: 'malformed' };
    if (key.fromMe === true) return { skipped: 'from-me' };
    const id = typeof key.id === 'string' ? key.id.trim() : '';
    if (!id || id.length > 300) return { skipped: 'malformed' };

    const remote = bareJid(key.remoteJid);
    const kind = jidKind(remote);
    if (kind === 'status') return { skipped: 'status' };
    if (kind === 'broadcast') return { skipped: 'broadcast' };
    if (kind === 'newsletter') return { skipped: 'newsletter' };
    if (kind === 'group' && !ctx.allowGroups) return { skipped: 'group' };
    if (kind === 'other') return { skipped: 'unsupported-jid' };

    const content = messageContent(msg.message);
    if (content.kind === 'none' && isCiphertextStub(msg.messageStubType)) {
      // Groups stay out: a reply there would speak to everyone about one member's message.
      if (kind === 'group') return { skipped: 'undecryptable' };
      // The chat's id only: no mapping read is needed for it.
      const chat = await person(key.remoteJid, key.remoteJidAlt, { accountId: ctx.accountId, allowGroups: ctx.allowGroups });
      return chat ? { skipped: 'undecryptable', undecryptable: { chatId: chat.id, messageId: id } } : { skipped: 'unsupported-jid' };
    }
    if (content.kind === 'none') return { skipped: content.why };

    const sender = kind === 'group' ? await person(key.participant, key.participantAlt, ctx) : await person(key.remoteJid, key.remoteJidAlt, ctx);
    if (!sender) return { skipped: 'unsupported-jid' };
    const displayName = typeof msg.pushName === 'string' && msg.pushName.trim() ? msg.pushName : undefined;

    return {
      message: {
        channel: WHATSAPP_CHANNEL,
        accountId: ctx.accountId,
        messageId: id,
        chatId: kind === 'group' ? remote! : sender.id,
        sender: { ...sender, ...(displayName ? { displayName } : {}) },
        // WhatsApp allows 65 536 characters, the inbox 4 096: an over-long message is cut
        // rather than dropped, so the person still gets an answer.
        text: content.kind === 'text' || content.kind === 'contact' ? content.text.slice(0, MAX_TEXT_LENGTH) : '',
        kind: content.kind,
        // The whole message is the reference: Baileys needs its mediaKey and directPath.
        ...(content.kind === 'audio' ? { media: { ref: input, mimeType: content.mimeType, sizeBytes: content.sizeBytes, durationSec: content.durationSec } } : {}),
        timestamp: timestampOf(msg.messageTimestamp),
        raw: input,
      },
    };
  } catch {
    return { skipped: 'malformed' };
  }
}

/** All the new turns of one `messages.upsert` event, with a count of what was skipped and why,
 * and the private chats' messages that could not be decrypted. */
export async function normalizeUpsert(event: unknown, ctx: NormalizeContext): Promise<{ messages: InboundMessage[]; skipped: Record<string, number>; undecryptable: Undecryptable[] }> {
  const messages: InboundMessage[] = [];
  const skipped: Record<string, number> = {};
  const undecryptable: Undecryptable[] = [];
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  try {
    const e = obj(event);
    if (!e || (e.type !== 'notify' && e.type !== 'append')) {
      skip('upsert-type');
      return { messages, skipped, undecryptable };
    }
    const list = Array.isArray(e.messages) ? e.messages : [];
    for (const item of list) {
      const result = await normalizeMessage(item, ctx);
      if ('message' in result) messages.push(result.message);
      else {
        skip(result.skipped);
        if (result.undecryptable) undecryptable.push(result.undecryptable);
      }
    }
  } catch {
    skip('malformed');
  }
  return { messages, skipped, undecryptable };
}
