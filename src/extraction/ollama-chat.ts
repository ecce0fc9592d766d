// One chat call to Ollama through the `ollama` npm client, and nothing else: retries, the
// breaker and timeouts are the policy's job (llm-policy.ts). ollama 0.6.4's chat() takes no
// AbortSignal, so each call gets a client whose fetch carries the caller's signal — aborting
// it really closes the HTTP request instead of leaving it hanging in the background.
import { Ollama } from 'ollama';
import type { ExtractionPrompt } from './extraction-prompt.ts';
import { modelOutputFormat } from './extraction-schema.ts';

export type LlmErrorKind = 'unreachable' | 'timeout' | 'server_error' | 'model_not_found' | 'client_error';

/** A failed call, classified once so the policy knows what to retry and what to count. */
export class LlmCallError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmCallError';
  }

  /** The server (or the way to it) is in trouble: worth retrying, and counts towards the breaker. */
  get isOutage(): boolean {
    return this.kind === 'unreachable' || this.kind === 'timeout' || this.kind === 'server_error';
  }
}

export interface OllamaChatOptions {
  host: string;
  model: string;
  prompt: ExtractionPrompt;
}

type OllamaError = Error & { status_code?: number; cause?: unknown };

export function classifyOllamaError(err: unknown, signal?: AbortSignal): LlmCallError {
  if (err instanceof LlmCallError) return err;
  const e = err as OllamaError;
  // ResponseError is not exported by ollama 0.6.4: recognise it by name.
  if (e?.name === 'ResponseError' && typeof e.status_code === 'number') {
    const status = e.status_code;
    // 408/429 come from proxies in front of Ollama: a busy server, worth another try.
    if (status >= 500 || status === 408 || status === 429) return new LlmCallError('server_error', `ollama answered ${status}`, status);
    if (status === 404) return new LlmCallError('model_not_found', `ollama answered 404: ${e.message.slice(0, 200)}`, status);
    return new LlmCallError('client_error', `ollama answered ${status}`, status);
  }
  if (signal?.aborted || e?.name === 'AbortError' || e?.name === 'TimeoutError') return new LlmCallError('timeout', 'ollama call aborted at the timeout');
  const cause = (e?.cause as { code?: string } | undefined)?.code;
  return new LlmCallError('unreachable', `ollama unreachable${cause ? ` (${cause})` : ''}`);
}

/**
 * fetch with the attempt's signal. A non-JSON error body (a proxy's 502 page) is turned into
 * Ollama's `{"error": …}` shape: given text, the ollama client console.logs on stdout, which on
 * the stdio MCP transport would corrupt the protocol stream.
 */
async function fetchWithSignal(input: Parameters<typeof fetch>[0], init: RequestInit | undefined, signal: AbortSignal): Promise<Response> {
  const response = await fetch(input, { ...init, signal });
  if (response.ok || response.headers.get('content-type')?.includes('application/json')) return response;
  const text = (await response.text()).slice(0, 200);
  return new Response(JSON.stringify({ error: text || response.statusText }), {
    status: response.status,
    statusText: response.statusText,
    headers: { 'content-type': 'application/json' },
  });
}

export class OllamaChat {
  readonly host: string;
  readonly model: string;
  private readonly prompt: ExtractionPrompt;
  private readonly format = modelOutputFormat();

  constructor(options: OllamaChatOptions) {
    this.host = options.host;
    this.model = options.model;
    this.prompt = options.prompt;
  }

  private client(signal: AbortSignal): Ollama {
    return new Ollama({ host: this.host, fetch: (input, init) => fetchWithSignal(input, init, signal) });
  }

  /** The model's message content (a JSON string when it behaves). */
  async extract(text: string, signal: AbortSignal): Promise<string> {
    try {
      const response = await this.client(signal).chat({
        model: this.model,
        stream: false,
        format: this.format,
        options: { temperature: 0 },
        messages: [
          { role: 'system', content: this.prompt.system },
          { role: 'user', content: this.prompt.user(text) },
        ],
      });
      return response.message?.content ?? '';
    } catch (err) {
      throw classifyOllamaError(err, signal);
    }
  }

  /** Names of the models the server has pulled (`/api/tags`). */
  async models(signal: AbortSignal): Promise<string[]> {
    try {
      const list = await this.client(signal).list();
      return list.models.map((m) => m.name);
    } catch (err) {
      throw classifyOllamaError(err, signal);
    }
  }
}

/** "llama3.1" means "llama3.1:latest" to Ollama. */
export function hasModel(names: string[], model: string): boolean {
  const full = model.includes(':') ? model : `${model}:latest`;
  return names.some((n) => n === model || n === full);
}
