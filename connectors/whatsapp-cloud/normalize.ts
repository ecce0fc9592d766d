// Turns one verified Cloud API webhook body into InboundMessages and delivery statuses. Walks
// EVERY entry, change, message and status: Meta batches several of each into one request.
// Pure and total: whatever the input, it returns (bad items are counted, never thrown).
import { contactCardText } from '../contact-card.ts';
import type { DeliveryStatusUpdate, InboundKind, InboundMessage } from '../types.ts';
import { phoneOfWhatsappId } from '../../src/contacts/whatsapp-number.ts';
import { MAX_TEXT_LENGTH } from '../../src/intake/inbound-validation.ts';
import { WHATSAPP_CLOUD_CHANNEL } from './config.ts';
import {
  changeSchema,
  contactSchema,
  entrySchema,
  envelopeSchema,
  messageSchema,
  statusSchema,
  valueSchema,
  type WebhookContact,
  type WebhookMessage,
  type WebhookStatus,
} from './webhook-schema.ts';

export interface NormalizeOptions {
  /** Only changes for this business number are ours: replies always go out from it. */
  phoneNumberId?: string;
  now?: () => Date;
}

export interface NormalizedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatusUpdate[];
  /** Items skipped on purpose (reactions, system notices, other numbers, other fields). */
  ignored: number;
  /** Items that did not have the documented shape. */
  invalid: number;
}

export type NormalizeResult = { ok: true; value: NormalizedWebhook } | { ok: false; reason: string };

const MEDIA_KINDS: Record<string, InboundKind> = {
  image: 'image',
  audio: 'audio',
  voice: 'audio',
  video: 'video',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  contacts: 'contact',
};
// Not something the person said to the bot: a reaction to a message, a system notice (number
// changed), the "chat opened" event of the welcome-message feature.
const IGNORED_TYPES = new Set(['reaction', 'system', 'request_welcome']);
const STATUSES = new Set<DeliveryStatusUpdate['status']>(['sent', 'delivered', 'read', 'failed']);
const PHONE_DIGITS = /^[1-9]\d{7,14}$/;
// BSUID: ISO country code, a dot, then an id ("US.13491208655302741918", parent "US.ENT.…").
const BSUID = /^[A-Z]{2}\.[A-Za-z0-9.]{1,150}$/;
const MAX_ID = 160;

export function normalizeWebhook(payload: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const envelope = envelopeSchema.safeParse(payload);
  if (!envelope.success) return { ok: false, reason: 'not a webhook envelope: expected {object, entry[]}' };
  const out: NormalizedWebhook = { messages: [], statuses: [], ignored: 0, invalid: 0 };
  if (envelope.data.object !== 'whatsapp_business_account') {
    out.ignored += 1;
    return { ok: true, value: out };
  }
  const now = options.now ?? (() => new Date());
  for (const rawEntry of envelope.data.entry) {
    const entry = entrySchema.safeParse(rawEntry);
    if (!entry.success) {
      out.invalid += 1;
      continue;
    }
    for (const rawChange of entry.data.changes) {
      const change = changeSchema.safeParse(rawChange);
      if (!change.success) {
        out.invalid += 1;
        continue;
      }
      // Other fields (account_update, message_template_status_update…) are not messages.
      if (change.data.field !== 'messages') {
        out.ignored += 1;
        continue;
      }
      const value = valueSchema.safeParse(change.data.value);
      if (!value.success) {
        out.invalid += 1;
        continue;
      }
      const accountId = value.data.metadata.phone_number_id;
      if (options.phoneNumberId && accountId !== options.phoneNumberId) {
        out.ignored += (value.data.messages?.length ?? 0) + (value.data.statuses?.length ?? 0);
        continue;
      }
      const contacts = (value.data.contacts ?? []).flatMap((c) => {
        const parsed = contactSchema.safeParse(c);
        return parsed.success ? [parsed.data] : [];
      });
      for (const rawMessage of value.data.messages ?? []) {
        const message = messageSchema.safeParse(rawMessage);
        const normalized = message.success ? toInbound(message.data, accountId, contacts, now) : 'invalid';
        if (normalized === 'invalid') out.invalid += 1;
        else if (normalized === 'ignored') out.ignored += 1;
        else out.messages.push(normalized);
      }
      for (const rawStatus of value.data.statuses ?? []) {
        const status = statusSchema.safeParse(rawStatus);
        const normalized = status.success ? toStatus(status.data, now) : 'invalid';
        if (normalized === 'invalid') out.invalid += 1;
        else if (normalized === 'ignored') out.ignored += 1;
        else out.statuses.push(normalized);
      }
    }
  }
  return { ok: true, value: out };
}

function toInbound(m: WebhookMessage, accountId: string, contacts: WebhookContact[], now: () => Date): InboundMessage | 'invalid' | 'ignored' {
  if (IGNORED_TYPES.has(m.type)) return 'ignored';
  const contact = contacts.find((c) => (m.from !== undefined && c.wa_id === m.from) || (m.from_user_id !== undefined && c.user_id === m.from_user_id)) ?? (contacts.length === 1 ? contacts[0] : undefined);
  const userId = validBsuid(m.from_user_id) ?? validBsuid(contact?.user_id);
  const phoneDigits = [m.from, contact?.wa_id].find((v): v is string => v !== undefined && PHONE_DIGITS.test(v));
  // The BSUID when Meta gives one: it is present in every message since 2026 while the phone
  // may come and go (users with a username), so it keeps one conversation under one key.
  const chatId = userId ?? phoneDigits;
  if (!chatId || m.id.length > 300) return 'invalid';
  const phone = phoneDigits ? phoneOfWhatsappId(phoneDigits) : undefined;
  const displayName = contact?.profile?.name?.trim() || undefined;
  const { kind, text } = contentOf(m);
  return {
    channel: WHATSAPP_CLOUD_CHANNEL,
    accountId,
    messageId: m.id,
    chatId,
    sender: { id: chatId, ...(phone ? { phone } : {}), ...(displayName ? { displayName } : {}) },
    text,
    kind,
    timestamp: dateOf(m.timestamp, now),
    // Cloud API webhooks tell neither size nor length: the caps apply at download.
    ...(kind === 'audio' && m.audio ? { media: { ref: m.audio.id, ...(m.audio.mime_type ? { mimeType: m.audio.mime_type } : {}) } } : {}),
  };
}

function contentOf(m: WebhookMessage): { kind: InboundKind; text: string } {
  if (m.type === 'text' && m.text) return { kind: 'text', text: clip(m.text.body) };
  if (m.type === 'interactive') {
    // The title is what the person saw and tapped; the id is ours, and we send no buttons.
    const title = m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title;
    return title !== undefined ? { kind: 'text', text: clip(title) } : { kind: 'other', text: '' };
  }
  if (m.type === 'button' && m.button) return { kind: 'text', text: clip(m.button.text) };
  if (m.type === 'contacts') {
    // The first card: one message, one person to register.
    const card = m.contacts?.[0];
    const phone = card?.phones?.find((p) => p.wa_id) ?? card?.phones?.[0];
    return { kind: 'contact', text: contactCardText(card?.name?.formatted_name, phone?.wa_id ?? phone?.phone) };
  }
  return { kind: MEDIA_KINDS[m.type] ?? 'other', text: '' };
}

function toStatus(s: WebhookStatus, now: () => Date): DeliveryStatusUpdate | 'invalid' | 'ignored' {
  if (!STATUSES.has(s.status as DeliveryStatusUpdate['status'])) return 'ignored';
  if (s.id.length > 300) return 'invalid';
  const status = s.status as DeliveryStatusUpdate['status'];
  const first = s.errors?.[0];
  const error = status === 'failed' && first ? [first.code, first.title].filter((p) => p !== undefined && p !== '').join(' ') || undefined : undefined;
  return { channel: WHATSAPP_CLOUD_CHANNEL, providerMessageId: s.id, status, at: dateOf(s.timestamp, now), ...(error ? { error } : {}) };
}

function validBsuid(value: string | undefined): string | undefined {
  return value !== undefined && value.length <= MAX_ID && BSUID.test(value) ? value : undefined;
}

function clip(text: string): string {
  if (text.length <= MAX_TEXT_LENGTH) return text;
  // WhatsApp caps texts at 4096 characters, JS counts UTF-16 units: an emoji-rich message can
  // exceed the inbox limit by a few units. Cut without splitting a surrogate pair.
  const cut = text.slice(0, MAX_TEXT_LENGTH);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function dateOf(value: string | number | undefined, now: () => Date): Date {
  const seconds = typeof value === 'number' ? value : value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : NaN;
  const date = new Date(seconds * 1000);
  return seconds > 0 && !Number.isNaN(date.getTime()) ? date : now();
}
