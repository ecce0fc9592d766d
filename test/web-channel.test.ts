// The web chat channel over HTTP, through the real app: sessions (contact and attendant),
// posting, duplicates, reading replies after a cursor and over SSE, ownership of chats,
// validation and rate limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { openWebChat } from './helpers/web-chat.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };

describe.each(BACKENDS)('web chat channel on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend, env: NO_LLM });
  });
  afterAll(() => t?.close());

  it('opens contact sessions for anyone and attendant sessions for staff', async () => {
    const contact = await t.atende.http.inject({ method: 'POST', url: '/channels/web/sessions' });
    expect(contact.statusCode).toBe(201);
    expect(contact.json()).toMatchObject({ mode: 'contact', chatId: expect.any(String), token: expect.any(String) });

    const attendant = await t.atende.http.inject({ method: 'POST', url: '/channels/web/sessions', headers: { authorization: `Bearer ${await t.tokenFor('attendant')}` } });
    expect(attendant.json()).toMatchObject({ mode: 'attendant' });

    const forged = await t.atende.http.inject({ method: 'POST', url: '/channels/web/sessions', headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.statusCode).toBe(401);
    expect(forged.headers['content-type']).toContain('application/problem+json');
  });

  it('accepts a message with 202, recognizes its repeat, and the bot answers in Portuguese', async () => {
    const chat = await openWebChat(t.atende);
    expect(await chat.send('oi', 'client-1')).toEqual({ accepted: true, duplicate: false });
    expect(await chat.send('oi', 'client-1')).toEqual({ accepted: true, duplicate: true });
    const [greeting] = await chat.waitReplies(1);
    expect(greeting).toMatch(/^Olá! Sou o assistente de cadastro\..*LGPD.*Responda SIM ou NÃO\.$/s);
    await t.atende.conversations.whenIdle();
    expect(await chat.replies()).toHaveLength(1);
    const metrics = (await t.atende.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/atende_inbound_messages_total\{channel="web",outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/atende_inbound_messages_total\{channel="web",outcome="duplicate"\} [1-9]/);
    expect(metrics).toMatch(/atende_outbound_messages_total\{channel="web",outcome="sent"\} [1-9]/);
    expect(metrics).toMatch(/atende_stage_duration_seconds_count\{stage="intake"\} [1-9]/);
    expect(metrics).toMatch(/atende_stage_duration_seconds_count\{stage="turn"\} [1-9]/);
    expect(metrics).toContain('atende_inbox_pending 0');
  });

  it('lists replies after a cursor', async () => {
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    await chat.say('sim');
    const auth = { authorization: `Bearer ${chat.token}` };
    const all = (await t.atende.http.inject({ url: `/channels/web/chats/${chat.chatId}/messages`, headers: auth })).json();
    expect(all.messages).toHaveLength(2);
    const after = (await t.atende.http.inject({ url: `/channels/web/chats/${chat.chatId}/messages?after=${all.messages[0].id}`, headers: auth })).json();
    expect(after.messages.map((m: { text: string }) => m.text)).toEqual([all.messages[1].text]);
    expect(after.next).toBe(all.messages[1].id);
    // The consent question offers SIM/NÃO; the intro asks for free text and offers nothing.
    expect(all.messages.map((m: { options: { title: string }[] }) => m.options.map((o) => o.title))).toEqual([['SIM', 'NÃO'], []]);
  });

  it('lets a session read only its own chat, and only with its token', async () => {
    const mine = await openWebChat(t.atende);
    const other = await openWebChat(t.atende);
    const read = (chatId: string, token?: string) =>
      t.atende.http.inject({ url: `/channels/web/chats/${chatId}/messages`, headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await read(other.chatId, mine.token)).statusCode).toBe(403);
    expect((await read(mine.chatId)).statusCode).toBe(401);
    const tampered = `${mine.token.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await read(mine.chatId, tampered)).statusCode).toBe(401);
    // An access token is not a session token.
    expect((await read(mine.chatId, await t.login())).statusCode).toBe(401);
    const events = await t.atende.http.inject({ url: `/channels/web/chats/${other.chatId}/events`, headers: { authorization: `Bearer ${mine.token}` } });
    expect(events.statusCode).toBe(403);
    const post = await t.atende.http.inject({ method: 'POST', url: '/channels/web/messages', payload: { messageId: 'x', text: 'oi' } });
    expect(post.statusCode).toBe(401);
  });

  it('refuses malformed messages naming the field', async () => {
    const chat = await openWebChat(t.atende);
    const post = (payload: unknown) =>
      t.atende.http.inject({ method: 'POST', url: '/channels/web/messages', headers: { authorization: `Bearer ${chat.token}` }, payload: payload as object });
    const noId = await post({ text: 'oi' });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().errors.map((e: { field: string }) => e.field)).toContain('messageId');
    expect((await post({ messageId: 'a b', text: 'oi' })).statusCode).toBe(400);
    expect((await post({ messageId: 'ok', text: 'x'.repeat(4_097) })).statusCode).toBe(400);
    expect((await post({ messageId: 'ok', text: '   ' })).statusCode).toBe(400);
  });

  it('pushes replies over Server-Sent Events, resuming after Last-Event-ID', async () => {
    const address = await t.atende.http.listen({ port: 0, host: '127.0.0.1' });
    const chat = await openWebChat(t.atende);
    const controller = new AbortController();
    const res = await fetch(`${address}/channels/web/chats/${chat.chatId}/events`, { headers: { authorization: `Bearer ${chat.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    // Replies may repeat personal data: no cache keeps the stream.
    expect(res.headers.get('cache-control')).toBe('no-store, no-transform');
    await chat.send('oi');
    const reader = res.body!.getReader();
    let text = '';
    while (!/event: reply\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    // The bot's "typing" events come and go around it (test/turn-presence.test.ts); the reply is the block with an id.
    const block = /id: (\d+)\nevent: reply\ndata: (.*)\n/.exec(text)!;
    const id = Number(block[1]);
    const data = JSON.parse(block[2]!);
    expect(data).toMatchObject({ id, text: expect.stringContaining('Olá!') });
    // The consent question carries its fixed answers (SPEC §11), so the page can offer chips.
    expect(data.options).toEqual([
      { id: 'yes', title: 'SIM' },
      { id: 'no', title: 'NÃO' },
    ]);

    await chat.say('sim');
    const resumed = await fetch(`${address}/channels/web/chats/${chat.chatId}/events`, { headers: { authorization: `Bearer ${chat.token}`, 'last-event-id': String(id) } });
    const again = resumed.body!.getReader();
    let backlog = '';
    while (!backlog.includes('event: reply')) backlog += new TextDecoder().decode((await again.read()).value);
    await again.cancel();
    expect(backlog).not.toContain(`id: ${id}\n`);
    expect(backlog).toContain('Obrigado!');
  });
});

describe('web chat rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', env: { ...NO_LLM, WEB_CHAT_RATE_LIMIT_PER_MIN: '3', WEB_CHAT_IP_RATE_LIMIT_PER_MIN: '12' } });
  });
  afterAll(() => t?.close());

  it('limits messages per session, then requests per IP, with 429 problem+json', async () => {
    const chat = await openWebChat(t.atende);
    for (let i = 0; i < 3; i++) await chat.send(`m${i}`, `id-${i}`);
    const limited = await t.atende.http.inject({ method: 'POST', url: '/channels/web/messages', headers: { authorization: `Bearer ${chat.token}` }, payload: { messageId: 'id-4', text: 'mais uma' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json()).toMatchObject({ code: 'rate-limited', retryAfter: expect.any(Number) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another session from the same address still may post, until the address's budget ends.
    const other = await openWebChat(t.atende);
    expect((await other.send('oi', 'o-1')).accepted).toBe(true);
    let status = 0;
    for (let i = 0; i < 12 && status !== 429; i++) status = (await t.atende.http.inject({ method: 'POST', url: '/channels/web/sessions' })).statusCode;
    expect(status).toBe(429);
  });
});
