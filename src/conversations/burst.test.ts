// Which pending rows make one turn, and when a burst may still grow (pure; the runner and the
// database side are exercised end to end in test/message-bursts.test.ts).
import { describe, expect, it } from 'vitest';
import { takeBurst } from './burst.ts';
import type { InboxRow } from './conversation-store.ts';

const T0 = Date.parse('2026-12-04T12:00:00.000Z');
let seq = 0n;
const row = (atMs: number, text: string, extra: Partial<InboxRow> = {}): InboxRow => ({
  id: ++seq,
  channel: 'web',
  accountId: 'web',
  messageId: `m${seq}`,
  chatId: 'chat-1',
  senderId: 'chat-1',
  senderPhone: null,
  senderUsername: null,
  staffUserId: null,
  kind: 'text',
  text,
  receivedAt: new Date(T0 + atMs),
  ...extra,
});
const at = (ms: number) => new Date(T0 + ms);
const texts = (d: ReturnType<typeof takeBurst>) => ('row' in d ? d.row.text : null);

describe('message bursts', () => {
  it('waits while the window of the newest message is open, then joins the texts in order', () => {
    const rows = [row(0, 'oi'), row(400, 'Maria'), row(900, '11 98765-4321')];
    expect(takeBurst(rows, 1_500, at(1_000))).toEqual({ waitUntil: at(2_400) });
    const done = takeBurst(rows, 1_500, at(2_400));
    expect(texts(done)).toBe('oi\nMaria\n11 98765-4321');
    expect('row' in done && done.row).toMatchObject({ id: rows[0]!.id, messageId: rows[0]!.messageId, receivedAt: rows[2]!.receivedAt });
    expect('row' in done && done.row.burst?.map((r) => r.id)).toEqual([rows[1]!.id, rows[2]!.id]);
  });

  it('answers the first message within three windows however long the person keeps typing', () => {
    const rows = [row(0, 'a'), row(1_000, 'b'), row(2_000, 'c'), row(3_000, 'd'), row(4_000, 'e'), row(5_000, 'f')];
    expect(takeBurst(rows.slice(0, 4), 1_500, at(3_100))).toEqual({ waitUntil: at(4_500) });
    // "f" came after the cap: it is not part of this burst, which is therefore closed.
    expect(texts(takeBurst(rows, 1_500, at(5_000)))).toBe('a\nb\nc\nd\ne');
  });

  it('a message after the window of the one before starts its own turn', () => {
    const rows = [row(0, 'oi'), row(1_600, 'tudo bem?')];
    const first = takeBurst(rows, 1_500, at(1_700));
    expect(texts(first)).toBe('oi');
    expect('row' in first && first.row.burst).toBeUndefined();
  });

  it('stops at a control row, a media row without text, another kind or another sender', () => {
    const control = row(300, '00000000-0000-0000-0000-000000000000', { kind: 'control:takeover', senderId: 'user:x' });
    expect(texts(takeBurst([row(0, 'oi'), control, row(600, 'Maria')], 1_500, at(700)))).toBe('oi');
    expect(texts(takeBurst([row(0, 'oi'), row(300, '', { kind: 'image' }), row(600, 'Maria')], 1_500, at(700)))).toBe('oi');
    // A voice transcript keeps its own turn: the bot tells the person what it understood from the audio.
    expect(texts(takeBurst([row(0, 'oi'), row(300, 'meu nome é Maria', { kind: 'audio' })], 1_500, at(700)))).toBe('oi');
    expect(texts(takeBurst([row(0, 'oi'), row(300, 'olá', { senderId: 'someone-else' })], 1_500, at(700)))).toBe('oi');
    // Two voice notes in a row are one burst of voice.
    const voice = takeBurst([row(0, 'Maria Silva', { kind: 'audio' }), row(300, 'apoio emocional', { kind: 'audio' })], 1_500, at(1_900));
    expect('row' in voice && voice.row).toMatchObject({ kind: 'audio', text: 'Maria Silva\napoio emocional' });
  });

  it('never holds back a control row or a media row, and a zero window turns bursts off', () => {
    expect(takeBurst([row(0, 'x', { kind: 'control:expire' })], 1_500, at(1))).toMatchObject({ row: { kind: 'control:expire' } });
    expect(takeBurst([row(0, '', { kind: 'sticker' })], 1_500, at(1))).toMatchObject({ row: { kind: 'sticker' } });
    expect(texts(takeBurst([row(0, 'oi'), row(10, 'Maria')], 0, at(20)))).toBe('oi');
  });
});
