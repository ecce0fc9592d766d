// sendChatAction against the fake Bot API on 127.0.0.1: the exact body, and that a provider
// error or an unreachable API never throws (the indicator must never fail a turn).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_BOT_TOKEN, type FakeTelegram, startFakeTelegram, telegramErrors } from '../../test/helpers/fake-telegram.ts';
import { TelegramBotApi } from './bot-api.ts';
import { staysFor } from '../../test/helpers/quiet.ts';
import { TelegramPresence, telegramTurnPresence } from './presence.ts';

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

  it('repeats typing while the turn runs and stops with it, one call at a time', async () => {
    const outcomes: boolean[] = [];
    const hook = telegramTurnPresence(presence(fake.url), 60);
    const turn = hook.turnStarted({ accountId: '123456789', chatId: '424242', senderId: '424242', messageIds: ['77'] }, (ok) => outcomes.push(ok));
    await fake.waitFor(() => fake.calls('sendChatAction').length >= 3, 'three typing beats');
    turn.stop();
    const calls = await staysFor(() => fake.calls('sendChatAction').length, 200);
    expect(fake.calls('sendChatAction')).toEqual(Array.from({ length: calls }, () => ({ chat_id: 424242, action: 'typing' })));
    await fake.waitFor(() => outcomes.length === calls, 'every outcome reported');
    expect(outcomes.every(Boolean)).toBe(true);
  });

  it('skips beats while a slow call is still out instead of stacking them', async () => {
    fake.failNext('sendChatAction', { status: 200, body: { ok: true, result: true }, delayMs: 400 });
    const hook = telegramTurnPresence(presence(fake.url), 50);
    const turn = hook.turnStarted({ accountId: '123456789', chatId: '424242', senderId: '424242', messageIds: ['78'] }, () => {});
    await fake.waitFor(() => fake.calls('sendChatAction').length >= 2, 'the beat after the slow one');
    turn.stop();
    // The slow call took ~8 beats; none was sent beside it.
    expect(fake.requests.filter((r) => r.method === 'sendChatAction')[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(350);
  });
});
