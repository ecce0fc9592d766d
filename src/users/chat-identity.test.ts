import { describe, expect, it } from 'vitest';
import { normalizeChatAddress } from './chat-identity.ts';

describe('normalizeChatAddress', () => {
  it.each([
    ['whatsapp', '(11) 99999-8888', '+5511999998888'],
    ['whatsapp', '+55 11 99999-8888', '+5511999998888'],
    ['whatsapp', '5511999998888@s.whatsapp.net', '+5511999998888'],
    ['whatsapp', '123456789012345@LID', '123456789012345@lid'],
    ['whatsapp-cloud', '5511999998888', '+5511999998888'],
    // Read as Brazilian first (area code 14); not a valid one, so as international.
    ['whatsapp-cloud', '14155552671', '+14155552671'],
    ['whatsapp-cloud', '14998887777', '+5514998887777'],
    ['whatsapp-cloud', '+1 415 555 2671', '+14155552671'],
    ['telegram', '+55 21 98888-7777', '+5521988887777'],
    ['telegram', '@Maria_Atende', '@maria_atende'],
    ['telegram', '987654321', '987654321'],
    ['web', '  attendant-7  ', 'attendant-7'],
  ])('%s %j → %s', (channel, input, expected) => {
    expect(normalizeChatAddress(channel, input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['whatsapp', '9999'],
    ['whatsapp', 'maria'],
    ['telegram', 'maria'],
    ['telegram', '11 99999-8888'],
    ['web', '   '],
    ['web', 'x'.repeat(129)],
  ])('refuses %s %j', (channel, input) => {
    expect(normalizeChatAddress(channel, input).ok).toBe(false);
  });
});
