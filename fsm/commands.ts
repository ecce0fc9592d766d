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

/** Levenshtein distance ≤ 1 (one typo: "atendnte", "cancelra" is two and does not count). */
function nearly(word: string, target: string): boolean {
  if (word === target) return true;
  if (Math.abs(word.length - target.length) > 1 || target.length < 5) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < word.length && j < target.length) {
    if (word[i] === target[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (word.length > target.length) i++;
    else if (word.length < target.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (word.length - i) + (target.length - j) <= 1;
}

const HUMAN_WORDS = ['atendente', 'pessoa', 'humano', 'humana', 'alguem', 'funcionario', 'funcionaria', 'operador', 'operadora'];
const WANT_WORDS = ['quero', 'queria', 'gostaria', 'preciso', 'posso', 'pode', 'poderia', 'me', 'passa', 'chama', 'chamar'];
const TALK_WORDS = ['falar', 'fala', 'conversar', 'transferir', 'passar', 'passa', 'chama', 'chamar'];

/**
 * Commands said in the person's words: "quero falar com uma pessoa de verdade", "me passa
 * pra um atendente", "quero cancelar", "quero começar de novo". Short messages only (≤ 12
 * words), so a long answer that mentions a person stays an answer.
 */
function intentOf(folded: string): Command | null {
  const words = folded.split(' ').filter(Boolean);
  if (words.length === 0 || words.length > 12) return null;
  const has = (list: string[]) => words.some((w) => list.some((t) => nearly(w, t)));
  // "falar … pessoa" within a few words: "preciso de atendimento para uma pessoa idosa" is a reason.
  const talk = words.findIndex((w) => TALK_WORDS.some((t) => nearly(w, t)));
  if (talk >= 0 && words.slice(talk + 1, talk + 5).some((w) => HUMAN_WORDS.some((t) => nearly(w, t)))) return 'handoff';
  if (words.length <= 3 && words.some((w) => nearly(w, 'atendente') || nearly(w, 'humano'))) return 'handoff';
  const wants = words.length <= 5 && has(WANT_WORDS);
  if (wants && words.some((w) => nearly(w, 'cancelar') || w === 'desistir' || w === 'desisto') && words.length <= 3) return 'cancel';
  if (/\b(?:comecar|recomecar|reiniciar) (?:de novo|do zero|tudo)\b/.test(folded) || (wants && words.some((w) => nearly(w, 'recomecar')))) return 'restart';
  if (/^(?:(?:nao|n) (?:entendi|sei o que fazer)|como funciona|o que eu (?:faco|devo fazer)|me ajuda|preciso de ajuda com isso)$/.test(folded)) return 'help';
  return null;
}

export function commandOf(text: string): Command | null {
  if (text.trim() === '?') return 'help';
  const folded = fold(text);
  const exact = COMMANDS[folded];
  if (exact) return exact;
  // One typo in a bare command word ("cancelra" no, "cancelr" yes).
  const words = folded.split(' ');
  if (words.length === 1) {
    const typo = Object.keys(COMMANDS).find((c) => !c.includes(' ') && nearly(folded, c));
    if (typo) return COMMANDS[typo] ?? null;
  }
  return intentOf(folded);
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
