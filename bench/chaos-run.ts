// The chaos run of issue 17, shared by `npm run chaos` and the suite's small version: people
// register through the web chat (real HTTP, closed loop: each waits for the bot before typing
// on) against ROLE=api and ROLE=worker processes (src/server.ts) on PostgreSQL + Redis, while
// a worker is SIGKILLed every few seconds (and, if asked, an API replica now and then). No LLM:
// Ollama's address refuses connections, so the bot asks field by field.
//
// What is measured is what a person notices: the wait from sending their message to the bot's
// first reply to it arriving on the chat's SSE stream (as the chat page gets it). What is checked afterwards: nothing lost (every message
// answered, every inbox row processed), nothing duplicated (each reply once, one contact per
// person), no false "Já temos um cadastro" notice.
import pg from 'pg';
import { type AppProcess, startAppProcess } from '../test/helpers/app-process.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from '../test/helpers/postgres.ts';

export interface ChaosOptions {
  people: number;
  /** People keep registering (a new chat each time) until this much time has passed. */
  durationMs: number;
  /** Worker processes kept running. */
  workers: number;
  /** A worker is SIGKILLed this often (0: a calm run). */
  killWorkerEveryMs: number;
  /** An API replica is SIGKILLed this often (0: never, and one replica runs); two replicas run, so one is up. */
  killApiEveryMs: number;
  /** Pause between a reply and the person's next message (uniform in [min, max]). */
  thinkMs: [number, number];
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface ChaosResult {
  people: number;
  durationS: number;
  registrations: number;
  completed: number;
  messages: number;
  replyWaitMs: { p50: number; p99: number; max: number };
  /** Messages never answered, and inbox rows left unprocessed at the end. */
  lost: number;
  unprocessedInbox: number;
  /** Replies beyond the expected ones (a reply shown twice), and contacts beyond one per phone. */
  duplicatedReplies: number;
  duplicatedContacts: number;
  missingContacts: number;
  falseDuplicateNotices: number;
  workerKills: number;
  apiKills: number;
  /** Kill ticks skipped because no other worker was up to take over. */
  skippedKills: number;
  /** How long a replacement worker took to start (spawn to listening). */
  workerStartupMs: { p50: number; max: number };
}

// A whole registration without LLM: consent, free text (extraction is down, so the bot asks
// field by field), name, phone, reason, no e-mail, confirm. Person-specific values keep
// phones unique: one contact each.
const script = (name: string, phone: string) => ['oi', 'sim', `Sou ${name}`, name, phone, 'apoio emocional', 'pular', 'sim'];
const FALSE_NOTICE = /Já temos um cadastro/i;
// A person gives up on a message after this long (the "patience" is 90 s).
const ANSWER_TIMEOUT_MS = 90_000;

// A start-up on a saturated machine can take a minute; a process that never comes up is a
// failed run, not one to leave running.
const START_TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The API replicas, as the people's clients see them: any live one will do. */
class ApiPool {
  urls: string[] = [];
  private next = 0;

  async request(path: string, init: RequestInit = {}, deadline = Date.now() + ANSWER_TIMEOUT_MS): Promise<Response> {
    for (;;) {
      const url = this.urls[this.next++ % Math.max(1, this.urls.length)];
      try {
        if (url) {
          // Streams are cut by their own signal; plain requests after 5 s.
          const res = await fetch(url + path, { ...init, signal: init.signal ?? AbortSignal.timeout(5_000) });
          // 429: a budget ran out (it should not, see env); waiting is what a client does.
          if (res.status < 500 && res.status !== 429) return res;
        }
      } catch {
        // That replica was just killed: the client tries another, as a browser would retry.
      }
      if (Date.now() > deadline || init.signal?.aborted) throw new Error(`no API replica answered ${path}`);
      await sleep(200);
    }
  }
}

interface Registration {
  chatId: string;
  phone: string;
  expected: number[];
  got: string[];
  answered: boolean;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const db: TestDatabase = await createTestDatabase('atende_chaos');
  const env = (role: string) => ({
    DATABASE_URL: db.url,
    REDIS_URL: REDIS_TEST_URL,
    ROLE: role,
    JWT_SECRET: 'chaos-secret-0123456789abcdefghijklmnopqrstu',
    ADMIN_EMAIL: 'admin@chaos.local',
    ADMIN_PASSWORD: 'chaos-password-123',
    OLLAMA_HOST: 'http://127.0.0.1:9',
    // Every person polls from 127.0.0.1: the per-IP budget is for the internet, not this.
    WEB_CHAT_RATE_LIMIT_PER_MIN: '1000000',
    WEB_CHAT_IP_RATE_LIMIT_PER_MIN: '10000000',
  });
  const apis: AppProcess[] = [];
  const workers: { p: AppProcess; ready: boolean }[] = [];
  const starting = new Set<Promise<unknown>>();
  const pool = new ApiPool();
  const result = { workerKills: 0, apiKills: 0, skippedKills: 0 };
  let stopping = false;
  const startupsMs: number[] = [];

  const startWorker = () => {
    const entry = { p: undefined as unknown as AppProcess, ready: false };
    const t0 = Date.now();
    const started = startAppProcess(env('worker'), START_TIMEOUT_MS).then((p) => {
      startupsMs.push(Date.now() - t0);
      entry.p = p;
      entry.ready = true;
      if (stopping) return p.stop();
      workers.push(entry);
    });
    starting.add(started);
    void started.finally(() => starting.delete(started)).catch((err) => log(`worker did not start: ${(err as Error).message.slice(0, 200)}`));
  };
  const startApi = async () => {
    const p = await startAppProcess(env('api'), START_TIMEOUT_MS);
    apis.push(p);
    pool.urls = apis.map((a) => a.url);
    return p;
  };

  try {
    // The first process migrates the database; the others find it done.
    await startApi();
    // A second API replica only when API replicas get killed (one is then always up).
    await Promise.all([...(options.killApiEveryMs > 0 ? [startApi()] : []), ...Array.from({ length: options.workers }, async () => workers.push({ p: await startAppProcess(env('worker'), START_TIMEOUT_MS), ready: true }))]);
    log(`up: ${apis.length} API, ${workers.length} workers`);

    // The reference: what a calm registration answers, step by step (how many replies).
    const expected = await referenceCounts(pool);
    log(`reference: ${expected.join(',')} replies per message`);

    const started = Date.now();
    const until = started + options.durationMs;
    const killers: Promise<void>[] = [];
    if (options.killWorkerEveryMs > 0) {
      killers.push(
        (async () => {
          while (Date.now() < until) {
            await sleep(options.killWorkerEveryMs);
            if (Date.now() >= until) break;
            // Oldest first; never the last one up (then people would wait for a start-up).
            if (workers.length < 2) {
              result.skippedKills++;
              continue;
            }
            const victim = workers.shift()!;
            startWorker();
            await victim.p.kill9();
            result.workerKills++;
          }
        })(),
      );
    }
    if (options.killApiEveryMs > 0) {
      killers.push(
        (async () => {
          while (Date.now() < until) {
            await sleep(options.killApiEveryMs);
            if (Date.now() >= until) break;
            // Never the last replica up: people would only measure a start-up.
            if (apis.length < 2) continue;
            const victim = apis.shift()!;
            pool.urls = apis.map((a) => a.url);
            await victim.kill9();
            result.apiKills++;
            await startApi().catch((err) => log(`API replica did not start: ${(err as Error).message.slice(0, 200)}`));
          }
        })(),
      );
    }

    const waits: number[] = [];
    const registrations: Registration[] = [];
    let seq = 0;
    const person = async () => {
      // Spread the first messages over the first seconds, as people arrive.
      await sleep(Math.random() * Math.min(3_000, options.durationMs / 4));
      while (Date.now() < until) {
        const n = ++seq;
        const phone = `11 9${String(1000_0000 + n * 7919).slice(-8)}`;
        const chat = await openChat(pool);
        const reg: Registration = { chatId: chat.chatId, phone, expected, got: [], answered: true };
        registrations.push(reg);
        const texts = script(`Pessoa ${letters(n)} Silva`, phone);
        try {
          for (const [step, text] of texts.entries()) {
            const before = chat.replies.length;
            const sent = Date.now();
            await chat.send(text, `m${step}`);
            const first = await chat.waitFor(before + 1, sent + ANSWER_TIMEOUT_MS);
            if (!first) {
              reg.answered = false;
              return;
            }
            waits.push(first.at - sent);
            // The rest of this message's replies, then a person's pause.
            await chat.waitFor(expected.slice(0, step + 1).reduce((a, b) => a + b, 0), Date.now() + ANSWER_TIMEOUT_MS);
            await sleep(options.thinkMs[0] + Math.random() * (options.thinkMs[1] - options.thinkMs[0]));
          }
        } finally {
          reg.got = [...chat.replies];
          chat.close();
        }
      }
    };
    await Promise.all(Array.from({ length: options.people }, () => person()));
    stopping = true;
    await Promise.all(killers);
    await Promise.allSettled([...starting]);
    // Late extra replies (a duplicate sent after the person moved on) must be seen too.
    await sleep(3_000);
    const durationS = (Date.now() - started) / 1000;

    const final = await finalState(db, registrations);
    const total = expected.reduce((a, b) => a + b, 0);
    const done = registrations.filter((r) => r.answered && r.got.length >= total);
    const sorted = [...waits].sort((a, b) => a - b);
    return {
      people: options.people,
      durationS: Math.round(durationS * 10) / 10,
      registrations: registrations.length,
      completed: done.length,
      messages: waits.length,
      replyWaitMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
      lost: registrations.filter((r) => !r.answered).length,
      unprocessedInbox: final.unprocessed,
      duplicatedReplies: final.extraReplies,
      duplicatedContacts: final.extraContacts,
      missingContacts: done.filter((r) => !final.phonesSaved.has(normalize(r.phone))).length,
      falseDuplicateNotices: final.falseNotices,
      ...result,
      workerStartupMs: { p50: percentile([...startupsMs].sort((x, y) => x - y), 50), max: Math.max(0, ...startupsMs) },
    };
  } finally {
    stopping = true;
    await Promise.allSettled([...starting]);
    await Promise.allSettled([...apis, ...workers.map((w) => w.p)].map((p) => p.stop()));
    await db.drop();
  }
}

const letters = (n: number) =>
  n
    .toString(26)
    .split('')
    .map((d) => String.fromCharCode(97 + parseInt(d, 26)))
    .join('')
    .replace(/^./, (c) => c.toUpperCase());

const normalize = (phone: string) => `+55${phone.replace(/\D/g, '')}`;

async function openChat(pool: ApiPool) {
  const opened = await pool.request('/channels/web/sessions', { method: 'POST' });
  if (opened.status !== 201) throw new Error(`session: ${opened.status} ${await opened.text()}`);
  const session = (await opened.json()) as { chatId: string; token: string };
  const auth = { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' };
  const closing = new AbortController();
  let wake: () => void = () => {};
  const chat = {
    chatId: session.chatId,
    replies: [] as string[],
    cursor: 0,
    async send(text: string, messageId: string) {
      // A replica killed mid-request: the client posts again with the same id (deduplicated).
      const res = await pool.request('/channels/web/messages', { method: 'POST', headers: auth, body: JSON.stringify({ messageId, text }) });
      if (res.status !== 202) throw new Error(`post: ${res.status} ${await res.text()}`);
    },
    /** Reads the replies after the cursor once. */
    async poll() {
      const res = await pool.request(`/channels/web/chats/${session.chatId}/messages?after=${chat.cursor}&limit=200`, { headers: auth }).catch(() => undefined);
      if (res?.status !== 200) return;
      const body = (await res.json()) as { messages: { id: number; text: string }[] };
      for (const m of body.messages) chat.take(m);
    },
    take(reply: { id: number; text: string }) {
      if (reply.id <= chat.cursor) return;
      chat.replies.push(reply.text);
      chat.cursor = reply.id;
      wake();
    },
    /** Until `count` replies arrived (pushed over the chat's SSE stream); when they did. */
    async waitFor(count: number, deadline: number): Promise<{ at: number } | undefined> {
      while (chat.replies.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1_000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return { at: Date.now() };
    },
    close() {
      closing.abort();
    },
  };
  // The chat page's way to get replies: the SSE stream, resumed after the cursor on whatever
  // replica answers when the one it was on dies.
  void (async () => {
    while (!closing.signal.aborted) {
      try {
        const res = await pool.request(`/channels/web/chats/${session.chatId}/events?after=${chat.cursor}`, { headers: auth, signal: closing.signal }, Infinity);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(event)?.[1];
            if (/^event: reply$/m.test(event) && data) chat.take(JSON.parse(data) as { id: number; text: string });
          }
        }
      } catch {
        // The replica died (or the chat closed): reconnect, after the cursor.
      }
      if (!closing.signal.aborted) await sleep(200);
    }
  })();
  return chat;
}

async function referenceCounts(pool: ApiPool): Promise<number[]> {
  const chat = await openChat(pool);
  const counts: number[] = [];
  // The same shape of name as every registration's: how many replies a step gets may depend on
  // how the rules read the name (a lowercase middle word, here), and the counts must compare.
  for (const [step, text] of script(`Pessoa ${letters(0)} Silva`, '11 98765-4321').entries()) {
    const before = chat.replies.length;
    await chat.send(text, `m${step}`);
    if (!(await chat.waitFor(before + 1, Date.now() + 30_000))) throw new Error(`reference: no reply to step ${step}`);
    // The bot's turn is complete once it stays quiet for a second (calm: it answers in ms).
    for (let had = -1; had !== chat.replies.length; ) {
      had = chat.replies.length;
      await sleep(1_000);
      await chat.poll();
    }
    counts.push(chat.replies.length - before);
  }
  chat.close();
  if (!/Protocolo/i.test(chat.replies.at(-1) ?? '')) throw new Error(`reference registration did not save: ${JSON.stringify(chat.replies)}`);
  return counts;
}

async function finalState(db: TestDatabase, registrations: Registration[]) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const unprocessed = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM inbound_messages WHERE processed_at IS NULL')).rows[0]!.n);
    // Every reply the web channel delivered, per chat (the reference's chat included).
    const shown = await client.query<{ chat_id: string; n: string }>('SELECT chat_id, count(*) AS n FROM web_chat_messages GROUP BY chat_id');
    const texts = await client.query<{ text: string }>('SELECT text FROM web_chat_messages');
    const contacts = await client.query<{ phone: string; n: string }>('SELECT phone, count(*) AS n FROM contacts GROUP BY phone');
    const extraContacts = contacts.rows.reduce((sum, r) => sum + Number(r.n) - 1, 0);
    const total = registrations[0]?.expected.reduce((a, b) => a + b, 0) ?? 0;
    // A registration shows at most the reference's replies (exactly, once finished); more is a
    // reply shown twice — counted in the database, so one sent after the person left counts.
    const perChat = new Map(shown.rows.map((r) => [r.chat_id, Number(r.n)]));
    const extraReplies = registrations.reduce((sum, r) => sum + Math.max(0, (perChat.get(r.chatId) ?? 0) - total), 0);
    return {
      unprocessed,
      extraReplies,
      extraContacts,
      phonesSaved: new Set(contacts.rows.map((r) => r.phone)),
      falseNotices: texts.rows.filter((r) => FALSE_NOTICE.test(r.text)).length,
    };
  } finally {
    await client.end();
  }
}
