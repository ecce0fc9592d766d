// The normalizer, fed with the recorded updates in fixtures/ and with fuzzed input.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateInbound } from '../../src/intake/inbound-validation.ts';
import { commandText, normalizeUpdate, type NormalizeOptions, telegramPhone } from './normalize.ts';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const options: NormalizeOptions = { botId: '123456789', allowGroups: false };
const now = new Date('2026-11-30T12:00:00Z');

describe('telegram normalizer on recorded updates', () => {
  it('turns a private text message into an InboundMessage keyed by chat and message id', () => {
    const result = normalizeUpdate(fixture('text-private'), options);
    expect(result).toEqual({
      outcome: 'message',
      updateId: 731456021,
      message: {
        channel: 'telegram',
        accountId: '123456789',
        messageId: '1111111:1365',
        chatId: '1111111',
        // The @handle, lower-cased, is how staff may be registered (chat identities).
        sender: { id: '1111111', displayName: 'Test Firstname Test Lastname', username: '@testusername' },
        text: 'Oi, quero me cadastrar',
        kind: 'text',
        timestamp: new Date(1441645532 * 1000),
      },
    });
  });

  it('reads /start (the docs sample, without is_bot) as a request for help', () => {
    const result = normalizeUpdate(fixture('start-command'), options);
    expect(result).toMatchObject({ outcome: 'message', message: { text: 'ajuda', kind: 'text', sender: { id: '1111111' } } });
  });

  it("takes the sender's own shared contact as their verified phone, in E.164, and as the answer", () => {
    const result = normalizeUpdate(fixture('own-contact'), options);
    expect(result).toMatchObject({
      outcome: 'message',
      message: { messageId: '1111111:1371', sender: { id: '1111111', phone: '+5511999998888' }, text: '+5511999998888', kind: 'text' },
    });
  });

  it("reads someone else's contact card as a card (kind contact), with no phone for the sender", () => {
    const result = normalizeUpdate(fixture('other-contact'), options);
    expect(result).toMatchObject({ outcome: 'message', message: { text: 'Nome: Wundzen 💎\nTelefone: +66815432345', kind: 'contact', sender: { id: '527317977' } } });
    expect(result.outcome === 'message' && result.message.sender).toEqual({ id: '527317977', displayName: 'Worakorn CXA', username: '@worakornx' });
  });

  it('reads a caption as the text of a photo', () => {
    expect(normalizeUpdate(fixture('photo-caption'), options)).toMatchObject({ outcome: 'message', message: { kind: 'image', text: 'Meu nome é Worakorn CXA' } });
  });

  it('marks a voice message as audio with empty text', () => {
    expect(normalizeUpdate(fixture('voice'), options)).toMatchObject({ outcome: 'message', message: { kind: 'audio', text: '', messageId: '1111111:1365' } });
  });

  it.each([
    ['edited-message', 'edited'],
    ['channel-post', 'channel'],
    ['callback-query', 'not-a-message'],
    ['group-message', 'group'],
    ['group-contact', 'group'],
    ['service-new-members', 'group'],
  ])('ignores %s (%s)', (name, reason) => {
    expect(normalizeUpdate(fixture(name), options)).toEqual({ outcome: 'ignored', updateId: fixture(name).update_id, reason });
  });

  it('answers groups only when TELEGRAM_ALLOW_GROUPS is on; service messages never', () => {
    const allow = { ...options, allowGroups: true };
    expect(normalizeUpdate(fixture('group-message'), allow)).toMatchObject({
      outcome: 'message',
      message: { chatId: '-1001319789908', messageId: '-1001319789908:30', sender: { id: '526634663', displayName: 'Matsumoto. CXA' }, text: 'Hi p bot' },
    });
    expect(normalizeUpdate(fixture('group-contact'), allow)).toMatchObject({ outcome: 'message', message: { kind: 'contact', text: 'Nome: Wundzen 💎\nTelefone: +0815432345' } });
    expect(normalizeUpdate(fixture('service-new-members'), allow)).toMatchObject({ outcome: 'ignored', reason: 'service' });
  });

  it('produces messages the intake accepts for every fixture', () => {
    const names = readdirSync(new URL('./fixtures/', import.meta.url)).filter((f) => f.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const result = normalizeUpdate(fixture(name.replace(/\.json$/, '')), { ...options, allowGroups: true, keepRaw: true });
      expect(result.outcome, name).not.toBe('malformed');
      if (result.outcome === 'message') expect(validateInbound(result.message), name).toBeDefined();
    }
  });

  it('ignores messages from bots and messages without a sender', () => {
    const update = fixture('text-private');
    const message = update.message as Record<string, unknown>;
    expect(normalizeUpdate({ ...update, message: { ...message, from: { id: 5, is_bot: true, first_name: 'B' } } }, options)).toMatchObject({ reason: 'bot' });
    const { from: _from, ...anonymous } = message;
    expect(normalizeUpdate({ ...update, message: anonymous }, options)).toMatchObject({ reason: 'no-sender' });
  });

  it('reports an unreadable update as malformed, naming the path and never the content', () => {
    expect(normalizeUpdate({ message: {} }, options)).toEqual({ outcome: 'malformed', issue: 'update.update_id: invalid_type' });
    const result = normalizeUpdate({ update_id: 7, message: { message_id: 'x', chat: { id: 1 }, text: 'Maria Silva 11999998888' } }, options);
    expect(result).toEqual({ outcome: 'malformed', updateId: 7, issue: 'message.message_id: invalid_type' });
    expect(normalizeUpdate(null, options)).toMatchObject({ outcome: 'malformed' });
  });

  it('uses the arrival time when a message has no date', () => {
    const update = fixture('text-private');
    const { date: _date, ...message } = update.message as Record<string, unknown>;
    expect(normalizeUpdate({ ...update, message }, { ...options, now })).toMatchObject({ message: { timestamp: now } });
  });
});

describe('telegram commands and phones', () => {
  it.each([
    ['/start', 'ajuda'],
    ['/start ref-campanha', 'ajuda'],
    ['/help@atende_bot', 'ajuda'],
    ['/cancel', 'cancelar'],
    ['/atendente', 'atendente'],
    ['/desconhecido', '/desconhecido'],
    ['sim', 'sim'],
  ])('%s → %s', (text, expected) => expect(commandText(text)).toBe(expected));

  it.each([
    ['5511999998888', '+5511999998888'],
    ['+55 11 99999-8888', '+5511999998888'],
    ['14155552671', '+14155552671'],
  ])('shared phone %s → %s', (given, e164) => expect(telegramPhone(given)).toEqual({ text: e164, e164 }));

  it('keeps an unverifiable number as text only', () => {
    expect(telegramPhone('123')).toEqual({ text: '+123' });
    expect(telegramPhone('n/a')).toBeUndefined();
  });
});

describe('telegram normalizer under fuzzing', () => {
  const jsonish = fc.jsonValue();
  const messageLike = fc.record(
    {
      message_id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      date: fc.oneof(fc.integer(), fc.double(), fc.string()),
      chat: fc.oneof(fc.record({ id: fc.oneof(fc.integer(), fc.string()), type: fc.oneof(fc.constantFrom('private', 'group', 'supergroup', 'channel'), fc.string()) }, { requiredKeys: [] }), jsonish),
      from: fc.oneof(fc.record({ id: fc.integer(), is_bot: fc.boolean(), first_name: fc.string(), last_name: fc.string() }, { requiredKeys: [] }), jsonish),
      text: fc.oneof(fc.string(), jsonish),
      caption: fc.oneof(fc.string(), jsonish),
      contact: fc.oneof(fc.record({ phone_number: fc.string(), user_id: fc.integer() }, { requiredKeys: [] }), jsonish),
      photo: jsonish,
      new_chat_members: jsonish,
    },
    { requiredKeys: [] },
  );
  const updateLike = fc.record(
    { update_id: fc.oneof(fc.nat(), fc.integer(), fc.string()), message: messageLike, edited_message: jsonish, channel_post: jsonish, callback_query: jsonish },
    { requiredKeys: [] },
  );

  it('never throws, and every message it produces fits the inbox', () => {
    fc.assert(
      fc.property(fc.oneof(updateLike, jsonish, fc.anything()), fc.boolean(), (input, allowGroups) => {
        const result = normalizeUpdate(input, { ...options, allowGroups });
        expect(['message', 'ignored', 'malformed']).toContain(result.outcome);
        if (result.outcome === 'message') {
          expect(validateInbound(result.message)).toBeDefined();
          expect(result.message.messageId).toBe(`${result.message.chatId}:${(input as { message: { message_id: number } }).message.message_id}`);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('gives a verified phone only for the sender’s own contact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.string(), (from, owner, phone) => {
        const update = { update_id: 1, message: { message_id: 1, date: 1, chat: { id: from, type: 'private' }, from: { id: from }, contact: { phone_number: phone, user_id: owner } } };
        const result = normalizeUpdate(update, options);
        expect(result.outcome).toBe('message');
        if (result.outcome === 'message' && result.message.sender.phone) expect(owner).toBe(from);
        if (from !== owner) expect(result).toMatchObject({ message: { kind: 'contact', text: '' } });
      }),
      { numRuns: 1_000 },
    );
  });
});
