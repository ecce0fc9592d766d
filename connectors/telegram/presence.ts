// "digitando…" on Telegram while a turn runs: sendChatAction typing.
// https://core.telegram.org/bots/api#sendchataction
// Telegram shows the action for about 5 s or until the next message arrives, so a caller
// repeats it for long turns. It is a courtesy: a failure is swallowed (a turn never fails
// because the indicator did not show) and reported as false for the caller's metrics.
import type { TelegramBotApi } from './bot-api.ts';

export function chatActionBody(chatId: string): Record<string, unknown> {
  return { chat_id: /^-?\d{1,20}$/.test(chatId) ? Number(chatId) : chatId, action: 'typing' };
}

export class TelegramPresence {
  constructor(private readonly api: TelegramBotApi) {}

  async typing(chatId: string): Promise<boolean> {
    try {
      await this.api.call('sendChatAction', chatActionBody(chatId));
      return true;
    } catch {
      return false;
    }
  }
}
