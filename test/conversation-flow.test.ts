// End to end over HTTP, in Portuguese, through the web chat channel and the real machine:
// a person registers themself field by field (no LLM) and in one message (fake Ollama); an
// attendant registers someone, corrects the phone in plain words and confirms; a repeated
// confirmation posted 50 times at once saves one contact; a handoff is resumed through the
// admin API; and the conversations admin API shows what happened.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { userIdOf } from './helpers/admin-api.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { answerUntilSummary as answer, type Person } from './helpers/answer-until-summary.ts';
import { openWebChat, type WebChat } from './helpers/web-chat.ts';

const MARIA = { name: 'Maria Silva', phone: '11 99999-8888', email: 'maria@exemplo.com.br', reason: 'apoio emocional' };

/** Answers whatever the bot asks, like a person would, until it shows the summary. */
const answerUntilSummary = (chat: WebChat, first: string[], person: Person = MARIA) => answer((text) => chat.say(text), first, person);

describe.each(BACKENDS)('conversations end to end on %s', (backend) => {
  let t: TestApp;
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await startFakeOllama();
    // A client retrying one message 50 times is what the dedupe test is about, not the rate limit.
    t = await startTestApp({ backend, env: { OLLAMA_HOST: ollama.url, LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_THRESHOLD: '100', WEB_CHAT_RATE_LIMIT_PER_MIN: '1000' } });
  });
  beforeEach(() => {
    ollama.queue = [];
    ollama.fallback = behave.status(503, 'model is loading');
  });
  afterAll(async () => {
    await t?.close();
    await ollama?.close();
  });

  it('registers a contact field by field when the LLM is unavailable', async () => {
    const chat = await openWebChat(t.atende);
    const [greeting] = await chat.say('oi');
    expect(greeting).toContain('Você concorda? Responda SIM ou NÃO.');
    const intro = await chat.say('sim');
    expect(intro.at(-1)).toContain('Me envie seu nome completo');
    // A message that is only a name is read by the rules (no model needed): the next question follows.
    const first = await chat.say('Maria Silva');
    expect(first).toEqual(['Qual é o seu telefone com DDD? (ex.: 11 99999-8888)']);
    const { asked, summary } = await answerUntilSummary(chat, first);
    expect(asked).toEqual(expect.arrayContaining(['phone', 'reason']));
    expect(summary).toContain('• Nome: Maria Silva');
    expect(summary).toContain('• Telefone: (11) 99999-8888');
    const [saved] = await chat.say('sim');
    const protocol = /Protocolo: (\w+)\./.exec(saved!)?.[1];
    expect(saved).toMatch(/^Recebemos seu cadastro\. Protocolo: \w+\. Obrigado pelo contato!$/);

    const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5511999998888' } });
    expect(contact).toMatchObject({ name: 'Maria Silva', reason: 'apoio emocional', sourceChannel: 'web', sourceChatId: chat.chatId, mode: 'contact', createdBy: 'bot' });
    expect(contact.consentAt).toBeInstanceOf(Date);
    // A random code stored with the contact: nothing in it tells the contact's id.
    expect(protocol).toBe(contact.protocol);
    expect(protocol).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    expect(contact.id.replace(/-/g, '').toUpperCase()).not.toContain(protocol!.slice(0, 4));
    const conversation = await t.atende.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat.chatId } });
    expect(conversation).toMatchObject({ status: 'saved', mode: 'contact', contactId: contact.id });
  });

  it('registers a contact from one message when the LLM answers', async () => {
    ollama.fallback = behave.json({ name: 'Joana Souza', phone: '21 98765-4321', email: null, reason: 'orientação jurídica' });
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    await chat.say('sim');
    const first = await chat.say('Sou a Joana Souza, 21 98765-4321, preciso de orientação jurídica');
    const { asked, summary } = await answerUntilSummary(chat, first, { ...MARIA, email: 'joana@exemplo.com.br' });
    expect(asked.filter((f) => f !== 'email')).toEqual([]);
    expect(summary).toContain('• Nome: Joana Souza');
    expect(summary).toContain('• Telefone: (21) 98765-4321');
    expect(summary).toContain('• Motivo: orientação jurídica');
    const [saved] = await chat.say('sim');
    expect(saved).toContain('Recebemos seu cadastro');
    expect(await t.atende.db.prisma.contact.findUnique({ where: { phone: '+5521987654321' } })).toMatchObject({ name: 'Joana Souza', mode: 'contact' });
  });

  it('lets an attendant register someone in one message, correct the phone in plain words and confirm', async () => {
    const token = await t.tokenFor('attendant');
    const chat = await openWebChat(t.atende, token);
    expect(chat.mode).toBe('attendant');
    ollama.queue = [
      behave.json({ name: 'Carla Mendes', phone: '31 97777-6666', email: null, reason: 'apoio emocional' }),
      behave.json({ name: null, phone: '31 96666-5555', email: null, reason: null }),
    ];
    const first = await chat.say('Novo contato: Carla Mendes, tel 31 97777-6666, motivo: apoio emocional');
    const { summary } = await answerUntilSummary(chat, first, { ...MARIA, email: 'carla@exemplo.com.br' });
    expect(summary).toContain('Confira os dados do contato:');
    expect(summary).toContain('• Telefone: (31) 97777-6666');
    const corrected = await chat.say('na verdade o telefone dela é 31 96666-5555');
    expect(corrected.at(-1)).toContain('• Telefone: (31) 96666-5555');
    const [saved] = await chat.say('sim');
    expect(saved).toMatch(/^Contato salvo\. Protocolo: \w+\.$/);
    const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5531966665555' } });
    expect(contact).toMatchObject({ name: 'Carla Mendes', mode: 'attendant', createdBy: userIdOf(token), consentAt: null, sourceChannel: 'web' });
    expect(await t.atende.db.prisma.contact.findUnique({ where: { phone: '+5531977776666' } })).toBeNull();
  });

  it('saves one contact when the confirmation is posted 50 times at once', async () => {
    const chat = await openWebChat(t.atende, await t.tokenFor('attendant'));
    const first = await chat.say('Pedro Alves');
    await answerUntilSummary(chat, first, { name: 'Pedro Alves', phone: '41 95555-4444', email: 'pedro@exemplo.com.br', reason: 'retorno de ligação' });
    const before = (await chat.replies()).length;
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => chat.send('sim', 'confirm-1')));
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    await chat.waitReplies(before + 1);
    await t.atende.conversations.whenIdle();
    await new Promise((r) => setTimeout(r, 300));
    const after = (await chat.replies()).slice(before);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^Contato salvo\./);
    expect(await t.atende.db.prisma.contact.count({ where: { phone: '+5541955554444' } })).toBe(1);
    expect(await t.atende.db.prisma.inboundMessage.count({ where: { chatId: chat.chatId, messageId: `${chat.chatId}:confirm-1` } })).toBe(1);
  });

  it('updates the existing contact when the phone is already registered and the person says ATUALIZAR', async () => {
    const attendant = await t.tokenFor('attendant');
    const first = await openWebChat(t.atende, attendant);
    const person = { name: 'Rita Lima', phone: '51 94444-3333', email: 'rita@exemplo.com.br', reason: 'primeiro contato' };
    await answerUntilSummary(first, await first.say(person.name), person);
    await first.say('sim');
    const second = await openWebChat(t.atende, attendant);
    await answerUntilSummary(second, await second.say(person.name), { ...person, reason: 'segundo contato' });
    const [notice] = await second.say('sim');
    expect(notice).toMatch(/^Já temos um cadastro com esse telefone \(Rita Lima, desde \d{2}\/\d{2}\/\d{4}\)\. Responda ATUALIZAR para atualizar ou CANCELAR\.$/);
    const [updated] = await second.say('ATUALIZAR');
    expect(updated).toMatch(/^Cadastro atualizado\. Protocolo: \w+\.$/);
    const contacts = await t.atende.db.prisma.contact.findMany({ where: { phone: '+5551944443333' } });
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.reason).toBe('segundo contato');
  });

  it('hands off to a person and resumes through the admin API; the timeline shows it all', async () => {
    const admin = await t.login();
    const chat = await openWebChat(t.atende);
    await chat.say('oi');
    const [handoff] = await chat.say('atendente');
    expect(handoff).toBe('Certo! Vou chamar uma pessoa da equipe para continuar por aqui. Aguarde, por favor.');
    await chat.send('alguém aí?');
    await t.atende.conversations.whenIdle();
    const api = (method: 'GET' | 'POST', url: string, token = admin) => t.atende.http.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
    const list = (await api('GET', '/conversations?status=handoff&channel=web')).json();
    const item = list.items.find((c: { chatId: string }) => c.chatId === chat.chatId);
    expect(item).toMatchObject({ status: 'handoff', mode: 'contact', channel: 'web' });
    expect(await chat.replies()).toHaveLength(2);

    const resumed = await api('POST', `/conversations/${item.id}/resume`, await t.tokenFor('attendant'));
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ id: item.id, status: 'active' });
    const replies = await chat.waitReplies(3);
    expect(replies[2]).toContain('Voltei!');
    expect((await api('POST', `/conversations/${item.id}/resume`)).statusCode).toBe(409);

    const detail = (await api('GET', `/conversations/${item.id}`)).json();
    expect(detail.timeline.filter((e: { direction: string }) => e.direction === 'inbound').map((e: { text: string }) => e.text)).toEqual(['oi', 'atendente', 'alguém aí?', item.id]);
    expect(detail.timeline.filter((e: { direction: string }) => e.direction === 'outbound').every((e: { status: string }) => e.status === 'sent')).toBe(true);
    expect((await api('GET', '/conversations/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
  });

  it('erases what the conversation held when the contact is deleted (LGPD)', async () => {
    const admin = await t.login();
    const chat = await openWebChat(t.atende, await t.tokenFor('attendant'));
    const person = { name: 'Lia Prado', phone: '61 93333-2222', email: 'lia@exemplo.com.br', reason: 'dados sensíveis' };
    await answerUntilSummary(chat, await chat.say(person.name), person);
    await chat.say('sim');
    const contact = await t.atende.db.prisma.contact.findUniqueOrThrow({ where: { phone: '+5561933332222' } });
    const conversation = await t.atende.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat.chatId } });
    const erased = await t.atende.http.inject({ method: 'DELETE', url: `/contacts/${contact.id}`, headers: { authorization: `Bearer ${admin}` } });
    expect(erased.statusCode).toBe(204);

    const detail = (await t.atende.http.inject({ url: `/conversations/${conversation.id}`, headers: { authorization: `Bearer ${admin}` } })).json();
    expect(detail.timeline.length).toBeGreaterThan(4);
    expect(detail.timeline.every((e: { text: string }) => e.text === '')).toBe(true);
    expect((await chat.replies()).every((text) => text === '')).toBe(true);
    const stored = JSON.stringify(await t.atende.db.prisma.conversation.findUniqueOrThrow({ where: { id: conversation.id } }));
    for (const secret of ['Lia Prado', '933332222', 'lia@exemplo', 'dados sensíveis']) expect(stored).not.toContain(secret);
  });

  it('pages conversations with a keyset cursor and filters by mode', async () => {
    const admin = await t.login();
    const page1 = (await t.atende.http.inject({ url: '/conversations?limit=2', headers: { authorization: `Bearer ${admin}` } })).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (await t.atende.http.inject({ url: `/conversations?limit=2&cursor=${page1.nextCursor}`, headers: { authorization: `Bearer ${admin}` } })).json();
    expect(page2.items[0].id).not.toBe(page1.items[1].id);
    expect(new Date(page2.items[0].createdAt) <= new Date(page1.items[1].createdAt)).toBe(true);
    const attendants = (await t.atende.http.inject({ url: '/conversations?mode=attendant&limit=200', headers: { authorization: `Bearer ${admin}` } })).json();
    expect(attendants.items.length).toBeGreaterThan(0);
    expect(attendants.items.every((c: { mode: string }) => c.mode === 'attendant')).toBe(true);
  });
});
