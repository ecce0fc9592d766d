// A fake Ollama: a real HTTP server on 127.0.0.1 speaking /api/chat and /api/tags with the
// payload shapes a real Ollama (0.12) sends, scripted per test: good answers, broken JSON,
// errors, a hang (it records when the client gives up and closes the connection) or a delay.
import { createServer, type ServerResponse } from 'node:http';
import { listenLocally, readBody } from './fake-server.ts';

export type FakeBehavior =
  | { kind: 'content'; content: string; delayMs?: number }
  | { kind: 'status'; status: number; error: string }
  | { kind: 'text-status'; status: number; body: string }
  | { kind: 'hang' };

export const behave = {
  /** The model answers this object as its JSON content. */
  json: (value: unknown, delayMs?: number): FakeBehavior => ({ kind: 'content', content: JSON.stringify(value), delayMs }),
  content: (content: string): FakeBehavior => ({ kind: 'content', content }),
  status: (status: number, error = 'internal error'): FakeBehavior => ({ kind: 'status', status, error }),
  modelNotFound: (model: string): FakeBehavior => ({ kind: 'status', status: 404, error: `model "${model}" not found, try pulling it first` }),
  hang: (): FakeBehavior => ({ kind: 'hang' }),
};

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface FakeOllama {
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  chatRequests(): RecordedRequest[];
  /** Hung requests whose connection the client closed (what a real timeout must cause). */
  closedWhileHanging: number;
  /** Next /api/chat answers, in order; when empty, `fallback` answers. */
  queue: FakeBehavior[];
  fallback: FakeBehavior;
  /** What /api/tags lists. */
  models: string[];
  close(): Promise<void>;
}

function chatResponse(model: string, content: string) {
  const now = new Date().toISOString();
  return {
    model,
    created_at: now,
    message: { role: 'assistant', content },
    done_reason: 'stop',
    done: true,
    total_duration: 812345678,
    load_duration: 12345678,
    prompt_eval_count: 412,
    prompt_eval_duration: 301234567,
    eval_count: 38,
    eval_duration: 498765432,
  };
}

function tagsResponse(names: string[]) {
  return {
    models: names.map((name) => ({
      name,
      model: name,
      modified_at: '2026-10-01T12:00:00.000000000-03:00',
      size: 4920753328,
      digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '8.0B', quantization_level: 'Q4_K_M' },
    })),
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export async function startFakeOllama(options: { models?: string[]; fallback?: FakeBehavior } = {}): Promise<FakeOllama> {
  const fake: Omit<FakeOllama, 'url' | 'close'> = {
    requests: [],
    chatRequests: () => fake.requests.filter((r) => r.path === '/api/chat'),
    closedWhileHanging: 0,
    queue: [],
    fallback: options.fallback ?? behave.status(500, 'no behaviour scripted'),
    models: options.models ?? ['llama3.1:8b'],
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = await readBody(req);
    fake.requests.push({ method: req.method ?? 'GET', path, body });
    if (path === '/api/tags' && req.method === 'GET') return send(res, 200, tagsResponse(fake.models));
    if (path !== '/api/chat' || req.method !== 'POST') return send(res, 404, { error: 'not found' });

    const behavior = fake.queue.shift() ?? fake.fallback;
    const model = (body as { model?: string } | undefined)?.model ?? 'unknown';
    switch (behavior.kind) {
      case 'hang':
        res.on('close', () => {
          if (!res.writableEnded) fake.closedWhileHanging++;
        });
        return;
      case 'status':
        return send(res, behavior.status, { error: behavior.error });
      case 'text-status':
        res.writeHead(behavior.status, { 'content-type': 'text/plain' });
        return res.end(behavior.body);
      case 'content':
        if (behavior.delayMs) await new Promise((r) => setTimeout(r, behavior.delayMs));
        if (!res.destroyed) send(res, 200, chatResponse(model, behavior.content));
    }
  });
  const { port, close } = await listenLocally(server);
  return Object.assign(fake, { url: `http://127.0.0.1:${port}`, close });
}
