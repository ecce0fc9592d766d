// Voice notes from download to text, over real HTTP: the Cloud API's two-step media download
// with its bearer token (fake Graph), Telegram's getFile + file URL (fake Bot API), and the
// OpenAI-compatible transcription request whose multipart fields the fake server checks.
// Caps, the "off" setting and server failures (retried, then the breaker) end as no text.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TelegramBotApi } from '../../connectors/telegram/bot-api.ts';
import { downloadTelegramMedia } from '../../connectors/telegram/media-download.ts';
import type { Connector, InboundMedia, MediaLimits } from '../../connectors/types.ts';
import { downloadCloudMedia } from '../../connectors/whatsapp-cloud/media-download.ts';
import { type FakeGraph, startFakeGraph } from '../../test/helpers/fake-graph.ts';
import { type FakeTelegram, startFakeTelegram } from '../../test/helpers/fake-telegram.ts';
import { type FakeTranscription, startFakeTranscription } from '../../test/helpers/fake-transcription.ts';
import { LlmPolicy } from '../extraction/llm-policy.ts';
import { createLogger } from '../observability/logger.ts';
import { TranscriptionClient } from './transcription-client.ts';
import { VoiceNotes } from './voice-notes.ts';

const TOKEN = 'EAAG-media-test-token';
const PHONE_NUMBER_ID = '106540352242922';
const OGG = Buffer.from('OggS fake opus voice note: maria');

let graph: FakeGraph;
let telegram: FakeTelegram;
let whisper: FakeTranscription;
let registry: Registry;

beforeAll(async () => {
  [graph, telegram, whisper] = await Promise.all([startFakeGraph(), startFakeTelegram(), startFakeTranscription()]);
  whisper.transcripts.set(OGG.toString('utf8'), '  Meu nome é Maria Silva,\n telefone 11 99999-8888. ');
});
afterAll(async () => {
  await Promise.all([graph?.close(), telegram?.close(), whisper?.close()]);
});
beforeEach(() => {
  registry = new Registry();
});

function voiceNotes(options: { url?: string | null; maxBytes?: number; maxSeconds?: number; attempts?: number } = {}) {
  const url = options.url === undefined ? whisper.url : options.url;
  return new VoiceNotes({
    ...(url ? { client: new TranscriptionClient({ url, model: whisper.model }) } : {}),
    policy: new LlmPolicy({ timeoutMs: 2_000, maxAttempts: options.attempts ?? 2, backoffMs: 10, breakerThreshold: 2, halfOpenAfterMs: 60_000 }),
    limits: { maxBytes: options.maxBytes ?? 1_000_000, maxSeconds: options.maxSeconds ?? 120 },
    registry,
    logger: createLogger({ level: 'silent' }),
  });
}

const cloud = { channel: 'whatsapp-cloud', downloadMedia: (m: InboundMedia, l: MediaLimits) => downloadCloudMedia({ apiUrl: graph.url, token: TOKEN, phoneNumberId: PHONE_NUMBER_ID }, m, l) } as unknown as Connector;

async function counted(outcome: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'atende_transcriptions_total');
  return (metric?.values ?? []).filter((v) => v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0);
}

describe('voice notes', () => {
  it('downloads Cloud API media in two steps with the bearer token and sends the documented multipart request', async () => {
    graph.addMedia('1037543291543636', OGG, 'audio/ogg; codecs=opus', TOKEN);
    const before = whisper.requests.length;
    const text = await voiceNotes().transcribe(cloud, 'whatsapp-cloud', { ref: '1037543291543636', mimeType: 'audio/ogg; codecs=opus' });
    expect(text).toBe('Meu nome é Maria Silva, telefone 11 99999-8888.');

    const [info, file] = graph.mediaRequests.slice(-2);
    expect(info!.path).toBe(`/v23.0/1037543291543636?phone_number_id=${PHONE_NUMBER_ID}`);
    expect(info!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(file!.path).toBe('/media-files/1037543291543636');
    expect(file!.headers.authorization).toBe(`Bearer ${TOKEN}`);

    expect(whisper.refused).toEqual([]);
    expect(whisper.requests.slice(before)).toEqual([
      { path: '/v1/audio/transcriptions', fileName: 'voice.ogg', fileType: 'audio/ogg', audio: OGG, model: whisper.model, language: 'pt', responseFormat: 'json' },
    ]);
    expect(await counted('transcribed')).toBe(1);
  });

  it('downloads Telegram voice notes with getFile and the file URL', async () => {
    telegram.addFile('AwACAgEAAxkBAAIBZ2ZvoiceX', OGG);
    const api = new TelegramBotApi({ apiUrl: telegram.url, token: telegram.token, requestTimeoutMs: 2_000 });
    const connector = { downloadMedia: (m: InboundMedia, l: MediaLimits) => downloadTelegramMedia({ api, apiUrl: telegram.url, token: telegram.token }, m, l) } as unknown as Connector;
    const text = await voiceNotes().transcribe(connector, 'telegram', { ref: 'AwACAgEAAxkBAAIBZ2ZvoiceX', mimeType: 'audio/ogg', durationSec: 4, sizeBytes: OGG.length });
    expect(text).toBe('Meu nome é Maria Silva, telefone 11 99999-8888.');
    expect(telegram.calls('getFile').at(-1)).toEqual({ file_id: 'AwACAgEAAxkBAAIBZ2ZvoiceX' });
    expect(telegram.calls('file').at(-1)).toEqual({ path: 'voice/file_0.oga' });
  });

  it('does not download audio over the caps, nor read more than the byte cap when the size was not announced', async () => {
    const v = voiceNotes({ maxBytes: 10, maxSeconds: 60 });
    const fetched = graph.mediaRequests.length;
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: 'x', durationSec: 61 })).toBeUndefined();
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: 'x', sizeBytes: 11 })).toBeUndefined();
    expect(graph.mediaRequests.length).toBe(fetched);
    expect(await counted('too_long')).toBe(1);

    // Meta announces file_size in the first step: the file itself is never fetched.
    graph.addMedia('2222', OGG, 'audio/ogg', TOKEN);
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: '2222' })).toBeUndefined();
    expect(graph.mediaRequests.slice(fetched).map((r) => r.path)).toEqual([`/v23.0/2222?phone_number_id=${PHONE_NUMBER_ID}`]);
    expect(await counted('too_large')).toBe(2);
  });

  it('gives no text when transcription is off, and refuses media ids that would change the URL', async () => {
    const before = whisper.requests.length;
    expect(await voiceNotes({ url: null }).transcribe(cloud, 'whatsapp-cloud', { ref: '1037543291543636' })).toBeUndefined();
    expect(await counted('off')).toBe(1);
    registry = new Registry();
    expect(await voiceNotes().transcribe(cloud, 'whatsapp-cloud', { ref: '../../me/accounts' })).toBeUndefined();
    expect(await counted('failed')).toBe(1);
    expect(whisper.requests.length).toBe(before);
  });

  it('retries a failing server under the LLM policy, then opens the breaker and fails fast', async () => {
    graph.addMedia('3333', OGG, 'audio/ogg', TOKEN);
    const v = voiceNotes({ attempts: 2 });
    whisper.failNext({ status: 503, body: { error: 'loading' } });
    const before = whisper.requests.length;
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: '3333' })).toBe('Meu nome é Maria Silva, telefone 11 99999-8888.');
    expect(whisper.requests.length - before).toBe(2);

    whisper.failNext({ status: 500, body: {} }, { status: 500, body: {} });
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: '3333' })).toBeUndefined();
    expect(v.circuitOpen).toBe(true);
    const afterOpen = whisper.requests.length;
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: '3333' })).toBeUndefined();
    expect(whisper.requests.length).toBe(afterOpen);
    expect(await counted('failed')).toBe(2);
  });

  it('does not retry a request the server refuses (4xx)', async () => {
    graph.addMedia('4444', OGG, 'audio/ogg', TOKEN);
    const v = voiceNotes({ attempts: 3 });
    whisper.failNext({ status: 400, body: { error: { message: 'bad file' } } });
    const before = whisper.requests.length;
    expect(await v.transcribe(cloud, 'whatsapp-cloud', { ref: '4444' })).toBeUndefined();
    expect(whisper.requests.length - before).toBe(1);
  });
});
