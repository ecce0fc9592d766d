// The handoff inbox on the web chat, end to end through the real app on both back-ends: a
// person asks for an attendant, staff see it live (SSE over real HTTP, stream ticket), claim
// it, answer — exactly once even when one messageId is posted three times at once — in order
// with the bot's replies; the person's messages show in the timeline and on the stream; a
// second attendant cannot answer a handoff another holds (an admin can); contact sessions and
// anonymous callers are refused; tickets are single use; business hours are announced once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { apiOf, userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { openSse } from './helpers/sse-client.ts';
import { openWebChat } from './helpers/web-chat.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };
const HANDOFF_TEXT = catalog.handoff();

describe.each(BACKENDS)('handoff inbox on the web chat (%s)', (backend) => {
  let t: TestApp;
  let address: string;
  let api: ReturnType<typeof apiOf>;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ backend, env: NO_LLM });
    address = await t.atende.http.listen({ port: 0, host: '127.0.0.1' });
    api = apiOf(t);
    admin = await t.login();
  });
  afterAll(() => t?.close());

  const ticketFor = async (token: string) => {
    const res = await api('POST', '/auth/stream-ticket', token);
    expect(res.statusCode).toBe(200);
    return res.json<{ ticket: string; expiresAt: string }>();
  };

  async function handoffChat() {
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    expect(await chat.say('atendente')).toEqual([HANDOFF_TEXT]);
    const queue = (await api('GET', '/conversations?status=handoff&channel=web', admin)).json();
    const item = queue.items.find((c: { chatId: string }) => c.chatId === chat.chatId);
    return { chat, id: item.id as string, item };
  }

  it('handoff → live event → claim → reply reaches the person exactly once; the person answers live; resume hands back in order', async () => {
    const attendant = await t.tokenFor('attendant');
    const { ticket, expiresAt } = await ticketFor(attendant);
    expect(new Date(expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(60_000);
    const stream = await openSse(`${address}/conversations/events?ticket=${encodeURIComponent(ticket)}`);
    expect(stream.status).toBe(200);

    const { chat, id, item } = await handoffChat();
    expect(item).toMatchObject({ status: 'handoff', channel: 'web', claimedBy: null, person: {}, handoffAt: expect.any(String) });
    expect(item.waitSeconds).toBeGreaterThanOrEqual(0);
    await stream.waitFor((e) => e.event === 'handoff.opened' && e.data.conversationId === id);

    const claim = await api('POST', `/conversations/${id}/claim`, attendant);
    expect(claim.statusCode).toBe(200);
    expect(claim.json()).toMatchObject({ id, status: 'handoff', claimedBy: { id: userIdOf(attendant), email: expect.stringContaining('@test.local') }, claimedAt: expect.any(String) });
    await stream.waitFor((e) => e.event === 'handoff.claimed' && e.data.conversationId === id);

    // The same messageId three times at once: one message reaches the person.
    const posts = await Promise.all([1, 2, 3].map(() => api('POST', `/conversations/${id}/messages`, attendant, { messageId: 'console-1', text: 'Olá, aqui é a Ana. Como posso ajudar?' })));
    expect(posts.map((p) => p.statusCode)).toEqual([202, 202, 202]);
    expect(posts.map((p) => p.json().duplicate).sort()).toEqual([false, true, true]);
    await chat.waitReplies(3);
    await t.atende.conversations.whenIdle();
    expect(await chat.replies()).toEqual([expect.stringContaining('Olá!'), HANDOFF_TEXT, 'Olá, aqui é a Ana. Como posso ajudar?']);
    const staffEvent = await stream.waitFor((e) => e.event === 'message.staff' && e.data.conversationId === id);
    expect(staffEvent.data).toMatchObject({ text: 'Olá, aqui é a Ana. Como posso ajudar?', author: { id: userIdOf(attendant) } });
    await stream.waitFor((e) => e.event === 'message.status' && e.data.conversationId === id && e.data.status === 'sent');
    // A later retry of the same id is still a duplicate, and still sends nothing.
    expect((await api('POST', `/conversations/${id}/messages`, attendant, { messageId: 'console-1', text: 'Olá, aqui é a Ana. Como posso ajudar?' })).json()).toEqual({ accepted: true, duplicate: true });

    // The person answers: no bot reply, the message is on the stream and in the timeline.
    await chat.send('Quero falar sobre meu cadastro');
    const inbound = await stream.waitFor((e) => e.event === 'message.inbound' && e.data.conversationId === id);
    expect(inbound.data.text).toBe('Quero falar sobre meu cadastro');
    await t.atende.conversations.whenIdle();
    expect(await chat.replies()).toHaveLength(3);
    const ids = stream.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    // A staff message and the resume: the person gets them in that order.
    await api('POST', `/conversations/${id}/messages`, attendant, { messageId: 'console-2', text: 'Vou te devolver ao robô para terminar o cadastro.' });
    const resumed = await api('POST', `/conversations/${id}/resume`, attendant);
    expect(resumed.statusCode).toBe(200);
    const replies = await chat.waitReplies(5);
    expect(replies[3]).toBe('Vou te devolver ao robô para terminar o cadastro.');
    expect(replies[4]).toBe(catalog.resumed());
    await stream.waitFor((e) => e.event === 'handoff.resumed' && e.data.conversationId === id);

    const detail = (await api('GET', `/conversations/${id}`, admin)).json();
    const staff = detail.timeline.filter((e: { kind: string }) => e.kind === 'staff');
    expect(staff.map((e: { text: string }) => e.text)).toEqual(['Olá, aqui é a Ana. Como posso ajudar?', 'Vou te devolver ao robô para terminar o cadastro.']);
    expect(staff[0].author).toMatchObject({ id: userIdOf(attendant) });
    expect(detail.timeline.some((e: { direction: string; text: string }) => e.direction === 'inbound' && e.text === 'Quero falar sobre meu cadastro')).toBe(true);
    expect(detail.claimedBy).toBeNull();

    // Out of a handoff: refused, and the bot's conversation is untouched.
    const late = await api('POST', `/conversations/${id}/messages`, attendant, { messageId: 'console-3', text: 'oi' });
    expect(late.statusCode).toBe(409);
    expect(late.json().type).toMatch(/not-in-handoff$/);

    // Audited without the text.
    const audit = await t.atende.db.prisma.auditLog.findMany({ where: { action: 'conversation.staff_message', entityId: id } });
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit.map((a) => a.meta))).not.toContain('Ana');
    expect(audit.map((a) => a.actorId)).toEqual([userIdOf(attendant), userIdOf(attendant)]);

    // Reconnecting with Last-Event-ID replays what came after it.
    const opened = stream.events.find((e) => e.event === 'handoff.opened' && e.data.conversationId === id)!;
    stream.close();
    const replay = await openSse(`${address}/conversations/events`, { authorization: `Bearer ${attendant}`, 'last-event-id': opened.id });
    await replay.waitFor((e) => e.event === 'handoff.resumed' && e.data.conversationId === id);
    expect(replay.events.some((e) => e.id === opened.id)).toBe(false);
    expect(replay.events.filter((e) => e.data.conversationId === id).map((e) => e.event)).toEqual(expect.arrayContaining(['handoff.claimed', 'message.staff', 'message.inbound', 'handoff.resumed']));
    replay.close();
  });

  it('an attendant cannot answer or claim a handoff another holds; an admin can, and may take it over', async () => {
    const [ana, bia] = [await t.tokenFor('attendant'), await t.tokenFor('attendant')];
    const { chat, id } = await handoffChat();
    expect((await api('POST', `/conversations/${id}/claim`, ana)).statusCode).toBe(200);

    const refused = await api('POST', `/conversations/${id}/messages`, bia, { messageId: 'b-1', text: 'Oi, sou a Bia' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ type: expect.stringMatching(/claimed-by-other$/), claimedBy: { id: userIdOf(ana) } });
    expect((await api('POST', `/conversations/${id}/claim`, bia)).json().type).toMatch(/claimed-by-other$/);
    expect((await api('POST', `/conversations/${id}/release`, bia)).statusCode).toBe(409);

    expect((await api('POST', `/conversations/${id}/messages`, admin, { messageId: 'adm-1', text: 'Mensagem da coordenação' })).statusCode).toBe(202);
    const takeover = await api('POST', `/conversations/${id}/claim`, admin);
    expect(takeover.json()).toMatchObject({ claimedBy: { id: userIdOf(admin) } });
    await chat.waitReplies(3);
    await t.atende.conversations.whenIdle();
    expect(await chat.replies()).toEqual([expect.any(String), HANDOFF_TEXT, 'Mensagem da coordenação']);

    // Released, anyone may claim it again; the queue shows who holds it.
    expect((await api('POST', `/conversations/${id}/release`, admin)).json()).toMatchObject({ claimedBy: null });
    expect((await api('POST', `/conversations/${id}/claim`, bia)).statusCode).toBe(200);
    const queue = (await api('GET', '/conversations?status=handoff', admin)).json();
    expect(queue.items.find((c: { id: string }) => c.id === id).claimedBy).toMatchObject({ id: userIdOf(bia) });
  });

  it('two attendants racing for an unclaimed handoff: one claims, or the other answers — never both', async () => {
    const [ana, bia] = [await t.tokenFor('attendant'), await t.tokenFor('attendant')];
    const { id } = await handoffChat();
    for (let round = 0; round < 12; round++) {
      expect((await api('POST', `/conversations/${id}/release`, admin)).statusCode).toBe(200);
      const [claim, reply] = await Promise.all([api('POST', `/conversations/${id}/claim`, ana), api('POST', `/conversations/${id}/messages`, bia, { messageId: `race-${round}`, text: `Resposta ${round}` })]);
      // Exactly one wins; the loser is told who holds it.
      expect([claim.statusCode, reply.statusCode].sort()).toEqual(claim.statusCode === 200 ? [200, 409] : [202, 409]);
      const holder = (await t.atende.db.prisma.conversation.findUniqueOrThrow({ where: { id } })).claimedBy;
      expect(holder).toBe(userIdOf(claim.statusCode === 200 ? ana : bia));
      const sent = await t.atende.db.prisma.outboundMessage.count({ where: { conversationId: id, text: `Resposta ${round}` } });
      expect(sent).toBe(reply.statusCode === 202 ? 1 : 0);
    }
  });

  it('refuses contact sessions and anonymous callers; stream tickets are single use', async () => {
    const { chat, id } = await handoffChat();
    const person = { authorization: `Bearer ${chat.token}` };
    const asPerson = await t.atende.http.inject({ method: 'POST', url: `/conversations/${id}/messages`, headers: person, payload: { messageId: 'x', text: 'oi' } });
    expect(asPerson.statusCode).toBe(401);
    expect((await api('POST', `/conversations/${id}/messages`, undefined, { messageId: 'x', text: 'oi' })).statusCode).toBe(401);
    expect((await api('POST', `/conversations/${id}/claim`)).statusCode).toBe(401);
    // Nor may the person (or anyone without a staff token) read the queue, release or resume.
    for (const [method, url] of [['POST', `/conversations/${id}/release`], ['POST', `/conversations/${id}/resume`], ['GET', '/conversations?status=handoff'], ['GET', `/conversations/${id}`]] as const) {
      expect((await t.atende.http.inject({ method, url, headers: person, ...(method === 'POST' ? { payload: {} } : {}) })).statusCode).toBe(401);
      expect((await api(method, url)).statusCode).toBe(401);
    }
    expect((await t.atende.http.inject({ method: 'POST', url: '/auth/stream-ticket', headers: person })).statusCode).toBe(401);
    expect((await fetch(`${address}/conversations/events`)).status).toBe(401);
    expect((await fetch(`${address}/conversations/events`, { headers: person })).status).toBe(401);

    const { ticket } = await ticketFor(await t.tokenFor('attendant'));
    const first = await openSse(`${address}/conversations/events?ticket=${ticket}`);
    expect(first.status).toBe(200);
    first.close();
    const again = await fetch(`${address}/conversations/events?ticket=${ticket}`);
    expect(again.status).toBe(401);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${address}/conversations/events?ticket=not-a-ticket`)).status).toBe(401);
    expect(await chat.replies()).toHaveLength(2);
  });

  it('CANCELAR still works while waiting for an attendant; takeOver moves an active conversation into a handoff', async () => {
    const { chat, id } = await handoffChat();
    expect(await chat.say('cancelar')).toEqual([catalog.cancelled()]);
    expect((await api('GET', `/conversations/${id}`, admin)).json().status).toBe('cancelled');

    const other = await openWebChat(t.atende);
    await other.say('oi');
    const list = (await api('GET', '/conversations?channel=web&status=active', admin)).json();
    const active = list.items.find((c: { chatId: string }) => c.chatId === other.chatId);
    const refused = await api('POST', `/conversations/${active.id}/messages`, admin, { messageId: 't-0', text: 'Olá!' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().type).toMatch(/not-in-handoff$/);
    const taken = await api('POST', `/conversations/${active.id}/messages`, admin, { messageId: 't-1', text: 'Oi, aqui é a equipe.', takeOver: true });
    expect(taken.statusCode).toBe(202);
    await other.waitReplies(3);
    await t.atende.conversations.whenIdle();
    expect((await other.replies()).slice(1)).toEqual([HANDOFF_TEXT, 'Oi, aqui é a equipe.']);
    expect((await api('GET', `/conversations/${active.id}`, admin)).json()).toMatchObject({ status: 'handoff', claimedBy: { id: userIdOf(admin) } });
  });
});

describe('handoff out of business hours', () => {
  let t: TestApp;
  // A rule for the day after tomorrow only (São Paulo time): closed now, whatever now is.
  const sp = (d: Date) => new Intl.DateTimeFormat('en-US', { timeZone: 'America/Sao_Paulo', weekday: 'short' }).format(d);
  const inTwoDays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(sp(new Date(Date.now() + 2 * 86_400_000)));
  const DAY = ['dom', 'seg', 'ter', 'qua', 'qui', 'sex', 'sab'][inTwoDays]!;
  const NAME = ['domingo', 'segunda', 'terça', 'quarta', 'quinta', 'sexta', 'sábado'][inTwoDays]!;
  const LABEL = ['dom', 'seg', 'ter', 'qua', 'qui', 'sex', 'sáb'][inTwoDays]!;

  beforeAll(async () => {
    t = await startTestApp({ backend: 'pglite', env: { ...NO_LLM, HANDOFF_HOURS: `${DAY} 08:00-12:00` } });
  });
  afterAll(() => t?.close());

  it('tells the person once when the team will answer; the bot stays silent after', async () => {
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    const replies = await chat.say('atendente');
    expect(replies).toEqual([HANDOFF_TEXT, `Nossa equipe atende ${LABEL} 08:00–12:00; responderemos a partir de ${NAME}, 08:00.`]);
    await chat.send('ok, obrigado');
    await t.atende.conversations.whenIdle();
    expect(await chat.replies()).toHaveLength(3);
  });

  it('the metrics show the open handoff and its wait', async () => {
    const metrics = await t.atende.http.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/atende_handoffs_open\{claimed="no"\} [1-9]/);
    expect(metrics.body).toMatch(/atende_handoff_oldest_wait_seconds \d/);
  });
});
