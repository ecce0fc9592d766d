// SPEC §6 in contact mode, run twice: straight, and persisting + restoring the actor from a
// JSON snapshot with fresh actors after every turn (the runner's way): same replies, same end.
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.ts';
import { Chat, type ChatOptions, FakeExtractor, Fakes } from './test-support.ts';

const FULL = 'Maria Silva, 11 99999-8888, apoio emocional';
const extractor = () =>
  new FakeExtractor({
    [FULL]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } },
    'Olá, sou Maria Silva, 11 99999-8888, apoio emocional': { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } },
    'preciso de apoio emocional': { found: { reason: 'apoio emocional' } },
    'Maria Silva, apoio emocional': { found: { name: 'Maria Silva', reason: 'apoio emocional' } },
    'Sou Maria Silva, fone 11 9999, apoio emocional': {
      found: { name: 'Maria Silva', reason: 'apoio emocional' },
      invalid: [{ field: 'phone', code: 'phone_incomplete', message: 'phone number is incomplete' }],
    },
    'na verdade o motivo é orientação jurídica': { found: { reason: 'orientação jurídica' } },
    // A model that reads the name the rules cannot, and gets the phone wrong.
    'o cadastro é pra minha mãe Rosa Lima, fone 11 98888-7777': { found: { name: 'Rosa Lima', phone: '11 98888-0000' } },
  });

const PHONE_QUESTION = 'Qual é o seu telefone com DDD? (ex.: 11 99999-8888)';
const PHONE_INCOMPLETE = 'Esse telefone parece incompleto — envie com DDD, ex.: 11 99999-8888.';
const summaryOf = (fields: Parameters<typeof catalog.summary>[0]) => catalog.summary(fields, 'contact');
const MARIA = { name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' };

describe.each([
  { restoreEachStep: false, label: 'one actor' },
  { restoreEachStep: true, label: 'restored after every turn' },
])('contact mode ($label)', ({ restoreEachStep }) => {
  const chat = (options: ChatOptions = {}) => new Chat({ restoreEachStep, fakes: new Fakes(extractor()), ...options });

  /** Greeting, consent, one complete message, e-mail skipped: at the summary. */
  async function atSummary(c: Chat) {
    await c.say('oi');
    await c.say('sim');
    await c.say(FULL);
    return c.say('pular');
  }

  it('greets with the LGPD consent question; "não" ends politely and keeps nothing', async () => {
    const c = chat();
    expect(await c.say('Olá, sou Maria Silva, 11 99999-8888, apoio emocional')).toEqual([catalog.greetingConsent()]);
    expect(await c.say('não')).toEqual([catalog.declined()]);
    expect(c.done).toBe(true);
    expect(c.context).toMatchObject({ status: 'declined', consentAt: null, fields: {}, pendingText: null });
    expect(c.fakes.extractor.calls).toEqual([]);
    expect(c.fakes.contacts.saveCalls).toEqual([]);
  });

  it('asks again until consent is answered, then extracts what was typed before it', async () => {
    const c = chat();
    await c.say('Olá, sou Maria Silva, 11 99999-8888, apoio emocional');
    expect(await c.say('o que é isso?')).toEqual([catalog.consentReask()]);
    expect(await c.say('Sim')).toEqual([catalog.question('email', 'contact')]);
    expect(c.context.consentAt).toBe('2026-01-05T12:03:00.000Z');
    expect(c.fields).toEqual(MARIA);
  });

  it('one complete message → e-mail offered once → summary → SIM saves with consent and a protocol', async () => {
    const c = chat();
    expect(await c.say('oi')).toEqual([catalog.greetingConsent()]);
    expect(await c.say('sim')).toEqual([catalog.intro('contact')]);
    expect(await c.say(FULL)).toEqual(['Quer informar um e-mail? Envie o endereço ou responda PULAR.']);
    expect(await c.say('pular')).toEqual([summaryOf(MARIA)]);
    expect(await c.say('SIM')).toEqual(['Recebemos seu cadastro. Protocolo: P-C1. Obrigado pelo contato!']);
    expect(c.done).toBe(true);
    expect(c.context).toMatchObject({ status: 'saved', contactId: 'c1', protocol: 'P-C1', fields: MARIA });
    expect(c.fakes.contacts.saveCalls).toEqual([
      {
        fields: MARIA,
        // The rules read the listed name, phone and reason (the model agreed); the person
        // confirmed the summary.
        provenance: {
          name: { source: 'rule', messageId: 'm3', at: '2026-01-05T12:03:00.000Z', confirmedBy: 'person' },
          phone: { source: 'rule', messageId: 'm3', at: '2026-01-05T12:03:00.000Z', confirmedBy: 'person' },
          reason: { source: 'rule', messageId: 'm3', at: '2026-01-05T12:03:00.000Z', confirmedBy: 'person' },
        },
        mode: 'contact',
        consentAt: '2026-01-05T12:02:00.000Z',
        attendantUserId: null,
        idempotencyKey: 'save:m5',
      },
    ]);
    expect(c.fakes.extractor.calls).toEqual([{ text: FULL, known: {} }]);
  });

  it('asks the missing required fields one at a time, in the order name, phone, reason', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('preciso de apoio emocional')).toEqual(['Qual é o seu nome completo?']);
    expect(await c.say('meu nome é Maria Silva')).toEqual([PHONE_QUESTION]);
    expect(await c.say('11 99999-8888')).toEqual([catalog.question('email', 'contact')]);
    expect(await c.say('maria@exemplo.com.br')).toEqual([summaryOf({ ...MARIA, email: 'maria@exemplo.com.br' })]);
  });

  it('prefills the phone the channel vouches for', async () => {
    const c = chat({ senderPhone: '+5511977776666' });
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('Maria Silva, apoio emocional')).toEqual([catalog.question('email', 'contact')]);
    expect(await c.say('pular')).toEqual([summaryOf({ ...MARIA, phone: '+5511977776666' })]);
    expect(c.fakes.extractor.calls[0]?.known).toEqual({ phone: '+5511977776666' });
    // Where it came from: the channel, before any message was read.
    expect(c.context.origins?.phone).toMatchObject({ source: 'channel', messageId: null });
    await c.say('SIM');
    expect(c.fakes.contacts.saveCalls[0]?.provenance?.phone).toMatchObject({ source: 'channel', confirmedBy: 'person' });
  });

  it('tells why an extracted value was refused when it asks for that field', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('Sou Maria Silva, fone 11 9999, apoio emocional')).toEqual([`${PHONE_INCOMPLETE}\n${PHONE_QUESTION}`]);
  });

  it('LLM unavailable → asks field by field, keeping what the text itself tells (a phone)', async () => {
    const c = chat();
    c.fakes.extractor.down = true;
    await c.say('oi');
    await c.say('sim');
    // The rules read the name and the phone: only the reason is asked, without an apology.
    expect(await c.say('Maria Silva 11 99999-8888')).toEqual(['Qual é o motivo do seu contato?']);
    expect(await c.say('apoio emocional')).toEqual([catalog.question('email', 'contact')]);
    expect(await c.say('não')).toEqual([summaryOf(MARIA)]);
    expect(c.fakes.extractor.calls).toHaveLength(1);
  });

  it('rules first: a rule value wins over the model, the model fills the rest, and each field says where it came from', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('o cadastro é pra minha mãe Rosa Lima, fone 11 98888-7777')).toEqual(['Qual é o motivo do seu contato?']);
    expect(c.context.fields).toEqual({ name: 'Rosa Lima', phone: '+5511988887777' });
    expect(c.context.origins).toEqual({
      name: { source: 'llm:fake:1b', messageId: 'm3', at: '2026-01-05T12:03:00.000Z' },
      phone: { source: 'rule', messageId: 'm3', at: '2026-01-05T12:03:00.000Z' },
    });
    await c.say('fisioterapia');
    expect(c.context.origins?.reason).toEqual({ source: 'typed', messageId: 'm4', at: '2026-01-05T12:04:00.000Z' });
  });

  it('the model is not asked when the rules read every field', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    const reply = await c.say('Meu nome é Marina Figueiredo, celular (21) 98877-6655, e-mail marina.f@example.com, motivo: orientação jurídica');
    expect(reply).toEqual([summaryOf({ name: 'Marina Figueiredo', phone: '+5521988776655', email: 'marina.f@example.com', reason: 'orientação jurídica' })]);
    expect(c.fakes.extractor.calls).toEqual([]);
  });

  it('LLM unavailable: "Joana Prado" as the first message is kept as the name (issue 14)', async () => {
    const c = chat();
    c.fakes.extractor.down = true;
    await c.say('Joana Prado');
    expect(await c.say('sim')).toEqual([PHONE_QUESTION]);
    expect(c.context.fields.name).toBe('Joana Prado');
  });

  it('LLM unavailable: name, phone and e-mail in one sentence → only the reason is asked', async () => {
    const c = chat();
    c.fakes.extractor.down = true;
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('Meu nome é Marina Figueiredo, celular (21) 98877-6655, e-mail marina.f@example.com')).toEqual(['Qual é o motivo do seu contato?']);
    expect(c.context.fields).toMatchObject({ name: 'Marina Figueiredo', phone: '+5521988776655', email: 'marina.f@example.com' });
  });

  it('an e-mail sent when the name is asked is refused as a name', async () => {
    const c = chat();
    c.fakes.extractor.down = true;
    await c.say('oi');
    await c.say('sim');
    await c.say('hmm deixa eu ver');
    const reply = await c.say('marina.f@example.com');
    expect(reply.join(' ')).toContain('Isso parece um e-mail, não um nome');
    expect(c.context.fields.name).toBeUndefined();
  });

  it('"quero falar com uma pessoa de verdade" hands the conversation to a person', async () => {
    const c = chat();
    c.fakes.extractor.down = true;
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('quero falar com uma pessoa de verdade')).toEqual([catalog.handoff()]);
    expect(c.context.status).toBe('handoff');
  });

  it('LLM unavailable and nothing readable → every required field asked in order', async () => {
    const c = chat();
    c.fakes.extractor.down = true;
    await c.say('oi');
    await c.say('sim');
    expect(await c.say('hmm deixa eu ver')).toEqual([catalog.extractionUnavailable(), 'Qual é o seu nome completo?']);
    expect(await c.say('Maria Silva')).toEqual([PHONE_QUESTION]);
    expect(await c.say('(11) 99999-8888')).toEqual(['Qual é o motivo do seu contato?']);
  });

  it('re-asks an invalid answer with the reason, and after 3 offers a person or cancelling', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    await c.say('Maria Silva, apoio emocional');
    expect(c.context.asking).toBe('phone');
    expect(await c.say('11 9999')).toEqual([`${PHONE_INCOMPLETE}\n${PHONE_QUESTION}`]);
    expect(await c.say('99999')).toEqual([`${PHONE_INCOMPLETE}\n${PHONE_QUESTION}`]);
    expect(await c.say('não sei')).toEqual([catalog.stuckOffer('phone', 'phone_incomplete')]);
    expect(catalog.stuckOffer('phone', 'phone_incomplete')).toContain('Responda ATENDENTE para falar com uma pessoa, CANCELAR para encerrar');
    // Trying once more is still possible.
    expect(await c.say('11 99999-8888')).toEqual([catalog.question('email', 'contact')]);
  });

  it('3 invalid answers, then ATENDENTE hands the chat to a person', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    await c.say('preciso de apoio emocional');
    for (const bad of ['1234', 'Maria 2', 'M']) await c.say(bad);
    expect(c.replies.at(-1)?.text).toBe(catalog.stuckOffer('name', 'name_too_short'));
    expect(await c.say('atendente')).toEqual([catalog.handoff()]);
    expect(c.context.status).toBe('handoff');
  });

  it('NÃO at the summary cancels and saves nothing', async () => {
    const c = chat();
    await atSummary(c);
    expect(await c.say('não')).toEqual([catalog.cancelled()]);
    expect(c.context).toMatchObject({ status: 'cancelled', fields: {} });
    expect(c.fakes.contacts.saveCalls).toEqual([]);
  });

  it('a `campo: valor` correction is applied without the LLM and the summary shown again', async () => {
    const c = chat();
    await atSummary(c);
    expect(await c.say('telefone: 11 98888-7777')).toEqual([summaryOf({ ...MARIA, phone: '+5511988887777' })]);
    expect(await c.say('celular: 11 9888')).toEqual([PHONE_INCOMPLETE, summaryOf({ ...MARIA, phone: '+5511988887777' })]);
    expect(await c.say('e-mail: maria@exemplo.com')).toEqual([summaryOf({ ...MARIA, phone: '+5511988887777', email: 'maria@exemplo.com' })]);
    expect(c.fakes.extractor.calls).toHaveLength(1);
    await c.say('sim');
    expect(c.fakes.contacts.saveCalls[0]?.fields).toEqual({ ...MARIA, phone: '+5511988887777', email: 'maria@exemplo.com' });
  });

  it('a correction in plain words goes to extraction without the values it corrects', async () => {
    const c = chat();
    await atSummary(c);
    expect(await c.say('na verdade o motivo é orientação jurídica')).toEqual([summaryOf({ ...MARIA, reason: 'orientação jurídica' })]);
    expect(c.fakes.extractor.calls[1]).toEqual({ text: 'na verdade o motivo é orientação jurídica', known: {} });
    expect(await c.say('hmm, deixa eu ver')).toEqual([catalog.correctionNotUnderstood(), summaryOf({ ...MARIA, reason: 'orientação jurídica' })]);
  });

  it('a plain-words correction with the LLM down still takes a phone, else asks for `campo: valor`', async () => {
    const c = chat();
    await atSummary(c);
    c.fakes.extractor.down = true;
    expect(await c.say('o certo é 11 98888-7777')).toEqual([summaryOf({ ...MARIA, phone: '+5511988887777' })]);
    expect(await c.say('o motivo mudou')).toEqual([catalog.correctionUnavailable(), summaryOf({ ...MARIA, phone: '+5511988887777' })]);
  });

  it('an invalid e-mail is re-asked with the reason', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    await c.say(FULL);
    expect(await c.say('maria@')).toEqual([catalog.reask('email', 'contact', 'email_invalid')]);
    expect(await c.say('maria@exemplo.com')).toEqual([summaryOf({ ...MARIA, email: 'maria@exemplo.com' })]);
  });

  it('answers media it cannot read with a request for text, then the pending question', async () => {
    const c = chat();
    await c.say('oi');
    expect(await c.say('', { kind: 'image' })).toEqual([catalog.unsupported(), catalog.consentReask()]);
  });

  describe('duplicate phone', () => {
    const withMaria = () => {
      const c = chat({ senderPhone: '+5511999998888' });
      c.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
      return c;
    };

    it('says who and since when, then ATUALIZAR updates that contact', async () => {
      const c = withMaria();
      await atSummary(c);
      expect(await c.say('sim')).toEqual([
        'Já temos um cadastro com esse telefone (Maria Silva, desde 12/03/2025). Responda ATUALIZAR para atualizar ou CANCELAR.',
      ]);
      expect(await c.say('talvez')).toEqual([catalog.duplicateReask()]);
      expect(await c.say('Atualizar')).toEqual(['Pronto! Seu cadastro foi atualizado. Protocolo: P-OLD-1. Obrigado pelo contato!']);
      expect(c.fakes.contacts.saveCalls).toMatchObject([{ update: 'old-1', fields: MARIA, idempotencyKey: 'save:m7' }]);
      expect(c.fakes.contacts.contacts.size).toBe(1);
      expect(c.context).toMatchObject({ status: 'saved', contactId: 'old-1' });
    });

    it('CANCELAR ends without saving', async () => {
      const c = withMaria();
      await atSummary(c);
      await c.say('sim');
      expect(await c.say('CANCELAR')).toEqual([catalog.cancelled()]);
      expect(c.fakes.contacts.saveCalls).toEqual([]);
      expect(c.context.status).toBe('cancelled');
    });

    it('a typed phone never replaces the one the channel vouches for (WhatsApp "telefone: <outro>")', async () => {
      const c = withMaria();
      await atSummary(c);
      await c.say('sim');
      expect(await c.say('telefone: 11 98888-7777')).toEqual([catalog.phoneKept('+5511999998888'), summaryOf(MARIA)]);
      expect(c.fields.phone).toBe('+5511999998888');
    });

    it('a stranger typing a registered phone is answered as for a new contact, and nothing changes', async () => {
      const c = chat();
      c.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
      await atSummary(c);
      expect(await c.say('sim')).toEqual(['Recebemos seu cadastro. Protocolo: P-R1. Obrigado pelo contato!']);
      expect(c.fakes.contacts.saveCalls).toMatchObject([{ requestFor: 'old-1', fields: MARIA }]);
      expect(c.fakes.contacts.contacts.get('old-1')?.fields.reason).toBe('cadastro antigo');
      expect(c.context).toMatchObject({ status: 'saved', contactId: null, duplicate: null });
    });
  });
});
