// Issue 10, item 1: in contact mode nobody can take over another person's contact through
// the chat. A stranger who types a registered phone on the web chat is answered exactly as
// for a new contact (nothing tells them the number is registered), the existing contact
// stays as it was, and the submission waits as an update request that staff approve (the
// fields are applied) or reject, over the API, audited without personal data. Erasure takes
// the requests with the contact; portability lists them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { answerUntilSummary as answer, type Person } from './helpers/answer-until-summary.ts';
import { openWebChat, type WebChat } from './helpers/web-chat.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9', LLM_MAX_ATTEMPTS: '1' };
const answerUntilSummary = (chat: WebChat, first: string[], person: Person) => answer((text) => chat.say(text), first, person);

/** A whole self-registration on a fresh web chat; returns the last reply. */
async function register(t: TestApp, person: Person): Promise<string> {
  const chat = await openWebChat(t.atende);
  await chat.say('oi');
  await chat.say('sim');
  await answerUntilSummary(chat, await chat.say(person.name), person);
  const [last] = await chat.say('sim');
  return last!;
}

describe.each(BACKENDS)('contact takeover through the chat on %s', (backend) => {
  let t: TestApp;
  let admin: string;
  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, token = admin) => t.atende.http.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    t = await startTestApp({ backend, env: NO_LLM });
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a stranger typing a registered phone learns nothing and changes nothing; staff approve the request', async () => {
    const joana = { name: 'Joana Prado', phone: '31 97777-1111', email: 'joana@exemplo.com.br', reason: 'primeiro contato' };
    const first = await register(t, joana);
    expect(first).toMatch(/^Recebemos seu cadastro\. Protocolo: [2-9A-HJKMNP-Z]{8}\. Obrigado pelo contato!$/);
    const before = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5531977771111' } });

    const stranger = { name: 'Carlos Intruso', phone: '31 97777-1111', email: 'carlos@exemplo.com.br', reason: 'quero trocar os dados' };
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    await chat.say('sim');
    await answerUntilSummary(chat, await chat.say(stranger.name), stranger);
    const replies = await chat.say('sim');
    // The same single reply, same wording, as for a new contact: no "Já temos um cadastro".
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatch(/^Recebemos seu cadastro\. Protocolo: [2-9A-HJKMNP-Z]{8}\. Obrigado pelo contato!$/);
    expect((await chat.replies()).join('\n')).not.toMatch(/Já temos|Joana|ATUALIZAR/);
    const protocol = /Protocolo: (\w+)\./.exec(replies[0]!)![1]!;
    expect(protocol).not.toBe(before.protocol);

    const unchanged = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: before.id } });
    expect(unchanged).toMatchObject({ name: 'Joana Prado', email: 'joana@exemplo.com.br', reason: 'primeiro contato', updatedAt: before.updatedAt });
    const conversation = await t.atende.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat.chatId } });
    expect(conversation.contactId).toBeNull();

    // Staff see it pending, on the contact and in the queue, with the protocol told.
    const pending = (await api('GET', '/update-requests?status=pending')).json();
    const request = pending.items.find((r: { protocol: string }) => r.protocol === protocol);
    expect(request).toMatchObject({
      contactId: before.id,
      status: 'pending',
      proposed: { name: 'Carlos Intruso', phone: '+5531977771111', email: 'carlos@exemplo.com.br', reason: 'quero trocar os dados' },
      source: { channel: 'web', chatId: chat.chatId, conversationId: conversation.id },
    });
    const onContact = await api('GET', `/contacts/${before.id}/update-requests`);
    expect(onContact.statusCode).toBe(200);
    expect(onContact.json().items.map((r: { id: string }) => r.id)).toEqual([request.id]);
    expect((await api('GET', `/contacts/${before.id}`)).json().protocol).toBe(before.protocol);

    // The portability document lists it; audit entries name ids and actions only.
    const data = (await api('GET', `/contacts/${before.id}/data`)).json();
    expect(data.updateRequests).toMatchObject([{ protocol, status: 'pending', proposed: { name: 'Carlos Intruso' } }]);

    const approved = await api('POST', `/update-requests/${request.id}/approve`);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: expect.any(String) });
    expect(await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: before.id } })).toMatchObject({
      name: 'Carlos Intruso',
      email: 'carlos@exemplo.com.br',
      reason: 'quero trocar os dados',
    });
    const again = await api('POST', `/update-requests/${request.id}/reject`);
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().code).toBe('already-decided');

    const audit = await t.atende.db.prisma.auditLog.findMany({ where: { action: { startsWith: 'contact.update_request' } } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['contact.update_request.create', 'contact.update_request.list', 'contact.update_request.approve']));
    expect(JSON.stringify(audit.map((a) => ({ ...a, id: String(a.id) })))).not.toMatch(/Carlos|Joana|carlos@|97777|quero trocar/);
  });

  it('a rejected request leaves the contact as it was; erasing the contact erases its requests', async () => {
    await register(t, { name: 'Bia Torres', phone: '41 96666-2222', email: 'pular', reason: 'orientação' });
    const bia = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5541966662222' } });
    await register(t, { name: 'Outra Pessoa', phone: '41 96666-2222', email: 'pular', reason: 'troca' });
    const [request] = (await api('GET', `/contacts/${bia.id}/update-requests`)).json().items;
    const rejected = await api('POST', `/update-requests/${request.id}/reject`);
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    expect(await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { id: bia.id } })).toMatchObject({ name: 'Bia Torres', reason: 'orientação' });
    expect((await api('POST', `/update-requests/${request.id}/approve`)).statusCode).toBe(409);

    expect((await api('DELETE', `/contacts/${bia.id}`)).statusCode).toBe(204);
    expect(await t.atende.db.prisma.contactUpdateRequest.count({ where: { contactId: bia.id } })).toBe(0);
    expect((await api('POST', `/update-requests/${request.id}/approve`)).statusCode).toBe(404);
    expect((await api('GET', `/contacts/${bia.id}/update-requests`)).statusCode).toBe(404);
  });

  it('the queue pages by keyset; unknown ids are 404, bad ones 400; attendants may decide', async () => {
    const attendant = await t.tokenFor('attendant');
    await register(t, { name: 'Davi Rocha', phone: '61 95555-3333', email: 'pular', reason: 'retorno' });
    for (const name of ['Eva Alves', 'Ivo Lopes']) await register(t, { name, phone: '61 95555-3333', email: 'pular', reason: 'outro' });
    const page1 = (await api('GET', '/update-requests?limit=1', attendant)).json();
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await api('GET', `/update-requests?limit=1&cursor=${page1.nextCursor}`, attendant)).json();
    expect(page2.items[0]?.id).not.toBe(page1.items[0].id);
    expect((await api('POST', '/update-requests/6f1c2f0e-0000-4000-8000-000000000000/approve', attendant)).statusCode).toBe(404);
    expect((await api('POST', '/update-requests/nope/approve', attendant)).statusCode).toBe(400);
    expect((await api('GET', '/update-requests?status=whatever', attendant)).statusCode).toBe(400);
    expect((await t.atende.http.inject({ method: 'GET', url: '/update-requests' })).statusCode).toBe(401);
  });
});
