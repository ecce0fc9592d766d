// Every text the bot sends, in PT-BR, in one place (SPEC §6): the machine picks which one,
// this file says how it reads. Contact mode speaks to the person ("seu nome"); attendant mode
// speaks to staff about someone else ("o nome da pessoa").
import type { FieldErrorCode, FieldName } from '../src/contacts/fields.ts';
import type { Fields, Mode } from './types.ts';

export const LABELS: Record<FieldName, string> = { name: 'nome', phone: 'telefone', email: 'e-mail', reason: 'motivo' };

const QUESTIONS: Record<Mode, Record<FieldName, string>> = {
  contact: {
    name: 'Qual é o seu nome completo?',
    phone: 'Qual é o seu telefone com DDD? (ex.: 11 99999-8888)',
    email: 'Quer informar um e-mail? Envie o endereço ou responda PULAR.',
    reason: 'Qual é o motivo do seu contato?',
  },
  attendant: {
    name: 'Qual é o nome completo da pessoa?',
    phone: 'Qual é o telefone da pessoa, com DDD? (ex.: 11 99999-8888)',
    email: 'Quer informar um e-mail da pessoa? Envie o endereço ou responda PULAR.',
    reason: 'Qual é o motivo do contato?',
  },
};

const ERRORS: Record<FieldErrorCode, (field: FieldName) => string> = {
  empty: (field) => `Não recebi o ${LABELS[field]}.`,
  too_long: (field) => `Esse ${LABELS[field]} ficou longo demais — envie uma versão mais curta.`,
  name_too_short: () => 'Esse nome parece curto demais — envie o nome completo, ex.: Maria Silva.',
  name_is_email: () => 'Isso parece um e-mail, não um nome — envie seu nome, ex.: Maria Silva.',
  name_is_url: () => 'Isso parece um endereço de site, não um nome — envie seu nome, ex.: Maria Silva.',
  name_is_word: () => 'Não entendi isso como um nome — envie seu nome completo, ex.: Maria Silva.',
  name_has_digits: () => 'O nome não pode ter números — envie só o nome, ex.: Maria Silva.',
  phone_incomplete: () => 'Esse telefone parece incompleto — envie com DDD, ex.: 11 99999-8888.',
  phone_too_long: () => 'Esse telefone tem dígitos demais — envie com DDD, ex.: 11 99999-8888.',
  phone_invalid: () => 'Esse telefone não parece válido — envie com DDD, ex.: 11 99999-8888 ou +55 11 99999-8888.',
  email_invalid: () => 'Esse e-mail não parece válido — envie no formato maria@exemplo.com.br ou responda PULAR.',
};

/** Why a value was refused, for people; unknown codes (from extraction) get a generic text. */
export function fieldError(field: FieldName, code: string): string {
  const text = ERRORS[code as FieldErrorCode];
  return text ? text(field) : `Esse ${LABELS[field]} não parece válido.`;
}

/** "+5511999998888" → "(11) 99999-8888"; other countries stay in E.164. */
export function formatPhone(e164: string): string {
  const br = /^\+55(\d{2})(\d{4,5})(\d{4})$/.exec(e164);
  return br ? `(${br[1]}) ${br[2]}-${br[3]}` : e164;
}

/** "2025-03-12T15:00:00Z" → "12/03/2025", as seen in Brazil. */
export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat('pt-BR', { timeZone: 'America/Sao_Paulo', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));
}

const COMMANDS_HINT = 'A qualquer momento: CANCELAR encerra sem salvar, RECOMEÇAR começa de novo, ATENDENTE chama uma pessoa da equipe.';

/** Texts a channel itself shows or sends (native controls, its own notices), in the same voice as the replies. */
export const channelTexts = {
  /** Telegram's "share contact" keyboard button, offered when the bot asks for the person's own phone. */
  sharePhoneButton: '📱 Enviar meu telefone',
  /** WhatsApp (Baileys): a message that could not be decrypted; sent once per message. */
  undecryptable: 'Não consegui ler sua última mensagem. Pode enviar de novo, por favor?',
};

/** Titles of the fixed answers a reply offers (fsm/reply-options.ts), as a person would type them. */
export const optionTitles = {
  yes: 'SIM',
  no: 'NÃO',
  update: 'ATUALIZAR',
  cancel: 'CANCELAR',
  skip: 'PULAR',
} as const;

export const catalog = {
  greetingConsent: () =>
    'Olá! Sou o assistente de cadastro. Para registrar seu contato vou guardar seu nome, telefone, e-mail (opcional) e o motivo do contato, ' +
    'usados só para retornarmos a você, conforme a LGPD. Você concorda? Responda SIM ou NÃO.',
  consentReask: () => 'Para continuar preciso da sua autorização. Responda SIM para concordar ou NÃO para encerrar.',
  declined: () => 'Tudo bem, não vou guardar nenhum dado seu. Se mudar de ideia, é só mandar uma nova mensagem. Até logo!',

  intro: (mode: Mode) =>
    mode === 'contact'
      ? 'Obrigado! Me envie seu nome completo, telefone com DDD e o motivo do contato — pode ser tudo numa mensagem só.'
      : 'Olá! Envie os dados do novo contato: nome, telefone com DDD, e-mail (opcional) e motivo — pode ser tudo numa mensagem só.',
  question: (field: FieldName, mode: Mode) => QUESTIONS[mode][field],
  /** A refused value, then the question again. */
  reask: (field: FieldName, mode: Mode, code: string) => `${fieldError(field, code)}\n${QUESTIONS[mode][field]}`,
  /** After 3 refused answers for one field (SPEC §6.3). */
  stuckOffer: (field: FieldName, code: string) =>
    `${fieldError(field, code)}\nParece que não estou conseguindo registrar o ${LABELS[field]}. ` +
    `Responda ATENDENTE para falar com uma pessoa, CANCELAR para encerrar, ou tente enviar o ${LABELS[field]} mais uma vez.`,
  extractionUnavailable: () => 'No momento não consigo interpretar a mensagem inteira, então vou perguntar um dado de cada vez.',

  summary: (fields: Fields, mode: Mode) =>
    [
      mode === 'contact' ? 'Confira seus dados:' : 'Confira os dados do contato:',
      `• Nome: ${fields.name ?? '—'}`,
      `• Telefone: ${fields.phone ? formatPhone(fields.phone) : '—'}`,
      `• E-mail: ${fields.email ?? 'não informado'}`,
      `• Motivo: ${fields.reason ?? '—'}`,
      'Está correto? Responda SIM para salvar, NÃO para cancelar, ou envie a correção (ex.: telefone: 11 98888-7777)',
    ].join('\n'),
  correctionNotUnderstood: () => 'Não identifiquei nenhuma alteração nessa mensagem.',
  correctionUnavailable: () => 'Não consegui interpretar essa correção agora. Envie no formato campo: valor (ex.: telefone: 11 98888-7777).',

  /** Same phone already registered. The name is left out when it would tell a stranger who owns a number. */
  duplicateNotice: (since: string, name: string | null) =>
    `Já temos um cadastro com esse telefone (${name ? `${name}, ` : ''}desde ${formatDate(since)}). ` +
    'Responda ATUALIZAR para atualizar ou CANCELAR.',
  /** Contact mode on a channel that vouches for the sender's phone: a typed one cannot replace it. */
  phoneKept: (phone: string) =>
    `O telefone do cadastro é o número desta conversa, ${formatPhone(phone)}, e não pode ser trocado por aqui. ` +
    'Para registrar outro número, responda ATENDENTE.',
  duplicateReask: () => 'Responda ATUALIZAR para atualizar o cadastro existente ou CANCELAR para encerrar.',
  saved: (mode: Mode, protocol: string, updated: boolean) => {
    if (mode === 'attendant') return `${updated ? 'Cadastro atualizado' : 'Contato salvo'}. Protocolo: ${protocol}.`;
    // "Recebemos" holds both for a new contact and for a submission kept for staff to review
    // (a typed phone already registered): a stranger cannot tell the two apart.
    return updated ? `Pronto! Seu cadastro foi atualizado. Protocolo: ${protocol}. Obrigado pelo contato!` : `Recebemos seu cadastro. Protocolo: ${protocol}. Obrigado pelo contato!`;
  },

  cancelled: () => 'Tudo bem, cancelei. Nenhum dado foi salvo. Se precisar, é só mandar uma nova mensagem.',
  restart: () => 'Certo, vamos recomeçar do zero.',
  help: (mode: Mode) =>
    (mode === 'contact'
      ? 'Eu registro seu contato: nome, telefone, e-mail (opcional) e o motivo, para a equipe retornar a você. '
      : 'Eu registro um novo contato a partir dos dados que você enviar: nome, telefone, e-mail (opcional) e motivo. ') + COMMANDS_HINT,
  handoff: () => 'Certo! Vou chamar uma pessoa da equipe para continuar por aqui. Aguarde, por favor.',
  /** Said once per handoff opened out of business hours (HANDOFF_HOURS). */
  handoffOutOfHours: (hours: string, when: string) => `Nossa equipe atende ${hours}; responderemos a partir de ${when}.`,
  resumed: () => 'Voltei! Vamos continuar de onde paramos.',
  unsupported: () => 'Por enquanto só consigo ler mensagens de texto. Pode escrever, por favor?',
  /** Before the answer to a transcribed voice note: what was understood, so the person can correct it. */
  heardVoice: (transcript: string) => `Entendi do seu áudio: "${transcript}"`,
  /** A contact card shared in contact mode: it is someone else's, not the person's own details. */
  foreignCard: () => 'Recebi um cartão de contato. Para o seu cadastro, escreva os seus próprios dados, por favor.',
  /** A voice note that could not be transcribed (off, failing, too long). */
  voiceUnreadable: () => 'Não consegui ouvir seu áudio. Pode escrever sua mensagem, por favor?',
  expired: (why: 'late-message' | 'expire') =>
    why === 'late-message'
      ? 'Nossa conversa anterior foi encerrada por falta de resposta. Envie sua mensagem de novo para começarmos um novo atendimento.'
      : 'Encerrei este atendimento por falta de resposta. Quando quiser, é só mandar uma nova mensagem.',
};
