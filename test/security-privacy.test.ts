// LGPD erasure reaches the person everywhere (issue 10, item 4), proven by scanning every
// text column of every table for their name, phone (as typed, as a WhatsApp number) and
// e-mail after each path: erasure of a saved registration plus an earlier cancelled chat on
// another channel, declined consent, cancel. The portability document lists the person's
// conversations while they exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerUntilSummary } from './helpers/answer-until-summary.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { contactsClient } from './helpers/contacts.ts';
import { type FakeGraph, graph, startFakeGraph } from './helpers/fake-graph.ts';
import { needlesOf, personalDataScan } from './helpers/personal-data-scan.ts';
import { openWebChat } from './helpers/web-chat.ts';
import { cloudChat, cloudEnv } from './helpers/whatsapp-cloud.ts';
import { startWhatsappApp, type WhatsappApp } from './helpers/whatsapp-rig.ts';

const NO_LLM = { OLLAMA_HOST: 'http://127.0.0.1:9' };

describe.each(BACKENDS)('erasure everywhere on %s', (backend) => {
  let t: TestApp;
  let fake: FakeGraph;
  let admin: ReturnType<typeof contactsClient>;

  beforeAll(async () => {
    fake = await startFakeGraph();
    fake.fallback = graph.ok();
    t = await startTestApp({ backend, env: { ...NO_LLM, ...cloudEnv(fake.url) } });
    admin = contactsClient(t, await t.login());
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('erases a saved registration and the earlier cancelled WhatsApp chat of the same person, addresses included', async () => {
    const person = { name: 'Zuleica Quintanilha', phone: '+5511975318642', email: 'zuleica.q@exemplo.com.br', reason: 'apoio emocional' };
    const needles = needlesOf(person);
    expect(await personalDataScan(t, needles)).toEqual({});

    // Earlier: on WhatsApp (Cloud API) she starts, gives her name and e-mail, then cancels.
    const wa = cloudChat(t.atende, fake, { waId: '5511975318642', name: 'Zuleica Q.' });
    await wa.say('oi');
    await wa.say('sim');
    await wa.say(person.name);
    const bye = await wa.say('cancelar');
    expect(bye.at(-1)).toContain('Nenhum dado foi salvo');
    // The promise holds at once: nothing she typed is kept; only the chat address remains.
    const afterCancel = await personalDataScan(t, [person.name, 'Quintanilha', 'Zuleica', person.email]);
    expect(afterCancel).toEqual({});
    expect(Object.keys(await personalDataScan(t, ['5511975318642'])).sort()).toEqual(['conversations.chat_id', 'conversations.sender_id', 'inbound_messages.chat_id', 'inbound_messages.sender_id', 'outbound_messages.chat_id']);

    // Later: on the web chat she registers, typing her phone in the national form.
    const web = await openWebChat(t.atende);
    await web.say('oi');
    await web.say('sim');
    const first = await web.say(person.name);
    await answerUntilSummary(web.say, first, { ...person, phone: '(11) 97531-8642' });
    const saved = await web.say('sim');
    expect(saved.join(' ')).toMatch(/cadastro/i);
    const [contact] = (await admin.list({ q: 'quintanilha' })).json<{ items: { id: string; phone: string }[] }>().items;
    expect(contact!.phone).toBe(person.phone);

    // Portability lists both conversations while they exist, the web one with her words.
    const doc = (await admin.data(contact!.id)).json<{ conversations: { channel: string; status: string; messages: { direction: string; at: string; text: string }[] }[] }>();
    expect(doc.conversations.map((c) => [c.channel, c.status])).toEqual([['whatsapp-cloud', 'cancelled'], ['web', 'saved']]);
    const webMessages = doc.conversations[1]!.messages;
    expect(webMessages).toContainEqual({ direction: 'inbound', at: expect.any(String), text: '(11) 97531-8642' });
    expect(webMessages.find((m) => m.direction === 'outbound' && m.text.includes('Está correto?'))!.text).toContain(person.email);
    expect(webMessages.map((m) => m.at)).toEqual([...webMessages.map((m) => m.at)].sort());
    // The cancelled chat kept only the goodbye, which holds nothing about her.
    expect(doc.conversations[0]!.messages.map((m) => m.direction)).toEqual(['outbound']);

    expect((await admin.delete(contact!.id)).statusCode).toBe(204);
    expect(await personalDataScan(t, [...needles, '5511975318642'])).toEqual({});
    // The rows are still there for the statistics, under pseudonyms.
    const pseudonyms = await t.atende.db.prisma.conversation.findMany({ where: { chatId: { startsWith: 'erased:' } }, select: { channel: true, status: true } });
    expect(pseudonyms.map((c) => c.channel).sort()).toEqual(['web', 'whatsapp-cloud']);

    // The same number may write again: a new conversation, answered as usual.
    const again = await wa.say('oi');
    expect(again[0]).toContain('Você concorda?');
  });

  it('drops what was typed before a declined consent', async () => {
    const person = { name: 'Ondina Vasconcelos', phone: '+5521987650123', email: 'ondina.v@exemplo.com' };
    const web = await openWebChat(t.atende);
    await web.say(`Oi, sou ${person.name}, telefone 21 98765-0123, e-mail ${person.email}`);
    expect(await personalDataScan(t, ['Vasconcelos'])).toMatchObject({ 'inbound_messages.text': 1 });
    const bye = await web.say('não');
    expect(bye.at(-1)).toContain('não vou guardar nenhum dado seu');
    expect(await personalDataScan(t, needlesOf(person))).toEqual({});
    // The goodbye itself still reaches the chat.
    expect((await web.replies()).at(-1)).toContain('não vou guardar nenhum dado seu');
  });

  it('drops the collected fields and the texts of a cancelled registration', async () => {
    const person = { name: 'Hermenegildo Prates', phone: '+5531991234560', email: 'hermes.prates@exemplo.net', reason: 'segunda via' };
    const web = await openWebChat(t.atende);
    await web.say('oi');
    await web.say('sim');
    const first = await web.say(person.name);
    await answerUntilSummary(web.say, first, { ...person, phone: '31 99123-4560' });
    expect(Object.keys(await personalDataScan(t, ['Prates']))).toEqual(expect.arrayContaining(['inbound_messages.text', 'conversations.snapshot', 'web_chat_messages.text']));
    const bye = await web.say('cancelar');
    expect(bye.at(-1)).toContain('Nenhum dado foi salvo');
    expect(await personalDataScan(t, needlesOf(person))).toEqual({});
    // Nothing was saved, and the next conversation of this chat starts afresh.
    expect(await admin.names({ q: 'prates' })).toEqual([]);
    expect((await web.say('oi'))[0]).toContain('Você concorda?');
  });

  it('erases a contact registered by an attendant, keeping the attendant\u2019s own chat address', async () => {
    const person = { name: 'Filomena Tavares', phone: '+5541996543210', email: 'filo.tavares@exemplo.org', reason: 'visita' };
    const staff = await openWebChat(t.atende, await t.tokenFor('attendant'));
    expect(staff.mode).toBe('attendant');
    const first = await staff.say('oi');
    await answerUntilSummary(staff.say, first.at(-1)?.includes('nome') ? first : await staff.say(person.name), { ...person, phone: '41 99654-3210' });
    await staff.say('sim');
    const [contact] = (await admin.list({ q: 'tavares' })).json<{ items: { id: string }[] }>().items;
    expect(contact).toBeDefined();
    expect((await admin.delete(contact!.id)).statusCode).toBe(204);
    expect(await personalDataScan(t, needlesOf(person))).toEqual({});
    // The attendant's chat is not the person's: its address stays.
    expect(await t.atende.db.prisma.conversation.count({ where: { chatId: staff.chatId } })).toBeGreaterThan(0);
  });
});

describe.each(BACKENDS)('erasure on the WhatsApp (Baileys) channel on %s', (backend) => {
  let wa: WhatsappApp;
  const LID = '208877665544332@lid';
  const PN = '5511975318642@s.whatsapp.net';
  let seq = 0;

  beforeAll(async () => {
    wa = await startWhatsappApp({ backend, env: NO_LLM });
  });
  afterAll(() => wa?.t.close());

  it('reaches a LID-addressed chat through its phone, and the key store rows of that number; the login stays', async () => {
    const { t } = wa;
    const sock = await wa.connect();
    const person = { name: 'Zuleica Quintanilha', phone: '+5511975318642', email: 'zuleica.q@exemplo.com.br' };
    const say = async (text: string) => {
      const before = sock.sent.length;
      sock.emit('messages.upsert', {
        type: 'notify',
        messages: [{ key: { remoteJid: LID, remoteJidAlt: PN, addressingMode: 'lid', fromMe: false, id: `3EB0ERASE${String(++seq).padStart(8, '0')}` }, messageTimestamp: Math.floor(Date.now() / 1000), pushName: 'Zuleica', message: { conversation: text } }],
      });
      for (let i = 0; i < 500 && sock.sent.length === before; i++) await new Promise((r) => setTimeout(r, 30));
      await t.atende.conversations.whenIdle();
    };
    await say('oi');
    await say('sim');
    await say(person.name);
    // What Baileys keeps of her (LIDMappingStore and Signal sessions), next to another
    // person's rows and the bot's own login.
    const session = t.atende.config.WHATSAPP_BAILEYS_SESSION;
    const rows = [
      { type: 'lid-mapping', keyId: '5511975318642', value: '"208877665544332"' },
      { type: 'lid-mapping', keyId: '208877665544332_reverse', value: '"5511975318642"' },
      { type: 'session', keyId: '208877665544332_1.0', value: '{"k":"x"}' },
      { type: 'session', keyId: '5511975318642.0', value: '{"k":"y"}' },
      { type: 'lid-mapping', keyId: '5521988887777', value: '"209999999999999"' },
      { type: 'session', keyId: '209999999999999_1.0', value: '{"k":"z"}' },
    ];
    await t.atende.db.prisma.whatsappAuthKey.createMany({ data: rows.map((r) => ({ session, ...r })) });
    const admin = contactsClient(t, await t.login());
    const contact = await admin.created({ ...person, phone: '11 97531-8642', reason: 'cadastro pela API' });

    const needles = [...needlesOf(person), '208877665544332'];
    expect(Object.keys(await personalDataScan(t, needles))).toEqual(expect.arrayContaining(['inbound_messages.text', 'conversations.chat_id', 'whatsapp_auth_keys.key_id']));
    expect((await admin.delete(contact.id)).statusCode).toBe(204);
    expect(await personalDataScan(t, needles)).toEqual({});

    const left = await t.atende.db.prisma.whatsappAuthKey.findMany({ where: { session }, select: { type: true, keyId: true } });
    expect(left.map((r) => `${r.type}:${r.keyId}`).sort()).toEqual(['creds:', 'lid-mapping:5521988887777', 'session:209999999999999_1.0']);
  });
});
