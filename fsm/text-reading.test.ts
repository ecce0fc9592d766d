import { describe, expect, it } from 'vitest';
import { readAnswer } from './answers.ts';
import { fieldError, formatDate, formatPhone } from './catalog.ts';
import { commandOf, consentAnswer, isGreetingOnly, isNo, isSkip, isYes } from './commands.ts';
import { parseFieldPairs, salvageFields } from './corrections.ts';

/** The distinct commands a list of messages reads as. */
const commandsOf = (texts: string[]) => [...new Set(texts.map(commandOf))];

describe('commands', () => {
  it('are the whole message, case-, accent- and punctuation-insensitive', () => {
    expect(commandsOf(['cancelar', 'CANCELAR', 'Cancelar!', ' cancela '])).toEqual(['cancel']);
    expect(commandsOf(['recomeçar', 'RECOMECAR', 'Recomeçar.', 'começar de novo'])).toEqual(['restart']);
    expect(commandsOf(['ajuda', 'Ajuda?', '?'])).toEqual(['help']);
    expect(commandsOf(['atendente', 'ATENDENTE!', 'falar com uma pessoa'])).toEqual(['handoff']);
  });

  it('are not found inside a sentence', () => {
    expect(commandOf('quero cancelar minha consulta')).toBeNull();
    expect(commandOf('motivo: preciso de ajuda')).toBeNull();
  });

  it('reads consent from the first word and keeps what follows', () => {
    expect(consentAnswer('Sim')).toEqual({ verdict: 'yes', rest: '' });
    expect(consentAnswer('sim, sou a Maria, 11 99999-8888')).toEqual({ verdict: 'yes', rest: 'sou a Maria, 11 99999-8888' });
    expect(consentAnswer('Não')).toEqual({ verdict: 'no', rest: '' });
    expect(consentAnswer('nao, obrigado')).toEqual({ verdict: 'no', rest: '' });
    expect(consentAnswer('talvez').verdict).toBeNull();
  });

  it('tells yes, no, skip and greetings', () => {
    expect(['SIM', 'sim.', 'Isso', 'correto'].filter((t) => !isYes(t))).toEqual([]);
    expect(['NÃO', 'nao', 'N'].filter((t) => !isNo(t))).toEqual([]);
    expect(['pular', 'PULAR', 'não tenho', 'sem e-mail'].filter((t) => !isSkip(t))).toEqual([]);
    expect(['oi', 'Bom dia! Quero me cadastrar', 'novo contato'].filter((t) => !isGreetingOnly(t))).toEqual([]);
    expect(isGreetingOnly('Olá, sou Maria Silva')).toBe(false);
  });
});

describe('campo: valor', () => {
  it('reads synonyms of every field, each value up to the next label', () => {
    expect(parseFieldPairs('nome: Maria Souza, celular: (11) 98888-7777; e-mail: Maria@Ex.com.br motivo: apoio emocional')?.fields).toEqual({
      name: 'Maria Souza',
      phone: '+5511988887777',
      email: 'maria@ex.com.br',
      reason: 'apoio emocional',
    });
    expect(parseFieldPairs('WhatsApp: 11 98888-7777.')?.fields).toEqual({ phone: '+5511988887777' });
    expect(parseFieldPairs('fone: 11 98888-7777')?.fields).toEqual({ phone: '+5511988887777' });
    expect(parseFieldPairs('telefone: 11 98888-7777')?.fields).toEqual({ phone: '+5511988887777' });
  });

  it('refuses invalid values with their reason code, and lets the e-mail be removed', () => {
    expect(parseFieldPairs('telefone: 11 9888')).toMatchObject({ fields: {}, invalid: [{ field: 'phone', code: 'phone_incomplete' }] });
    expect(parseFieldPairs('e-mail: nenhum')).toMatchObject({ fields: {}, cleared: ['email'] });
  });

  it('is free text unless the message starts with a label', () => {
    expect(parseFieldPairs('o telefone é 11 98888-7777')).toBeNull();
    expect(parseFieldPairs('Novo contato: Maria Silva')).toBeNull();
  });

  it('salvages labelled values, phones, e-mails and self-introduced names from free text', () => {
    expect(salvageFields('Novo contato: Maria Silva, tel 11 99999-8888, motivo: apoio emocional').fields).toEqual({
      name: 'Maria Silva',
      phone: '+5511999998888',
      reason: 'apoio emocional',
    });
    expect(salvageFields('sou a Maria, maria@exemplo.com').fields).toEqual({ name: 'Maria', email: 'maria@exemplo.com' });
    expect(salvageFields('oi, tudo bem?').fields).toEqual({});
  });
});

describe('answers to one question', () => {
  it('take the bare value, a sentence with a lead-in, or a label', () => {
    expect(readAnswer('name', 'meu nome é Maria Silva')).toEqual({ ok: true, fields: { name: 'Maria Silva' } });
    expect(readAnswer('name', 'Me chamo João da Silva.')).toEqual({ ok: true, fields: { name: 'João da Silva' } });
    expect(readAnswer('name', 'Eduardo Lima')).toEqual({ ok: true, fields: { name: 'Eduardo Lima' } });
    expect(readAnswer('phone', 'é 11 99999-8888')).toEqual({ ok: true, fields: { phone: '+5511999998888' } });
    expect(readAnswer('phone', 'pode ligar no (11) 99999-8888 à tarde')).toEqual({ ok: true, fields: { phone: '+5511999998888' } });
    expect(readAnswer('email', 'meu email é Maria@Exemplo.com.br')).toEqual({ ok: true, fields: { email: 'maria@exemplo.com.br' } });
    expect(readAnswer('reason', 'o motivo é apoio emocional!')).toEqual({ ok: true, fields: { reason: 'apoio emocional!' } });
  });

  it('take a name given together with a phone or e-mail', () => {
    expect(readAnswer('name', 'Maria Silva, 11 99999-8888')).toEqual({ ok: true, fields: { name: 'Maria Silva', phone: '+5511999998888' } });
    expect(readAnswer('name', 'sou a Maria Silva, maria@exemplo.com')).toEqual({ ok: true, fields: { name: 'Maria Silva', email: 'maria@exemplo.com' } });
    expect(readAnswer('name', 'Maria Silva 11 9999')).toEqual({ ok: false, code: 'name_has_digits' });
  });

  it('accept another labelled field given instead', () => {
    expect(readAnswer('name', 'telefone: 11 98888-7777')).toEqual({ ok: true, fields: { phone: '+5511988887777' } });
  });

  it('refuse invalid values with the validator code', () => {
    expect(readAnswer('phone', '11 9999')).toEqual({ ok: false, code: 'phone_incomplete' });
    expect(readAnswer('name', 'Maria 2')).toEqual({ ok: false, code: 'name_has_digits' });
    expect(readAnswer('email', 'maria@')).toEqual({ ok: false, code: 'email_invalid' });
  });
});

describe('catalog formatting', () => {
  it('shows Brazilian phones nationally and dates in São Paulo time', () => {
    expect(formatPhone('+5511988887777')).toBe('(11) 98888-7777');
    expect(formatPhone('+551133334444')).toBe('(11) 3333-4444');
    expect(formatPhone('+14155550100')).toBe('+14155550100');
    expect(formatDate('2025-03-12T02:00:00.000Z')).toBe('11/03/2025');
  });

  it('explains every validator code in Portuguese', () => {
    expect(fieldError('phone', 'phone_incomplete')).toBe('Esse telefone parece incompleto — envie com DDD, ex.: 11 99999-8888.');
    expect(fieldError('name', 'something_new')).toBe('Esse nome não parece válido.');
  });
});

describe('rules without the model (issue 14)', () => {
  it('reads the issue examples', () => {
    expect(salvageFields('Joana Prado').fields).toEqual({ name: 'Joana Prado' });
    expect(salvageFields('Meu nome é Marina Figueiredo, celular (21) 98877-6655, e-mail marina.f@example.com').fields).toEqual({
      name: 'Marina Figueiredo',
      phone: '+5521988776655',
      email: 'marina.f@example.com',
    });
  });

  it('reads a voice transcript with the number spelled out', () => {
    expect(salvageFields('me chamo joão da silva onze nove oito sete seis cinco quatro três dois um quero marcar uma consulta').fields).toEqual({
      name: 'joão da silva',
      phone: '+5511987654321',
      reason: 'marcar uma consulta',
    });
  });

  it('does not take a sentence for a name', () => {
    expect(salvageFields('hmm deixa eu ver').fields).toEqual({});
    expect(salvageFields('bom dia tudo bem').fields).toEqual({});
    expect(salvageFields('quero me cadastrar').fields).toEqual({});
  });
});

describe('a name is not', () => {
  it.each([
    ['an e-mail', 'marina.f@example.com', 'name_is_email'],
    ['a web address', 'www.joana.com.br', 'name_is_url'],
    ['a phone', '11 98877-6655', 'name_has_digits'],
    ['a greeting', 'Oi', 'name_is_word'],
    ['a greeting with punctuation', 'Bom dia!', 'name_is_word'],
    ['yes', 'sim', 'name_is_word'],
    ['no', 'Não', 'name_is_word'],
    ['a command', 'CANCELAR', 'name_is_word'],
  ])('%s', (_what, text, code) => {
    expect(readAnswer('name', text)).toEqual({ ok: false, code });
  });
});

describe('intents in the person\'s words', () => {
  it('asking for a human', () => {
    expect(commandsOf(['quero falar com uma pessoa de verdade', 'Quero falar com um ATENDENTE', 'me passa pra um humano por favor', 'atendnte', 'posso falar com alguém?'])).toEqual(['handoff']);
  });
  it('cancelling, starting over and help, with a typo tolerated', () => {
    expect(commandsOf(['quero cancelar', 'cancelr', 'pode cancelar'])).toEqual(['cancel']);
    expect(commandsOf(['quero começar de novo', 'recomeçar do zero', 'recomecr'])).toEqual(['restart']);
    expect(commandsOf(['não entendi', 'como funciona?'])).toEqual(['help']);
  });
  it('a reason that mentions a person stays an answer', () => {
    expect(commandOf('preciso de atendimento para uma pessoa idosa')).toBeNull();
    expect(commandOf('quero cancelar minha consulta')).toBeNull();
  });
});
