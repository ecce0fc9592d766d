// One call to an OpenAI-compatible transcription endpoint (SPEC §11), spoken by whisper.cpp's
// server, speaches/faster-whisper-server and LocalAI:
//   POST {TRANSCRIPTION_URL}/audio/transcriptions, multipart file + model + language=pt +
//   response_format=json  →  {"text": "…"}
// Retries, the breaker and timeouts are the policy's job; failures are classified as
// LlmCallError so the same policy (llm-policy.ts) knows which ones are an outage.
import { LlmCallError } from '../extraction/ollama-chat.ts';

export interface TranscriptionClientOptions {
  /** Base URL, e.g. http://whisper:8080/v1 (trailing slashes ignored). */
  url: string;
  model: string;
  fetch?: typeof fetch;
}

// whisper.cpp and speaches pick the decoder from the file name's extension.
const EXTENSIONS: Record<string, string> = { 'audio/ogg': 'ogg', 'audio/opus': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/aac': 'aac', 'audio/amr': 'amr', 'audio/wav': 'wav', 'audio/webm': 'webm' };

export class TranscriptionClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: TranscriptionClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async transcribe(audio: Uint8Array, mimeType: string | undefined, signal: AbortSignal): Promise<string> {
    const type = (mimeType ?? 'audio/ogg').split(';')[0]!.trim().toLowerCase();
    const form = new FormData();
    form.append('file', new Blob([audio], { type }), `voice.${EXTENSIONS[type] ?? 'ogg'}`);
    form.append('model', this.options.model);
    form.append('language', 'pt');
    form.append('response_format', 'json');
    let response: Response;
    try {
      response = await this.fetch(`${this.base}/audio/transcriptions`, { method: 'POST', body: form, signal });
    } catch {
      if (signal.aborted) throw new LlmCallError('timeout', 'the transcription server did not answer in time');
      throw new LlmCallError('unreachable', 'the transcription server is unreachable');
    }
    const body = await response.text().catch(() => '');
    if (!response.ok) {
      // The body may quote the audio's words: only the status goes into the error.
      if (response.status === 404) throw new LlmCallError('model_not_found', `transcription: HTTP 404 (model ${this.options.model}?)`, 404);
      throw new LlmCallError(response.status >= 500 || response.status === 429 ? 'server_error' : 'client_error', `transcription: HTTP ${response.status}`, response.status);
    }
    let text: unknown;
    try {
      text = (JSON.parse(body) as { text?: unknown }).text;
    } catch {
      text = undefined;
    }
    if (typeof text !== 'string') throw new LlmCallError('server_error', 'transcription: answer without a text field');
    return text.replace(/\s+/g, ' ').trim();
  }
}
