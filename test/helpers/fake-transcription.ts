// A fake OpenAI-compatible transcription server (whisper.cpp server, speaches, LocalAI) on
// 127.0.0.1: POST {url}/audio/transcriptions with a multipart body. It parses the body with a
// real multipart parser and refuses (400, as the real servers do) a request whose `file`,
// `model`, `language` or `response_format` is missing or not what SPEC §11 fixes, then answers
// {"text": …} from `transcripts` (keyed by the audio's bytes as UTF-8) or a scripted failure.
import { createServer, type ServerResponse } from 'node:http';
import { listenLocally } from './fake-server.ts';

export interface TranscriptionRequest {
  path: string;
  fileName: string;
  fileType: string;
  audio: Buffer;
  model: string;
  language: string;
  responseFormat: string;
}

export type TranscriptionAnswer = { status: number; body: unknown } | { hang: true };

export interface FakeTranscription {
  /** Base URL, as TRANSCRIPTION_URL (…/v1). */
  url: string;
  model: string;
  requests: TranscriptionRequest[];
  /** Refused requests, with the reason the server gave. */
  refused: string[];
  /** Audio bytes (as text) → what was "said". Unknown audio: an empty transcript. */
  transcripts: Map<string, string>;
  /** Scripted answers for the next requests, in order. */
  failNext(...answers: TranscriptionAnswer[]): void;
  close(): Promise<void>;
}

export async function startFakeTranscription(options: { model?: string } = {}): Promise<FakeTranscription> {
  const model = options.model ?? 'whisper-test';
  const scripted: TranscriptionAnswer[] = [];
  const fake: Omit<FakeTranscription, 'url' | 'close'> = {
    model,
    requests: [],
    refused: [],
    transcripts: new Map(),
    failNext: (...answers) => void scripted.push(...answers),
  };
  const refuse = (res: ServerResponse, why: string) => {
    fake.refused.push(why);
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: why, type: 'invalid_request_error' } }));
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/v1/audio/transcriptions') {
      res.writeHead(404).end();
      return;
    }
    let form: FormData;
    try {
      form = await new Request('http://x', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: Buffer.concat(chunks) }).formData();
    } catch {
      return refuse(res, 'not a multipart/form-data body');
    }
    const file = form.get('file');
    if (!(file instanceof File) || file.size === 0) return refuse(res, 'file is required');
    const field = (name: string) => (typeof form.get(name) === 'string' ? (form.get(name) as string) : '');
    if (field('model') !== model) return refuse(res, `model must be ${model}`);
    if (field('language') !== 'pt') return refuse(res, 'language must be pt');
    if (field('response_format') !== 'json') return refuse(res, 'response_format must be json');
    const audio = Buffer.from(await file.arrayBuffer());
    fake.requests.push({ path: req.url ?? '', fileName: file.name, fileType: file.type, audio, model: field('model'), language: field('language'), responseFormat: field('response_format') });

    const answer = scripted.shift();
    if (answer && 'hang' in answer) return;
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ text: fake.transcripts.get(audio.toString('utf8')) ?? '' }));
  });
  const { port, close } = await listenLocally(server);
  return Object.assign(fake, { url: `http://127.0.0.1:${port}/v1`, close });
}
