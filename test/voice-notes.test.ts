// Voice notes end to end on the real app: a Cloud API webhook carries a voice note, the app
// fetches it from the (fake) Graph API with its bearer token, the (fake) transcription server
// gets the documented multipart request, and the person's turn goes on with the transcript —
// the reply says "Entendi do seu áudio: …". The inbox keeps the transcript as the message's
// text (kind audio) and nothing of the audio. Transcription failing or off: a polite request
// to write, and the conversation goes on when they do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { type FakeGraph, startFakeGraph } from './helpers/fake-graph.ts';
import { type FakeTranscription, startFakeTranscription } from './helpers/fake-transcription.ts';
import { CLOUD, cloudChat, cloudEnv, postWebhook } from './helpers/whatsapp-cloud.ts';

const OGG = Buffer.from('OggS voice note: Maria Souza');
const TRANSCRIPT = 'Meu nome é Maria Souza.';

function voiceWebhook(waId: string, name: string, wamid: string, mediaId: string) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: CLOUD.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: CLOUD.phoneNumberId },
              contacts: [{ profile: { name }, wa_id: waId }],
              messages: [{ from: waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'audio', audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'Hb1AbK0Xl6CJ0mC3Vd9JBTh8Qv4Y=', id: mediaId, voice: true } }],
            },
          },
        ],
      },
    ],
  };
}

async function repliesAfter(chat: ReturnType<typeof cloudChat>, before: number, t: TestApp): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  while (chat.replies().length <= before) {
    if (Date.now() > deadline) throw new Error(`no reply; so far ${JSON.stringify(chat.replies())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  await t.atende.conversations.whenIdle();
  return chat.replies().slice(before);
}

describe.each(BACKENDS)('voice notes on %s', (backend) => {
  let t: TestApp;
  let graph: FakeGraph;
  let whisper: FakeTranscription;
  let ollama: FakeOllama;
  beforeAll(async () => {
    [graph, whisper, ollama] = await Promise.all([startFakeGraph(), startFakeTranscription(), startFakeOllama()]);
    ollama.fallback = behave.status(503, 'model is loading');
    whisper.transcripts.set(OGG.toString('utf8'), TRANSCRIPT);
    t = await startTestApp({
      backend,
      env: { ...cloudEnv(graph.url), OLLAMA_HOST: ollama.url, LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_THRESHOLD: '100', TRANSCRIPTION_URL: whisper.url, TRANSCRIPTION_MODEL: whisper.model },
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([graph?.close(), whisper?.close(), ollama?.close()]);
  });

  it('answers a voice note like typed text, says what it understood, and stores only the transcript', async () => {
    const maria = { waId: '5511988880001', name: 'Maria Souza' };
    const chat = cloudChat(t.atende, graph, maria);
    await chat.say('oi');
    const intro = await chat.say('sim');
    expect(intro.at(-1)).toContain('Me envie seu nome completo');

    graph.addMedia('1037543291543636', OGG, 'audio/ogg; codecs=opus', CLOUD.token);
    const before = chat.replies().length;
    const wamid = 'wamid.HBgNNTUxMTk4ODg4MDAwMRUCABIYFFZPSUNFTk9URTAwMDAwMDAwMDAwMQA=';
    const res = await postWebhook(t.atende, voiceWebhook(maria.waId, maria.name, wamid, '1037543291543636'));
    expect(res.statusCode).toBe(200);
    const replies = await repliesAfter(chat, before, t);
    expect(replies[0]).toBe(`Entendi do seu áudio: "${TRANSCRIPT}"`);
    // The name was taken from the transcript: the bot moves on to the next question.
    expect(replies.at(-1)).not.toContain('Me envie seu nome completo');

    expect(graph.mediaRequests.map((r) => [r.path.split('?')[0], r.headers.authorization])).toEqual([
      ['/v23.0/1037543291543636', `Bearer ${CLOUD.token}`],
      ['/media-files/1037543291543636', `Bearer ${CLOUD.token}`],
    ]);
    expect(whisper.refused).toEqual([]);
    expect(whisper.requests.at(-1)).toMatchObject({ model: whisper.model, language: 'pt', responseFormat: 'json', audio: OGG });

    const row = await t.atende.db.prisma.inboundMessage.findFirstOrThrow({ where: { messageId: wamid } });
    expect(row).toMatchObject({ kind: 'audio', text: TRANSCRIPT });
    expect(JSON.stringify(row.raw ?? null)).not.toContain(OGG.toString('base64'));

    const metrics = await t.atende.metrics.registry.getSingleMetricAsString('atende_transcriptions_total');
    expect(metrics).toContain('atende_transcriptions_total{channel="whatsapp-cloud",outcome="transcribed"} 1');
  });

  it('asks politely to write when the transcription server fails, and the conversation goes on', async () => {
    const joao = { waId: '5521977770002', name: 'João' };
    const chat = cloudChat(t.atende, graph, joao);
    await chat.say('oi');
    graph.addMedia('2037543291543636', OGG, 'audio/ogg', CLOUD.token);
    whisper.failNext({ status: 400, body: { error: { message: 'invalid audio' } } });
    const before = chat.replies().length;
    expect((await postWebhook(t.atende, voiceWebhook(joao.waId, joao.name, 'wamid.HBgNVOICEFAIL0002', '2037543291543636'))).statusCode).toBe(200);
    const replies = await repliesAfter(chat, before, t);
    expect(replies[0]).toBe('Não consegui ouvir seu áudio. Pode escrever sua mensagem, por favor?');
    const row = await t.atende.db.prisma.inboundMessage.findFirstOrThrow({ where: { messageId: 'wamid.HBgNVOICEFAIL0002' } });
    expect(row).toMatchObject({ kind: 'audio', text: '' });
    // Typed text is still read.
    expect((await chat.say('sim')).at(-1)).toContain('Me envie seu nome completo');
  });
});

describe('voice notes without TRANSCRIPTION_URL', () => {
  let t: TestApp;
  let graph: FakeGraph;
  beforeAll(async () => {
    graph = await startFakeGraph();
    t = await startTestApp({ backend: 'pglite', env: { ...cloudEnv(graph.url) } });
  });
  afterAll(async () => {
    await t?.close();
    await graph?.close();
  });

  it('asks to write without fetching the audio', async () => {
    const chat = cloudChat(t.atende, graph, { waId: '5531966660003', name: 'Ana' });
    await chat.say('oi');
    graph.addMedia('3037543291543636', OGG, 'audio/ogg', CLOUD.token);
    const before = chat.replies().length;
    await postWebhook(t.atende, voiceWebhook('5531966660003', 'Ana', 'wamid.HBgNVOICEOFF0003', '3037543291543636'));
    expect((await repliesAfter(chat, before, t))[0]).toBe('Não consegui ouvir seu áudio. Pode escrever sua mensagem, por favor?');
    expect(graph.mediaRequests).toEqual([]);
  });
});
