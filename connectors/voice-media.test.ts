// Every channel marks a voice note with where its audio is (the core downloads and
// transcribes it before storing), from recorded provider payloads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateInbound } from '../src/intake/inbound-validation.ts';
import { normalizeUpdate } from './telegram/normalize.ts';
import { normalizeUpsert } from './whatsapp/normalize.ts';
import { normalizeWebhook } from './whatsapp-cloud/normalize.ts';

const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(`./${path}`, import.meta.url), 'utf8'));

describe('voice notes carry their media reference', () => {
  it('Cloud API: the media id and MIME type', () => {
    const result = normalizeWebhook(fixture('whatsapp-cloud/fixtures/voice.json'), { phoneNumberId: '106540352242922' });
    if (!result.ok) throw new Error(result.reason);
    const [message] = result.value.messages;
    expect(message).toMatchObject({ kind: 'audio', text: '', media: { ref: '1003383421387256', mimeType: 'audio/ogg; codecs=opus' } });
    expect(validateInbound(message!)).toBeDefined();
  });

  it('Cloud API: an image carries none', () => {
    const result = normalizeWebhook(fixture('whatsapp-cloud/fixtures/image.json'), { phoneNumberId: '106540352242922' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.messages[0]!.media).toBeUndefined();
  });

  it('Telegram: the file_id with the duration and size the caps check', () => {
    const n = normalizeUpdate(fixture('telegram/fixtures/voice.json'), { botId: '123456', allowGroups: false });
    if (n.outcome !== 'message') throw new Error(n.outcome);
    expect(n.message).toMatchObject({ kind: 'audio', text: '', media: { ref: 'AwADBAADbXXXXXXXXXXXGBdhD2l6_XX', mimeType: 'audio/ogg', sizeBytes: 23000, durationSec: 5 } });
  });

  it('Baileys: the whole message (mediaKey and path) with its MIME type, size and seconds', async () => {
    const event = fixture('whatsapp/fixtures/upsert-audio.json') as { messages: unknown[] };
    const { messages } = await normalizeUpsert(event, { accountId: '5511900000000', allowGroups: false });
    expect(messages[0]).toMatchObject({ kind: 'audio', text: '', media: { mimeType: 'audio/ogg; codecs=opus', sizeBytes: 12876, durationSec: 4 } });
    expect(messages[0]!.media!.ref).toBe(event.messages[0]);
  });
});
