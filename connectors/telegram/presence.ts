// "digitando…" on Telegram while a turn runs: sendChatAction typing.
// https://core.telegram.org/bots/api#sendchataction
// Telegram shows the action for about 5 s or until the next message arrives, so a caller
// repeats it for long turns. It is a courtesy: a failure is swallowed (a turn never fails
// because the indicator did not show) and reported as false for the caller's metrics.
import type { ChannelPresence } from '../types.ts';
import type { TelegramBotApi } from './bot-api.ts';

// Telegram clears the action after ~5 s: repeating every 4 s keeps it up without a gap.
export const TYPING_REPEAT_MS = 4_000;

export function chatActionBody(chatId: string): Record<string, unknown> {
  return { chat_id: /^-?\d{1,20}$/.test(chatId) ? Number(chatId) : chatId, action: 'typing' };
}

export class TelegramPresence {
  constructor(
    private readonly api: TelegramBotApi,
    /** One call's limit: shorter than the repeat, so calls never pile up. */
    private readonly timeoutMs = TYPING_REPEAT_MS,
  ) {}

  async typing(chatId: string): Promise<boolean> {
    try {
      await this.api.call('sendChatAction', chatActionBody(chatId), { timeoutMs: this.timeoutMs });
      return true;
    } catch {
      return false;
    }
  }
}

/** The connector's presence hook: typing at once, then every `repeatMs` until the turn stops. */
export function telegramTurnPresence(presence: TelegramPresence, repeatMs = TYPING_REPEAT_MS): ChannelPresence {
  return {
    turnStarted({ chatId }, outcome) {
      let inFlight = false;
      const beat = () => {
        // A slow Telegram: skip this beat rather than stack calls behind it.
        if (inFlight) return;
        inFlight = true;
        void presence.typing(chatId).then((ok) => {
          inFlight = false;
          outcome(ok);
        });
      };
      beat();
      const timer = setInterval(beat, repeatMs);
      // A forgotten stop must not keep the process alive.
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}
