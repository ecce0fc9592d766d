#!/usr/bin/env tsx
// A terminal client for the web chat channel of a running atende server:
//   npm run chat                    talk to the bot as a contact
//   npm run chat -- --attendant     log in first (e-mail/password), then register people
//   npm run chat -- --url http://host:3000
// Replies arrive over Server-Sent Events and are printed as they come.
import { randomUUID } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    attendant: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('uso: npm run chat [-- --attendant] [-- --url http://127.0.0.1:3000]');
  process.exit(0);
}
const base = (args.url ?? process.env.ATENDE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');

let muted = false;
const output = new Writable({
  write(chunk, _enc, done) {
    if (!muted) process.stdout.write(chunk);
    done();
  },
});
const rl: Interface = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });

function print(line: string) {
  if (process.stdout.isTTY) {
    process.stdout.write('\r\x1b[K');
    console.log(line);
    rl.prompt(true);
  } else console.log(line);
}

// Lines are buffered from the start, so what is typed (or piped in) during the login or
// while the session opens is not lost, and is sent in order.
const lines: string[] = [];
let waiting: ((line: string | null) => void) | undefined;
let ended = false;
rl.on('line', (line) => (waiting ? (waiting(line), (waiting = undefined)) : lines.push(line)));
rl.on('close', () => {
  ended = true;
  waiting?.(null);
});
const nextLine = () =>
  lines.length ? Promise.resolve(lines.shift()!) : ended ? Promise.resolve(null) : new Promise<string | null>((resolve) => (waiting = resolve));

async function ask(question: string, hidden = false): Promise<string> {
  process.stdout.write(question);
  // Hidden: readline's echo of the typed characters goes nowhere.
  muted = hidden;
  const answer = await nextLine();
  muted = false;
  if (hidden) process.stdout.write('\n');
  return answer?.trim() ?? '';
}

async function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body) headers.set('content-type', 'application/json');
  try {
    return await fetch(`${base}${path}`, { ...init, headers });
  } catch {
    throw new Error(`não foi possível conectar a ${base} — o servidor está rodando? (npm start)`);
  }
}

async function problemOf(res: Response): Promise<string> {
  const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
  return `${res.status} ${body.detail ?? body.title ?? res.statusText}`;
}

async function login(): Promise<string> {
  const email = await ask('e-mail: ');
  const password = await ask('senha: ', true);
  const res = await call('/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
  if (!res.ok) throw new Error(`login recusado: ${await problemOf(res)}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Follows the chat's SSE stream, reconnecting (and resuming after the last reply) when it drops. */
async function follow(chatId: string, token: string) {
  let last = 0;
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      const res = await call(`/channels/web/chats/${chatId}/events`, { token, headers: { 'last-event-id': String(last) } });
      if (!res.ok || !res.body) throw new Error(await problemOf(res));
      delay = 500;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((l) => l.startsWith('data: '));
          if (!event.includes('event: reply') || !data) continue;
          const reply = JSON.parse(data.slice(6)) as { id: number; text: string };
          if (reply.id <= last) continue;
          last = reply.id;
          print(`${process.stdout.isTTY ? '\x1b[36mbot>\x1b[0m' : 'bot>'} ${reply.text.replace(/\n/g, '\n     ')}`);
        }
      }
    } catch {
      // Server restarting or network hiccup: reconnect and resume after the last reply.
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function send(token: string, text: string) {
  const messageId = randomUUID();
  // The same messageId on a retry: the server stores the message once.
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await call('/channels/web/messages', { method: 'POST', token, body: JSON.stringify({ messageId, text }) });
      if (res.status === 202) return;
      if (res.status < 500 && res.status !== 429) return print(`(mensagem recusada: ${await problemOf(res)})`);
    } catch (err) {
      if (attempt === 3) return print(`(${(err as Error).message})`);
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  print('(não foi possível enviar; tente de novo)');
}

async function main() {
  const accessToken = args.attendant ? await login() : undefined;
  const res = await call('/channels/web/sessions', { method: 'POST', token: accessToken });
  if (res.status !== 201) throw new Error(`não foi possível abrir a conversa: ${await problemOf(res)}`);
  const session = (await res.json()) as { chatId: string; token: string; mode: string };
  console.log(`conectado a ${base} — modo ${session.mode === 'attendant' ? 'atendente' : 'contato'}. Escreva e tecle Enter; Ctrl+C sai.`);
  void follow(session.chatId, session.token);
  rl.setPrompt('você> ');
  rl.prompt();
  // One message at a time, in the order typed.
  for (let line = await nextLine(); line !== null; line = await nextLine()) {
    if (line.trim()) await send(session.token, line.trim());
    rl.prompt();
  }
  // End of input (Ctrl+D, or a piped script): let the last replies arrive, then leave.
  setTimeout(() => process.exit(0), process.stdin.isTTY ? 0 : 3_000);
}

main().catch((err) => {
  console.error(`chat: ${(err as Error).message}`);
  process.exit(1);
});
