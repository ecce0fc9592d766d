// A small Bot API client: POST {apiUrl}/bot{token}/{method} with a JSON body, every call with
// a timeout, the {ok, result | error_code, description, parameters} envelope unwrapped.
// https://core.telegram.org/bots/api#making-requests
// The token is part of the URL, so nothing here ever puts the URL (or a fetch error, whose
// text or cause might carry it) into an error message: errors name the method only.
import { z } from 'zod';

export type ApiErrorKind = 'http' | 'network' | 'timeout' | 'aborted' | 'bad-response';

export class TelegramApiError extends Error {
  constructor(
    readonly method: string,
    readonly kind: ApiErrorKind,
    /** Telegram's error_code (or the HTTP status when the body had none). */
    readonly errorCode: number | undefined,
    /** Telegram's description ("Forbidden: bot was blocked by the user"); never the URL. */
    readonly description: string,
    /** 429: parameters.retry_after, in seconds. */
    readonly retryAfterS?: number,
  ) {
    super(`telegram ${method}: ${errorCode ? `${errorCode} ` : ''}${description}`);
    this.name = 'TelegramApiError';
  }

  /** Worth trying again later: network trouble, timeouts, rate limits, Telegram's own 5xx. */
  get transient(): boolean {
    if (this.kind !== 'http') return this.kind !== 'aborted';
    return this.errorCode === undefined || this.errorCode === 429 || this.errorCode >= 500;
  }
}

const envelope = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional() }).optional(),
});

export interface BotApiOptions {
  apiUrl: string;
  token: string;
  /** Default limit of one call. */
  requestTimeoutMs: number;
  /** Observes every call (metrics). */
  onCall?: (method: string, ok: boolean, seconds: number) => void;
  fetch?: typeof fetch;
}

export interface CallOptions {
  /** Aborts the call (stop()); reported as kind 'aborted'. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A short code for a network failure (ECONNREFUSED…), taken from the cause, never its text. */
function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' && /^[A-Z_]{2,40}$/.test(cause.code) ? cause.code : 'fetch failed';
}

export class TelegramBotApi {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: BotApiOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async call<T = unknown>(method: string, body: Record<string, unknown> = {}, options: CallOptions = {}): Promise<T> {
    const started = performance.now();
    let ok = false;
    try {
      const result = (await this.request(method, body, options)) as T;
      ok = true;
      return result;
    } finally {
      this.options.onCall?.(method, ok, (performance.now() - started) / 1000);
    }
  }

  private async request(method: string, body: Record<string, unknown>, options: CallOptions): Promise<unknown> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.options.requestTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const failed = (err: unknown): TelegramApiError => {
      if (options.signal?.aborted) return new TelegramApiError(method, 'aborted', undefined, 'aborted');
      if (timeout.aborted) return new TelegramApiError(method, 'timeout', undefined, 'no answer in time');
      return new TelegramApiError(method, 'network', undefined, networkCode(err));
    };

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.options.apiUrl}/bot${this.options.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (err) {
      throw failed(err);
    }

    let parsed: z.infer<typeof envelope> | undefined;
    try {
      const result = envelope.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      // A proxy's HTML error page, a truncated body: judge by the status alone.
      throw new TelegramApiError(method, response.ok ? 'bad-response' : 'http', response.ok ? undefined : response.status, `unexpected answer (HTTP ${response.status})`);
    }
    if (parsed.ok && response.ok) return parsed.result;
    const retryAfter = parsed.parameters?.retry_after;
    throw new TelegramApiError(
      method,
      'http',
      parsed.error_code ?? response.status,
      (parsed.description ?? `HTTP ${response.status}`).slice(0, 200),
      typeof retryAfter === 'number' && retryAfter >= 0 ? retryAfter : undefined,
    );
  }
}
