// A fake Telegram Bot API on 127.0.0.1: POST /bot<token>/<method> with JSON bodies, answered
// with the real envelope ({ok, result} or {ok: false, error_code, description, parameters}).
// It implements what atende calls, with Telegram's rules:
//  - getUpdates is a long poll: it answers at once when updates with update_id >= offset are
//    queued, else holds the request until one is queued or `timeout` seconds pass; passing
//    an offset confirms (drops) the updates before it; a webhook set → 409; a second
//    getUpdates while one is held ends the held one with 409 (two pollers on one bot);
//  - sendMessage, deleteWebhook, setWebhook, getWebhookInfo;
//  - a wrong token → 401 Unauthorized.
// Every request is recorded (method and parsed body) so tests assert the exact bodies, and
// `failNext` scripts provider errors for the next calls of a method.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocally } from './fake-server.ts';

export const FAKE_BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const FAKE_BOT_ID = '123456789';

export interface TelegramRequest {
  method: string;
  body: Record<string, unknown>;
  at: number;
}

export interface ScriptedAnswer {
  status: number;
  body: unknown;
  /** Answer only after this long (a slow Telegram). */
  delayMs?: number;
}

export const telegramErrors = {
  tooManyRequests: (retryAfter: number): ScriptedAnswer => ({
    status: 429,
    body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } },
  }),
  blocked: (): ScriptedAnswer => ({ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } }),
  chatNotFound: (): ScriptedAnswer => ({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }),
  internal: (): ScriptedAnswer => ({ status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } }),
  badGateway: (): ScriptedAnswer => ({ status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }),
  unauthorized: (): ScriptedAnswer => ({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } }),
  /** What Telegram answers a second getUpdates client. */
  otherPoller: (): ScriptedAnswer => ({
    status: 409,
    body: { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running' },
  }),
};

const WEBHOOK_ACTIVE = {
  ok: false,
  error_code: 409,
  description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
};

export interface WebhookState {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  max_connections: number;
}

export interface FakeTelegram {
  url: string;
  token: string;
  requests: TelegramRequest[];
  /** Bodies of the calls of one method, in order. */
  calls(method: string): Record<string, unknown>[];
  /** sendMessage bodies to one chat. */
  sentTo(chatId: number | string): Record<string, unknown>[];
  /** Queues updates for getUpdates (a held long poll answers at once). */
  queue(...updates: Record<string, unknown>[]): void;
  /** Updates not yet confirmed by an offset. */
  pending(): Record<string, unknown>[];
  webhook: WebhookState | null;
  /** Long polls the client gave up on (closed the connection) while held. */
  abortedPolls: number;
  /** Concurrent getUpdates seen (a held one ended by another). */
  pollConflicts: number;
  /** Scripted answers for the next calls of a method, used in order. */
  failNext(method: string, ...answers: ScriptedAnswer[]): void;
  /** Files the bot can fetch with getFile + GET /file/bot<token>/<file_path> (voice notes). */
  addFile(fileId: string, bytes: Buffer): void;
  /** Waits until `predicate` holds (checked every 20 ms). */
  waitFor(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const ok = (result: unknown, description?: string) => ({ ok: true, result, ...(description ? { description } : {}) });
const bad = (description: string) => ({ ok: false, error_code: 400, description: `Bad Request: ${description}` });

export async function startFakeTelegram(options: { token?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? FAKE_BOT_TOKEN;
  const botId = Number(token.split(':')[0]);
  let updates: Record<string, unknown>[] = [];
  let held: { res: ServerResponse; offset: number; timer: NodeJS.Timeout } | undefined;
  const scripted = new Map<string, ScriptedAnswer[]>();
  let messageSeq = 500;
  const files = new Map<string, { path: string; bytes: Buffer }>();

  const fake: Omit<FakeTelegram, 'url' | 'close'> = {
    token,
    requests: [],
    calls: (method) => fake.requests.filter((r) => r.method === method).map((r) => r.body),
    sentTo: (chatId) => fake.calls('sendMessage').filter((b) => String(b.chat_id) === String(chatId)),
    queue(...more) {
      updates.push(...more);
      if (held) answerHeld();
    },
    pending: () => [...updates],
    webhook: null,
    abortedPolls: 0,
    pollConflicts: 0,
    addFile(fileId, bytes) {
      files.set(fileId, { path: `voice/file_${files.size}.oga`, bytes });
    },
    failNext(method, ...answers) {
      scripted.set(method, [...(scripted.get(method) ?? []), ...answers]);
    },
    async waitFor(predicate, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`fake telegram: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };

  const available = (offset: number) => updates.filter((u) => (u.update_id as number) >= offset).slice(0, 100);

  function answerHeld() {
    if (!held) return;
    const { res, offset, timer } = held;
    const ready = available(offset);
    if (!ready.length) return;
    clearTimeout(timer);
    held = undefined;
    send(res, 200, ok(ready));
  }

  function getUpdates(body: Record<string, unknown>, res: ServerResponse) {
    if (fake.webhook) return send(res, 409, WEBHOOK_ACTIVE);
    if (held) {
      // Telegram ends the older request: only one getUpdates client per bot.
      fake.pollConflicts++;
      clearTimeout(held.timer);
      send(held.res, 409, telegramErrors.otherPoller().body);
      held = undefined;
    }
    const offset = typeof body.offset === 'number' ? body.offset : 0;
    // An offset confirms every update before it: Telegram forgets them.
    if (offset > 0) updates = updates.filter((u) => (u.update_id as number) >= offset);
    const ready = available(offset);
    const timeout = typeof body.timeout === 'number' ? body.timeout : 0;
    if (ready.length || timeout <= 0) return send(res, 200, ok(ready));
    const timer = setTimeout(() => {
      if (held?.res === res) held = undefined;
      send(res, 200, ok([]));
    }, timeout * 1000);
    held = { res, offset, timer };
    res.on('close', () => {
      if (held?.res === res && !res.writableEnded) {
        fake.abortedPolls++;
        clearTimeout(timer);
        held = undefined;
      }
    });
  }

  function sendMessage(body: Record<string, unknown>, res: ServerResponse) {
    if (body.chat_id === undefined || body.chat_id === null || body.chat_id === '') return send(res, 400, bad('chat not found'));
    if (typeof body.text !== 'string' || !body.text.trim()) return send(res, 400, bad('message text is empty'));
    const chatId = Number(body.chat_id);
    return send(
      res,
      200,
      ok({
        message_id: ++messageSeq,
        from: { id: botId, is_bot: true, first_name: 'Atende', username: 'atende_test_bot' },
        chat: chatId > 0 ? { id: chatId, first_name: 'Test', type: 'private' } : { id: chatId, title: 'Group', type: 'supergroup' },
        date: Math.floor(Date.now() / 1000),
        text: body.text,
      }),
    );
  }

  const server = createServer(async (req, res) => {
    // Downloads: https://api.telegram.org/file/bot<token>/<file_path>, a plain GET.
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (download) {
      fake.requests.push({ method: 'file', body: { path: download[2] }, at: Date.now() });
      const file = download[1] === token ? [...files.values()].find((f) => f.path === download[2]) : undefined;
      if (!file) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
      return res.end(file.bytes);
    }
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch {
      return send(res, 400, bad("can't parse JSON"));
    }
    if (!match) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, given, method] = match as unknown as [string, string, string];
    fake.requests.push({ method, body, at: Date.now() });
    if (given !== token) return send(res, 401, telegramErrors.unauthorized().body);

    const script = scripted.get(method)?.shift();
    if (script) {
      if (script.delayMs) await new Promise((r) => setTimeout(r, script.delayMs));
      return send(res, script.status, script.body);
    }
    switch (method) {
      case 'getUpdates':
        return getUpdates(body, res);
      case 'answerCallbackQuery':
        return typeof body.callback_query_id === 'string' ? send(res, 200, ok(true)) : send(res, 400, bad('query is too old and response timeout expired or query ID is invalid'));
      case 'getFile': {
        const entry = typeof body.file_id === 'string' ? files.get(body.file_id) : undefined;
        if (!entry) return send(res, 400, bad('invalid file_id'));
        return send(res, 200, ok({ file_id: body.file_id, file_unique_id: `u${body.file_id}`.slice(0, 16), file_size: entry.bytes.length, file_path: entry.path }));
      }
      case 'sendMessage':
        return sendMessage(body, res);
      case 'sendChatAction': {
        // Telegram checks the chat id and the action name; "typing" lasts ~5 s on screen.
        const actions = ['typing', 'upload_photo', 'record_voice', 'upload_document', 'choose_sticker'];
        if (body.chat_id === undefined || body.chat_id === '') return send(res, 400, bad('chat not found'));
        if (!actions.includes(String(body.action))) return send(res, 400, bad('wrong parameter action in request'));
        return send(res, 200, ok(true));
      }
      case 'deleteWebhook': {
        const had = fake.webhook !== null;
        fake.webhook = null;
        if (body.drop_pending_updates === true) updates = [];
        return send(res, 200, ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted'));
      }
      case 'setWebhook': {
        if (typeof body.url !== 'string') return send(res, 400, bad('bad webhook: URL must be a string'));
        if (!body.url) {
          fake.webhook = null;
          return send(res, 200, ok(true, 'Webhook was deleted'));
        }
        if (!body.url.startsWith('https://')) return send(res, 400, bad('bad webhook: An HTTPS URL must be provided for webhook'));
        if (body.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(body.secret_token))) {
          return send(res, 400, bad('secret token contains unallowed characters'));
        }
        if (body.drop_pending_updates === true) updates = [];
        fake.webhook = {
          url: body.url,
          ...(body.secret_token !== undefined ? { secret_token: String(body.secret_token) } : {}),
          ...(Array.isArray(body.allowed_updates) ? { allowed_updates: body.allowed_updates as string[] } : {}),
          max_connections: typeof body.max_connections === 'number' ? body.max_connections : 40,
        };
        return send(res, 200, ok(true, 'Webhook was set'));
      }
      case 'getWebhookInfo': {
        const hook = fake.webhook;
        // The secret is never echoed by Telegram.
        return send(
          res,
          200,
          ok({
            url: hook?.url ?? '',
            has_custom_certificate: false,
            pending_update_count: updates.length,
            ...(hook ? { max_connections: hook.max_connections, ip_address: '203.0.113.10' } : {}),
            ...(hook?.allowed_updates ? { allowed_updates: hook.allowed_updates } : {}),
          }),
        );
      }
      default:
        return send(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  });
  const { port, close } = await listenLocally(server);
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      if (held) clearTimeout(held.timer);
      return close();
    },
  });
}
