// sendChatAction against the fake Bot API on 127.0.0.1: the exact body, and that a provider
// error or an unreachable API never throws (the indicator must never fail a turn).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram, telegramErrors } from '../../test/helpers/fake-telegram.ts';
import { TelegramBotApi } from './bot-api.ts';
import { TelegramPresence } from './presence.ts';

describe('telegram typing indicator', () => {
  let fake: FakeTelegram;
  const presence = (apiUrl: string) => new TelegramPresence(new TelegramBotApi({ apiUrl, token: FAKE_BOT_TOKEN, requestTimeoutMs: 1_000 }));

  beforeAll(async () => {
    fake = await startFakeTelegram();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await fake.close();
  });

  it('sends typing to a private chat with its numeric id', async () => {
    await expect(presence(fake.url).typing('424242')).resolves.toBe(true);
    expect(fake.calls('sendChatAction')).toEqual([{ chat_id: 424242, action: 'typing' }]);
  });

  it('sends typing to a group chat (negative id)', async () => {
    await expect(presence(fake.url).typing('-1001234')).resolves.toBe(true);
    expect(fake.calls('sendChatAction')).toEqual([{ chat_id: -1001234, action: 'typing' }]);
  });

  it('swallows a provider error', async () => {
    fake.failNext('sendChatAction', telegramErrors.blocked());
    await expect(presence(fake.url).typing('424242')).resolves.toBe(false);
    expect(fake.calls('sendChatAction')).toHaveLength(1);
  });

  it('swallows an unreachable API', async () => {
    await expect(presence('http://127.0.0.1:1').typing('424242')).resolves.toBe(false);
  });
});
