// Telegram updates → InboundMessages. Parsing is lenient (zod loose objects, only the fields
// we use are checked), because the Bot API adds fields all the time and an update we cannot
// read must not stop the ones after it. normalizeUpdate never throws.
// https://core.telegram.org/bots/api#update, #message
import { z } from 'zod';
import { normalizePhone } from '../../src/contacts/fields.ts';
import { contactCardText } from '../contact-card.ts';
import type { InboundKind, InboundMedia, InboundMessage } from '../types.ts';

export const TELEGRAM_CHANNEL = 'telegram';

const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
const chat = z.looseObject({ id: z.number().int(), type: z.string().optional() });
const contact = z.looseObject({ phone_number: z.string(), user_id: z.number().int().optional(), first_name: z.string().optional(), last_name: z.string().optional() });
const message = z.looseObject({
  message_id: z.number().int(),
  // Missing in some of the Bot API docs' own samples; we then take the arrival time.
  date: z.number().int().optional(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  contact: contact.optional(),
});
const update = z.looseObject({ update_id: z.number().int().nonnegative() });

export type TelegramMessage = z.infer<typeof message>;

export type IgnoreReason = 'edited' | 'channel' | 'group' | 'bot' | 'no-sender' | 'service' | 'not-a-message';

export type NormalizedUpdate =
  /** `callbackQueryId`: a button tap, to be answered with answerCallbackQuery once stored. */
  | { outcome: 'message'; updateId: number; message: InboundMessage; callbackQueryId?: string }
  | { outcome: 'ignored'; updateId: number; reason: IgnoreReason }
  /** Not an update we can read; `issue` names the offending path, never a value. */
  | { outcome: 'malformed'; updateId?: number; issue: string };

export interface NormalizeOptions {
  botId: string;
  allowGroups: boolean;
  /** Arrival time, for messages without a date. */
  now?: Date;
  /** Keep the update as `raw` (stored only when the app logs at debug level). */
  keepRaw?: boolean;
}

// Media, in the order checked: an animation also carries `document`, a venue `location`.
const MEDIA: [key: string, kind: InboundKind][] = [
  ['photo', 'image'],
  ['sticker', 'sticker'],
  ['animation', 'video'],
  ['video', 'video'],
  ['video_note', 'video'],
  ['voice', 'audio'],
  ['audio', 'audio'],
  ['document', 'document'],
  ['venue', 'location'],
  ['location', 'location'],
];

// Service messages: something happened in the chat, nobody wrote anything to the bot.
const SERVICE = [
  'new_chat_members', 'new_chat_participant', 'left_chat_member', 'left_chat_participant', 'new_chat_title', 'new_chat_photo',
  'delete_chat_photo', 'group_chat_created', 'supergroup_chat_created', 'channel_chat_created', 'message_auto_delete_timer_changed',
  'migrate_to_chat_id', 'migrate_from_chat_id', 'pinned_message', 'successful_payment', 'refunded_payment', 'users_shared',
  'chat_shared', 'connected_website', 'write_access_allowed', 'passport_data', 'proximity_alert_triggered', 'boost_added',
  'chat_background_set', 'forum_topic_created', 'forum_topic_edited', 'forum_topic_closed', 'forum_topic_reopened',
  'general_forum_topic_hidden', 'general_forum_topic_unhidden', 'giveaway_created', 'giveaway_completed', 'video_chat_scheduled',
  'video_chat_started', 'video_chat_ended', 'video_chat_participants_invited', 'web_app_data',
];

// Bot commands → the words the conversation machine understands. /start (the first thing a
// Telegram client sends) becomes a request for help: at the start of a chat the bot then
// introduces itself and asks for consent; in the middle of one it explains and repeats its
// question — whereas a literal "/start" (or a greeting) could be taken as an answer, e.g. as
// the name. Unknown commands pass through as typed.
const COMMANDS: Record<string, string> = {
  start: 'ajuda',
  help: 'ajuda',
  ajuda: 'ajuda',
  cancel: 'cancelar',
  cancelar: 'cancelar',
  restart: 'recomeçar',
  recomecar: 'recomeçar',
  reiniciar: 'recomeçar',
  atendente: 'atendente',
  humano: 'atendente',
};
const COMMAND = /^\/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s[\s\S]*)?$/;

export function commandText(text: string): string {
  const match = COMMAND.exec(text.trim());
  return (match && COMMANDS[match[1]!.toLowerCase()]) ?? text;
}

/** A phone Telegram vouches for: international digits, with or without "+", to E.164. */
export function telegramPhone(phoneNumber: string): { text: string; e164?: string } | undefined {
  const digits = phoneNumber.replace(/\D/g, '').slice(0, 20);
  if (!digits) return undefined;
  const parsed = normalizePhone(`+${digits}`);
  return parsed.ok ? { text: parsed.value, e164: parsed.value } : { text: `+${digits}` };
}

/** "@name", lower-cased like staff chat identities (Telegram usernames ignore case). */
function handleOf(from: z.infer<typeof user>): string | undefined {
  return from.username && /^[A-Za-z0-9_]{4,32}$/.test(from.username) ? `@${from.username.toLowerCase()}` : undefined;
}

function displayName(from: z.infer<typeof user>): string | undefined {
  return [from.first_name, from.last_name].filter((s) => s && s.trim()).join(' ').trim() || undefined;
}

function issueOf(error: z.ZodError, prefix: string): string {
  const path = error.issues[0]?.path.join('.') ?? '';
  return `${prefix}${path ? `.${path}` : ''}: ${error.issues[0]?.code ?? 'invalid'}`;
}

function chatType(c: z.infer<typeof chat>): string {
  // Old payloads (and the docs' first sample) have no type: user chats have positive ids.
  return c.type ?? (c.id > 0 ? 'private' : 'group');
}

/** A voice note's or audio file's file_id and what Telegram tells of it (the caps use them). */
function audioOf(value: unknown): { media?: InboundMedia } {
  const a = value as { file_id?: unknown; duration?: unknown; mime_type?: unknown; file_size?: unknown } | null;
  if (!a || typeof a.file_id !== 'string' || !a.file_id || a.file_id.length > 300) return {};
  return {
    media: {
      ref: a.file_id,
      ...(typeof a.mime_type === 'string' ? { mimeType: a.mime_type.slice(0, 100) } : {}),
      ...(typeof a.file_size === 'number' ? { sizeBytes: a.file_size } : {}),
      ...(typeof a.duration === 'number' ? { durationSec: a.duration } : {}),
    },
  };
}

/** Text and kind of a message; contact rules need the sender. */
function contentOf(m: TelegramMessage, raw: Record<string, unknown>, senderId: number): { text: string; kind: InboundKind; phone?: string; media?: InboundMedia } | 'service' {
  if (m.contact) {
    // Only the sender's own contact (the "share my phone" button) is a verified phone; a
    // contact card of someone else says nothing about who is writing.
    const own = m.contact.user_id === senderId ? telegramPhone(m.contact.phone_number) : undefined;
    if (own) return { text: own.text, kind: 'text', ...(own.e164 ? { phone: own.e164 } : {}) };
    const name = [m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ');
    return { text: contactCardText(name, telegramPhone(m.contact.phone_number)?.text), kind: 'contact' };
  }
  if (typeof m.text === 'string') return { text: commandText(m.text), kind: 'text' };
  const media = MEDIA.find(([key]) => raw[key] !== undefined && raw[key] !== null);
  // A caption is what the person wrote with the media: the machine reads it like text.
  if (media) return { text: m.caption ?? '', kind: media[1], ...(media[1] === 'audio' ? audioOf(raw[media[0]]) : {}) };
  if (SERVICE.some((key) => raw[key] !== undefined)) return 'service';
  return { text: m.caption ?? '', kind: 'other' };
}

function normalizeMessage(raw: unknown, updateId: number, options: NormalizeOptions, fullUpdate: unknown): NormalizedUpdate {
  const parsed = message.safeParse(raw);
  if (!parsed.success) return { outcome: 'malformed', updateId, issue: issueOf(parsed.error, 'message') };
  const m = parsed.data;
  const type = chatType(m.chat);
  if (type === 'channel') return { outcome: 'ignored', updateId, reason: 'channel' };
  if (type !== 'private' && !options.allowGroups) return { outcome: 'ignored', updateId, reason: 'group' };
  // Without `from` (anonymous group admins, channels) nobody can be asked for consent.
  if (!m.from) return { outcome: 'ignored', updateId, reason: 'no-sender' };
  if (m.from.is_bot) return { outcome: 'ignored', updateId, reason: 'bot' };
  const content = contentOf(m, raw as Record<string, unknown>, m.from.id);
  if (content === 'service') return { outcome: 'ignored', updateId, reason: 'service' };
  const name = displayName(m.from);
  const username = handleOf(m.from);
  const chatId = String(m.chat.id);
  return {
    outcome: 'message',
    updateId,
    message: {
      channel: TELEGRAM_CHANNEL,
      accountId: options.botId,
      // message_id is unique only within a chat.
      messageId: `${chatId}:${m.message_id}`,
      chatId,
      sender: {
        id: String(m.from.id),
        ...(content.phone ? { phone: content.phone } : {}),
        ...(name ? { displayName: name } : {}),
        ...(username ? { username } : {}),
      },
      text: content.text,
      kind: content.kind,
      ...(content.media ? { media: content.media } : {}),
      timestamp: m.date !== undefined && m.date > 0 ? new Date(m.date * 1000) : (options.now ?? new Date()),
      ...(options.keepRaw ? { raw: fullUpdate } : {}),
    },
  };
}

const callbackQuery = z.looseObject({ id: z.string().min(1).max(128), from: user, data: z.string().max(64).optional(), message: z.looseObject({ message_id: z.number().int(), chat }).optional() });

/**
 * A tap on an inline keyboard button we sent (a reply's options): read like the person typed
 * the button's data — the option's title. Taps on messages we cannot place (inline mode, no
 * message) or without data are ignored, as are taps in groups unless groups are allowed.
 */
function normalizeCallback(raw: unknown, updateId: number, options: NormalizeOptions, fullUpdate: unknown): NormalizedUpdate {
  const parsed = callbackQuery.safeParse(raw);
  if (!parsed.success) return { outcome: 'malformed', updateId, issue: issueOf(parsed.error, 'callback_query') };
  const q = parsed.data;
  if (!q.message || q.data === undefined || !q.data.trim()) return { outcome: 'ignored', updateId, reason: 'not-a-message' };
  if (q.from.is_bot) return { outcome: 'ignored', updateId, reason: 'bot' };
  if (chatType(q.message.chat) !== 'private' && !options.allowGroups) return { outcome: 'ignored', updateId, reason: 'group' };
  const chatId = String(q.message.chat.id);
  const name = displayName(q.from);
  const username = handleOf(q.from);
  return {
    outcome: 'message',
    updateId,
    callbackQueryId: q.id,
    message: {
      channel: TELEGRAM_CHANNEL,
      accountId: options.botId,
      // The query id is unique per tap: a redelivered update is a duplicate, a second tap is not.
      messageId: `${chatId}:cb:${q.id}`,
      chatId,
      sender: { id: String(q.from.id), ...(name ? { displayName: name } : {}), ...(username ? { username } : {}) },
      text: q.data,
      kind: 'text',
      timestamp: options.now ?? new Date(),
      ...(options.keepRaw ? { raw: fullUpdate } : {}),
    },
  };
}

/** What one update means for us. Never throws, whatever the input. */
export function normalizeUpdate(input: unknown, options: NormalizeOptions): NormalizedUpdate {
  try {
    const head = update.safeParse(input);
    if (!head.success) return { outcome: 'malformed', issue: issueOf(head.error, 'update') };
    const u = head.data as Record<string, unknown> & { update_id: number };
    const updateId = u.update_id;
    if (u.message !== undefined) return normalizeMessage(u.message, updateId, options, input);
    // An edit does not start a new turn: the original message was answered already.
    if (u.edited_message !== undefined) return { outcome: 'ignored', updateId, reason: 'edited' };
    if (u.channel_post !== undefined || u.edited_channel_post !== undefined) return { outcome: 'ignored', updateId, reason: 'channel' };
    if (u.callback_query !== undefined) return normalizeCallback(u.callback_query, updateId, options, input);
    // Inline queries, chat member changes…: the bot offers none of these.
    return { outcome: 'ignored', updateId, reason: 'not-a-message' };
  } catch {
    return { outcome: 'malformed', issue: 'update: unreadable' };
  }
}
