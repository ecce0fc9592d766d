// SPEC §6 in attendant mode: staff register someone else in one message, correct it in plain
// words, confirm. No consent question; the save records the attendant who confirmed.
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.ts';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const NEW_CONTACT = 'Novo contato: Maria Silva, tel 11 99999-8888, motivo: apoio emocional';
const extractor = () =>
  new FakeExtractor({
    [NEW_CONTACT]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } },
    'o telefone é 11 98888-7777': { found: { phone: '11 98888-7777' } },
    'Maria Silva, apoio emocional': { found: { name: 'Maria Silva', reason: 'apoio emocional' } },
  });

const MARIA = { name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' };
const summaryOf = (fields: Parameters<typeof catalog.summary>[0]) => catalog.summary(fields, 'attendant');

describe.each([
  { restoreEachStep: false, label: 'one actor' },
  { restoreEachStep: true, label: 'restored after every turn' },
])('attendant mode ($label)', ({ restoreEachStep }) => {
  const chat = () => new Chat({ mode: 'attendant', attendantUserId: 'user-7', senderPhone: '+5511955554444', restoreEachStep, fakes: new Fakes(extractor()) });

  it('one message → summary → phone corrected in plain words → SIM saves with the attendant', async () => {
    const c = chat();
    expect(await c.say(NEW_CONTACT)).toEqual(['Quer informar um e-mail da pessoa? Envie o endereço ou responda PULAR.']);
    expect(await c.say('pular')).toEqual([summaryOf(MARIA)]);
    expect(summaryOf(MARIA)).toBe(
      [
        'Confira os dados do contato:',
        '• Nome: Maria Silva',
        '• Telefone: (11) 99999-8888',
        '• E-mail: não informado',
        '• Motivo: apoio emocional',
        'Está correto? Responda SIM para salvar, NÃO para cancelar, ou envie a correção (ex.: telefone: 11 98888-7777)',
      ].join('\n'),
    );
    expect(await c.say('o telefone é 11 98888-7777')).toEqual([summaryOf({ ...MARIA, phone: '+5511988887777' })]);
    expect(await c.say('SIM')).toEqual(['Contato salvo. Protocolo: P-C1.']);

    expect(c.done).toBe(true);
    expect(c.context).toMatchObject({ status: 'saved', mode: 'attendant', attendantUserId: 'user-7', consentAt: null, contactId: 'c1' });
    expect(c.fakes.contacts.saveCalls).toEqual([
      {
        fields: { ...MARIA, phone: '+5511988887777' },
        provenance: expect.objectContaining({
          name: expect.objectContaining({ source: 'rule', messageId: 'm1', confirmedBy: 'attendant:user-7' }),
          reason: expect.objectContaining({ source: 'rule', messageId: 'm1', confirmedBy: 'attendant:user-7' }),
          // Corrected by the attendant in the chat.
          phone: expect.objectContaining({ source: 'attendant', messageId: 'm3', confirmedBy: 'attendant:user-7' }),
        }),
        mode: 'attendant',
        consentAt: null,
        attendantUserId: 'user-7',
        idempotencyKey: 'save:m4',
      },
    ]);
    expect(c.fakes.extractor.calls).toEqual([
      { text: NEW_CONTACT, known: {} },
      { text: 'o telefone é 11 98888-7777', known: {} },
    ]);
  });

  it("never prefills the attendant's own phone and asks about the person", async () => {
    const c = chat();
    expect(await c.say('Maria Silva, apoio emocional')).toEqual(['Qual é o telefone da pessoa, com DDD? (ex.: 11 99999-8888)']);
  });

  it('a greeting first gets the request for the data, which then goes to extraction', async () => {
    const c = chat();
    expect(await c.say('bom dia')).toEqual([catalog.intro('attendant')]);
    expect(await c.say('oi?')).toEqual([catalog.intro('attendant')]);
    expect(await c.say(NEW_CONTACT)).toEqual([catalog.question('email', 'attendant')]);
    expect(c.fakes.extractor.calls).toHaveLength(1);
  });

  it("tells staff whose phone it is and since when; ATUALIZAR updates", async () => {
    const c = chat();
    c.fakes.contacts.add({ id: 'old-9', name: 'Maria S. Santos', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
    await c.say(NEW_CONTACT);
    await c.say('pular');
    expect(await c.say('sim')).toEqual([
      'Já temos um cadastro com esse telefone (Maria S. Santos, desde 12/03/2025). Responda ATUALIZAR para atualizar ou CANCELAR.',
    ]);
    expect(await c.say('atualizar')).toEqual(['Cadastro atualizado. Protocolo: P-OLD-9.']);
    expect(c.fakes.contacts.contacts.get('old-9')).toMatchObject({ fields: MARIA, attendantUserId: 'user-7', update: 'old-9' });
  });
});
