// The normalizer fed with Meta's documented webhook payloads (fixtures/, see README) and with
// fuzzed input: every entry/change/message counts, BSUIDs key the chat, statuses come out in
// the recorder's shape, and no input makes it throw.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeWebhook, type NormalizedWebhook } from './normalize.ts';

const PNID = '106540352242922';
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const normalized = (name: string, phoneNumberId?: string): NormalizedWebhook => {
  const result = normalizeWebhook(fixture(name), { phoneNumberId });
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};
const SHEENA = { id: '16505551234', phone: '+16505551234', displayName: 'Sheena Nelson' };

describe('Cloud API webhook normalizer on recorded payloads', () => {
  it('text: one message keyed on the wa_id, with phone and name', () => {
    const out = normalized('text', PNID);
    expect(out).toMatchObject({ statuses: [], ignored: 0, invalid: 0 });
    expect(out.messages).toEqual([
      {
        channel: 'whatsapp-cloud',
        accountId: PNID,
        messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        chatId: '16505551234',
        sender: SHEENA,
        text: 'Does it come in another color?',
        kind: 'text',
        timestamp: new Date(1749416383 * 1000),
      },
    ]);
  });

  it('batch: every entry, change and message, each with its own sender, plus the statuses', () => {
    const out = normalized('batch', PNID);
    expect(out.messages.map((m) => [m.chatId, m.sender.displayName, m.text])).toEqual([
      ['16505551234', 'Sheena Nelson', 'Olá'],
      ['15551234567', 'Pablo Morales', 'Bom dia'],
      ['16505551234', 'Sheena Nelson', 'Quero me cadastrar'],
      ['16315551181', 'Kerry Fisher', 'Oi, tudo bem?'],
    ]);
    expect(new Set(out.messages.map((m) => m.messageId)).size).toBe(4);
    expect(out.statuses).toEqual([
      { channel: 'whatsapp-cloud', providerMessageId: 'wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI3OEQ2RTNGQjk4RUQ4QUZGQTIA', status: 'delivered', at: new Date(1749416392 * 1000) },
    ]);
  });

  it('interactive button and list replies and template quick replies read as the tapped title', () => {
    expect(normalized('interactive-button-reply').messages[0]).toMatchObject({ kind: 'text', text: 'Cancel', sender: SHEENA });
    expect(normalized('interactive-list-reply').messages[0]).toMatchObject({ kind: 'text', text: 'Priority Mail Express' });
    expect(normalized('template-button-reply').messages[0]).toMatchObject({ kind: 'text', text: 'Unsubscribe' });
  });

  it('media, location and unsupported messages keep their kind with an empty text (the caption is not read)', () => {
    expect(normalized('image').messages.map((m) => [m.kind, m.text])).toEqual([['image', '']]);
    expect(normalized('location').messages.map((m) => [m.kind, m.text])).toEqual([['location', '']]);
    expect(normalized('sticker').messages.map((m) => [m.kind, m.text])).toEqual([['sticker', '']]);
    expect(normalized('unsupported').messages.map((m) => [m.kind, m.text, m.chatId])).toEqual([['other', '', '16505551234']]);
  });

  it('ignores reactions entirely', () => {
    expect(normalized('reaction')).toEqual({ messages: [], statuses: [], ignored: 1, invalid: 0 });
  });

  it('statuses: every one, in payload order (the recorder ranks them), failed with code and title', () => {
    expect(normalized('statuses').statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(normalized('statuses-out-of-order').statuses.map((s) => [s.status, s.at.getTime() / 1000])).toEqual([
      ['read', 1750263780],
      ['delivered', 1750263774],
      ['sent', 1750263773],
    ]);
    expect(normalized('status-failed').statuses).toEqual([
      {
        channel: 'whatsapp-cloud',
        providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
        status: 'failed',
        at: new Date(1750263773 * 1000),
        error: '131049 This message was not delivered to maintain healthy ecosystem engagement.',
      },
    ]);
  });

  it('keys a username user (no phone) on the BSUID and leaves the phone unknown', () => {
    const [m] = normalized('bsuid-username', PNID).messages;
    expect(m).toMatchObject({ chatId: 'US.13491208655302741918', sender: { id: 'US.13491208655302741918', displayName: 'Sheena Nelson' }, text: 'Oi, quero me cadastrar' });
    expect(m!.sender.phone).toBeUndefined();
  });

  it('keys on the BSUID when both are given and keeps the phone', () => {
    const [m] = normalized('bsuid-with-phone').messages;
    expect(m).toMatchObject({ accountId: '1088451004357858', chatId: 'IN.1410018717833190', sender: { id: 'IN.1410018717833190', phone: '+919810218674', displayName: 'Krish Thakur' }, text: 'Hey' });
  });

  it('skips changes of another business number (replies could not go out from it)', () => {
    const out = normalized('batch', '999999999999999');
    expect(out.messages).toEqual([]);
    expect(out.statuses).toEqual([]);
    expect(out.ignored).toBe(5);
  });

  it('counts a malformed item and keeps the others of the batch', () => {
    const payload = fixture('batch') as { entry: { changes: { value: { messages: unknown[] } }[] }[] };
    payload.entry[0]!.changes[0]!.value.messages[1] = { id: 42, type: 'text' };
    const result = normalizeWebhook(payload);
    expect(result.ok && result.value.messages.map((m) => m.text)).toEqual(['Olá', 'Quero me cadastrar', 'Oi, tudo bem?']);
    expect(result.ok && result.value.invalid).toBe(1);
  });

  it('falls back to the arrival time for a missing or absurd timestamp', () => {
    const now = new Date('2026-11-01T12:00:00Z');
    const payload = fixture('text') as { entry: { changes: { value: { messages: { timestamp?: unknown }[] } }[] }[] };
    const message = payload.entry[0]!.changes[0]!.value.messages[0]!;
    for (const timestamp of [1e300, 'soon', -5, undefined]) {
      message.timestamp = timestamp;
      const result = normalizeWebhook(payload, { now: () => now });
      expect(result.ok && result.value.messages[0]!.timestamp).toEqual(now);
    }
  });

  it('refuses what is not a webhook envelope', () => {
    expect(normalizeWebhook({ hello: 'world' }).ok).toBe(false);
    expect(normalizeWebhook(null).ok).toBe(false);
    expect(normalizeWebhook([]).ok).toBe(false);
  });
});

describe('Cloud API webhook normalizer on fuzzed input', () => {
  const names = ['text', 'batch', 'interactive-button-reply', 'image', 'statuses', 'bsuid-username', 'unsupported'];

  it('never throws on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        normalizeWebhook(value);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and only yields storable messages, when parts of real payloads are replaced by junk', () => {
    // Replaces one node anywhere in a real payload with arbitrary JSON.
    const mutate = (node: unknown, path: number[], junk: unknown): unknown => {
      if (!path.length || node === null || typeof node !== 'object') return junk;
      const keys = Object.keys(node);
      if (!keys.length) return junk;
      const key = keys[path[0]! % keys.length]!;
      const copy: Record<string, unknown> = Array.isArray(node) ? [...node] as unknown as Record<string, unknown> : { ...(node as Record<string, unknown>) };
      copy[key] = mutate((node as Record<string, unknown>)[key], path.slice(1), junk);
      return copy;
    };
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(fc.nat(), { maxLength: 10 }), fc.jsonValue(), (name, path, junk) => {
        const result = normalizeWebhook(mutate(fixture(name), path, junk));
        if (!result.ok) return;
        for (const m of result.value.messages) {
          expect(m.chatId.length).toBeGreaterThan(0);
          expect(m.chatId.length).toBeLessThanOrEqual(160);
          expect(m.timestamp.getTime()).not.toBeNaN();
          if (m.sender.phone) expect(m.sender.phone).toMatch(/^\+[1-9]\d{7,14}$/);
        }
        for (const s of result.value.statuses) expect(['sent', 'delivered', 'read', 'failed']).toContain(s.status);
      }),
      { numRuns: 500 },
    );
  });
});
