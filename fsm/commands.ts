// What a message means before any state looks at it: a command, yes/no, a greeting, a skip.
// Matching is on the whole message, case- and accent-insensitive, ignoring the punctuation
// people add ("Cancelar!", "sim."), so a sentence that merely contains "cancelar" is an
// answer, not a command.
import { foldForSearch } from '../src/contacts/fields.ts';

export type Command = 'cancel' | 'restart' | 'help' | 'handoff';

/** Folded, punctuation-free, single-spaced: the form every word list below is written in. */
export function fold(text: string): string {
  return foldForSearch(text)
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const COMMANDS: Record<string, Command> = {
  cancelar: 'cancel',
  cancela: 'cancel',
  cancel: 'cancel',
  recomecar: 'restart',
  'comecar de novo': 'restart',
  reiniciar: 'restart',
  ajuda: 'help',
  help: 'help',
  atendente: 'handoff',
  humano: 'handoff',
  'falar com atendente': 'handoff',
  'falar com um atendente': 'handoff',
  'falar com uma pessoa': 'handoff',
};

export function commandOf(text: string): Command | null {
  if (text.trim() === '?') return 'help';
  return COMMANDS[fold(text)] ?? null;
}

const YES = new Set(['sim', 's', 'ss', 'isso', 'correto', 'certo', 'confirmo', 'confirmar', 'ok', 'okay', 'pode salvar', 'salvar', 'sim pode salvar', 'sim esta correto', 'esta correto', 'tudo certo', 'yes']);
const NO = new Set(['nao', 'n', 'no', 'nao quero', 'nao obrigado', 'nao obrigada', 'nao esta correto']);

export const isYes = (text: string) => YES.has(fold(text));
export const isNo = (text: string) => NO.has(fold(text));
export const isUpdate = (text: string) => ['atualizar', 'atualiza', 'atualize'].includes(fold(text));
export const isSkip = (text: string) =>
  ['pular', 'pula', 'pule', 'nao', 'n', 'nao tenho', 'sem email', 'sem e mail', 'nenhum', 'prefiro nao'].includes(fold(text));

const CONSENT_YES = /^(sim|s|aceito|concordo|autorizo|pode|claro|ok|yes)\b/;
const CONSENT_NO = /^(nao|n|no|recuso|nao concordo|nao aceito)\b/;

/**
 * Consent answers may carry more ("sim, sou a Maria, 11 99999-8888"): the verdict comes from
 * the first word and whatever follows is kept as text for extraction.
 */
export function consentAnswer(text: string): { verdict: 'yes' | 'no' | null; rest: string } {
  const folded = fold(text);
  if (CONSENT_NO.test(folded)) return { verdict: 'no', rest: '' };
  const yes = CONSENT_YES.exec(folded);
  if (!yes) return { verdict: null, rest: '' };
  // Cut the verdict word off the original text (accents and digits intact).
  const rest = text.trim().replace(/^\S+[\s,.;:!-]*/u, '');
  return { verdict: 'yes', rest: rest.trim() };
}

const GREETING_WORDS = new Set([
  'oi', 'ola', 'ei', 'opa', 'eai', 'e', 'ai', 'salve', 'hello', 'hi', 'bom', 'boa', 'dia', 'tarde', 'noite', 'tudo', 'bem',
  'como', 'vai', 'voce', 'vc', 'quero', 'queria', 'gostaria', 'de', 'me', 'fazer', 'um', 'meu', 'cadastrar', 'cadastro',
  'registrar', 'registro', 'novo', 'contato', 'por', 'favor', 'pf', 'pfv', 'obrigado', 'obrigada', 'tchau', 'ajudar', 'pode',
]);

/**
 * A message with no data in it ("oi", "bom dia, quero me cadastrar"): not worth sending to
 * extraction, the bot answers it with its opening question instead.
 */
export function isGreetingOnly(text: string): boolean {
  const words = fold(text).split(' ').filter(Boolean);
  return words.every((word) => GREETING_WORDS.has(word));
}
