#!/usr/bin/env tsx
// Registers (or removes) the Telegram webhook of the bot, so Telegram pushes updates to
// POST /webhooks/telegram of this deployment:
//   npm run telegram:set-webhook              setWebhook(TELEGRAM_WEBHOOK_URL, secret TELEGRAM_WEBHOOK_SECRET)
//   npm run telegram:set-webhook -- --delete  deleteWebhook (back to long polling)
// Prints what Telegram then reports (getWebhookInfo). The bot token is part of every Bot API
// URL: nothing here prints URLs of the Bot API or the token.
// https://core.telegram.org/bots/api#setwebhook
import { parseArgs } from 'node:util';
import { TelegramApiError, TelegramBotApi } from '../connectors/telegram/bot-api.ts';
import { ConfigError, loadConfig } from '../src/config/env.ts';

const { values: args } = parseArgs({
  options: { delete: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});
if (args.help) {
  console.log('usage: npm run telegram:set-webhook [-- --delete]\n  needs TELEGRAM_BOT_TOKEN; to set: TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET');
  process.exit(0);
}

function fail(message: string): never {
  console.error(`telegram:set-webhook: ${message}`);
  process.exit(1);
}

// Only the Telegram variables are checked (with the app's own rules), so an unrelated
// setting of the server does not stop this script.
const telegramEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TELEGRAM_')));
let config;
try {
  config = loadConfig({ ...telegramEnv, TELEGRAM_MODE: undefined });
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
if (!config.TELEGRAM_BOT_TOKEN) fail('TELEGRAM_BOT_TOKEN is not set (the token @BotFather gave you, like 123456:ABC-DEF…)');
const missing = args.delete ? [] : (['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET'] as const).filter((k) => !config[k]);
if (missing.length) {
  fail(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: ${missing.includes('TELEGRAM_WEBHOOK_URL') ? 'TELEGRAM_WEBHOOK_URL is the public HTTPS URL of POST /webhooks/telegram, e.g. https://atende.example.org/webhooks/telegram; ' : ''}${missing.includes('TELEGRAM_WEBHOOK_SECRET') ? 'TELEGRAM_WEBHOOK_SECRET is 1-256 of A-Z a-z 0-9 _ - (the server checks it on every call)' : ''}`.replace(/; $/, ''));
}

const api = new TelegramBotApi({ apiUrl: config.TELEGRAM_API_URL.replace(/\/+$/, ''), token: config.TELEGRAM_BOT_TOKEN, requestTimeoutMs: 15_000 });
try {
  if (args.delete) {
    await api.call('deleteWebhook', { drop_pending_updates: false });
    console.log('Webhook removed: the bot can now be run in polling mode (TELEGRAM_MODE=polling, or no TELEGRAM_WEBHOOK_SECRET).');
  } else {
    if (!new URL(config.TELEGRAM_WEBHOOK_URL!).pathname.endsWith('/webhooks/telegram')) {
      console.warn('warning: TELEGRAM_WEBHOOK_URL does not end with /webhooks/telegram, the path atende serves the webhook on');
    }
    await api.call('setWebhook', {
      url: config.TELEGRAM_WEBHOOK_URL,
      secret_token: config.TELEGRAM_WEBHOOK_SECRET,
      // Only messages: edits, channel posts and callbacks are ignored by the bot anyway.
      allowed_updates: ['message', 'callback_query'],
      // Keep what people sent while no webhook was set.
      drop_pending_updates: false,
    });
    console.log(`Webhook set: ${config.TELEGRAM_WEBHOOK_URL}`);
  }
  const info = await api.call<Record<string, unknown>>('getWebhookInfo');
  console.log(JSON.stringify(info, null, 2));
} catch (err) {
  if (err instanceof TelegramApiError) fail(`Telegram refused: ${err.message}`);
  throw err;
}
