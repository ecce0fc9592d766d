// A Telegram user for end-to-end tests: builds updates from the recorded fixtures
// (connectors/telegram/fixtures/) with their own ids, delivers them the way the test's mode
// does (webhook POST, or queued for getUpdates on the fake Bot API) and waits for the bot's
// sendMessage calls to that chat.
import { readFileSync } from 'node:fs';
import type { Atende } from '../../src/app.ts';
import type { FakeTelegram } from './fake-telegram.ts';

type Json = Record<string, unknown>;

export function telegramFixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../connectors/telegram/fixtures/${name}.json`, import.meta.url), 'utf8')) as Json;
}

export interface TelegramUser {
  id: number;
  first_name: string;
  last_name?: string;
  /** Without it the update carries no username (the recorded one is replaced). */
  username?: string;
}

let updateSeq = 800_000_000;
let messageSeq = 2_000;

/** A private-chat update from `user`, from the recorded text message. */
export function textUpdate(user: TelegramUser, text: string, ids: { updateId?: number; messageId?: number } = {}): Json {
  const update = telegramFixture('text-private');
  const message = update.message as Json;
  const from = { ...(message.from as Json), id: user.id, first_name: user.first_name, last_name: user.last_name, username: user.username };
  const chat = { ...(message.chat as Json), id: user.id, first_name: user.first_name, last_name: user.last_name };
  return { update_id: ids.updateId ?? ++updateSeq, message: { ...message, message_id: ids.messageId ?? ++messageSeq, from, chat, date: Math.floor(Date.now() / 1000), text } };
}

/** The "share my phone" button's update from `user`, from the recorded own-contact message. */
/** A tap on an inline keyboard button of the bot's last message, as Telegram delivers it. */
export function callbackUpdate(user: TelegramUser, data: string): Json {
  const chat = { id: user.id, first_name: user.first_name, type: 'private' };
  return {
    update_id: ++updateSeq,
    callback_query: {
      id: `4382bfdwdsb${++messageSeq}`,
      from: { id: user.id, is_bot: false, first_name: user.first_name, ...(user.last_name ? { last_name: user.last_name } : {}) },
      message: { message_id: messageSeq, from: { id: 123456, is_bot: true, first_name: 'Atende' }, chat, date: Math.floor(Date.now() / 1000), text: '…' },
      chat_instance: '-4230717846471342154',
      data,
    },
  };
}

export function ownContactUpdate(user: TelegramUser, phoneDigits: string): Json {
  const update = telegramFixture('own-contact');
  const message = update.message as Json;
  const from = { ...(message.from as Json), id: user.id, first_name: user.first_name, last_name: user.last_name, username: user.username };
  const chat = { ...(message.chat as Json), id: user.id, first_name: user.first_name, last_name: user.last_name };
  const contact = { ...(message.contact as Json), phone_number: phoneDigits, first_name: user.first_name, last_name: user.last_name, user_id: user.id };
  return { update_id: ++updateSeq, message: { ...message, message_id: ++messageSeq, from, chat, date: Math.floor(Date.now() / 1000), contact } };
}

export interface TelegramChat {
  /** Delivers the update and waits until the bot answered and went idle; returns its sendMessage bodies. */
  deliver(update: Json): Promise<Json[]>;
  say(text: string): Promise<Json[]>;
}

export function telegramChat(atende: Atende, fake: FakeTelegram, user: TelegramUser, send: (update: Json) => Promise<void>): TelegramChat {
  const deliver = async (update: Json) => {
    const before = fake.sentTo(user.id).length;
    await send(update);
    await fake.waitFor(() => fake.sentTo(user.id).length > before, `a reply to update ${String(update.update_id)}`);
    await atende.conversations.whenIdle();
    return fake.sentTo(user.id).slice(before);
  };
  return { deliver, say: (text) => deliver(textUpdate(user, text)) };
}
