// Replies to Telegram: sendMessage with the chat id and the text, plus a reply keyboard.
// https://core.telegram.org/bots/api#sendmessage
// - When the bot asks a person for their own phone (contact mode), the reply carries a
//   one-time keyboard with a "share my phone" button (KeyboardButton.request_contact):
//   pressing it sends the person's own, Telegram-verified number as a contact.
// - Every other reply in a private chat carries {remove_keyboard: true}: if the person typed
//   the phone instead of pressing the button, the keyboard would otherwise stay on screen
//   for the rest of the chat. Replies are sent in order, so a turn whose last reply offers
//   the button shows it. Group chats get no keyboard at all (request_contact works only in
//   private chats; removing a keyboard there would touch every member's screen).
// Telegram takes no idempotency key: a repeat of a key this process already delivered is
// answered from memory; after a crash between the send and the "sent" mark the person may
// see a reply twice (at least once).
import { channelTexts } from '../../fsm/catalog.ts';
import { ConnectorSendError, type SendOptions, type SendReceipt } from '../types.ts';
import { TelegramApiError, type TelegramBotApi } from './bot-api.ts';
import { TELEGRAM_CHANNEL } from './normalize.ts';
import type { TelegramMetrics } from './metrics.ts';
import { LruMap } from '../../src/util/lru-map.ts';

const REMEMBERED_KEYS = 2_000;

export function replyMarkup(chatId: string, options?: SendOptions): Record<string, unknown> | undefined {
  // Private chats have the user's (positive) id; groups and channels negative ones.
  if (chatId.startsWith('-')) return undefined;
  if (options?.asks === 'phone' && options.mode === 'contact') {
    return { keyboard: [[{ text: channelTexts.sharePhoneButton, request_contact: true }]], one_time_keyboard: true, resize_keyboard: true };
  }
  // Options (SPEC §11) as an inline keyboard, one row. The tap comes back as a callback_query
  // whose data is the title (what typing it would do); callback_data holds 1-64 bytes.
  if (options?.options?.length) {
    return { inline_keyboard: [options.options.map((o) => ({ text: o.title, callback_data: Buffer.byteLength(o.title) <= 64 ? o.title : o.id }))] };
  }
  return { remove_keyboard: true };
}

export function sendMessageBody(chatId: string, text: string, options?: SendOptions): Record<string, unknown> {
  const markup = replyMarkup(chatId, options);
  return { chat_id: /^-?\d{1,20}$/.test(chatId) ? Number(chatId) : chatId, text, ...(markup ? { reply_markup: markup } : {}) };
}

export function toSendError(err: unknown): ConnectorSendError {
  if (err instanceof TelegramApiError) {
    const retryAfterMs = err.retryAfterS !== undefined ? err.retryAfterS * 1000 : undefined;
    // The description ("Forbidden: bot was blocked by the user") is the code an operator reads.
    const code = err.kind === 'http' ? err.description : err.kind === 'network' ? `network: ${err.description}` : err.kind;
    return new ConnectorSendError(TELEGRAM_CHANNEL, code, `sendMessage failed${err.errorCode ? ` (${err.errorCode})` : ''}`, err.transient, retryAfterMs);
  }
  return new ConnectorSendError(TELEGRAM_CHANNEL, 'unexpected', 'sendMessage failed', true);
}

export class TelegramOutbound {
  private readonly delivered = new LruMap<string, string>(REMEMBERED_KEYS);

  constructor(
    private readonly api: TelegramBotApi,
    private readonly metrics: TelegramMetrics,
  ) {}

  async sendText(chatId: string, text: string, idempotencyKey: string, options?: SendOptions): Promise<SendReceipt> {
    const known = this.delivered.get(idempotencyKey);
    if (known) return { providerMessageId: known };
    let result: { message_id?: unknown } | undefined;
    try {
      result = await this.api.call<{ message_id?: unknown }>('sendMessage', sendMessageBody(chatId, text, options));
    } catch (err) {
      const failure = toSendError(err);
      this.metrics.sends.inc({ outcome: failure.transient ? 'transient' : 'permanent' });
      throw failure;
    }
    this.metrics.sends.inc({ outcome: 'sent' });
    const id = typeof result?.message_id === 'number' ? String(result.message_id) : undefined;
    if (!id) return {};
    this.delivered.set(idempotencyKey, id);
    return { providerMessageId: id };
  }
}
