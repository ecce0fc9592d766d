// A name read from the person's own words, without the model: after "meu nome é", "me chamo",
// "sou o/a", "aqui é o/a", "nome:"; or the whole message when it is nothing but a name.
import { foldForSearch, normalizeName } from '../../contacts/fields.ts';
import type { Piece } from './segments.ts';

// Words that end a name inside a sentence ("me chamo Ana e meu celular é…").
const STOP = new Set([
  'e', 'e-mail', 'meu', 'minha', 'celular', 'telefone', 'tel', 'fone', 'whatsapp', 'whats', 'zap', 'email', 'mail', 'numero', 'preciso',
  'quero', 'queria', 'gostaria', 'motivo', 'tenho', 'estou', 'to', 'moro', 'sou', 'aqui', 'o', 'a', 'com', 'pra', 'para', 'por',
  'que', 'porque', 'mas', 'nao', 'sim', 'obrigado', 'obrigada', 'ok', 'contato', 'meus', 'minhas',
  // Number words of a spoken phone ("me chamo João onze nove…").
  'zero', 'um', 'uma', 'dois', 'duas', 'tres', 'quatro', 'cinco', 'seis', 'meia', 'sete', 'oito', 'nove', 'dez', 'onze', 'doze',
  'treze', 'catorze', 'quatorze', 'quinze', 'dezesseis', 'dezessete', 'dezoito', 'dezenove', 'vinte', 'trinta', 'quarenta',
  'cinquenta', 'sessenta', 'setenta', 'oitenta', 'noventa',
]);
const CONNECTORS = new Set(['da', 'de', 'do', 'das', 'dos', 'e']);
const LABELS = /(?:meu nom[ei] (?:e|eh|é)|me chamo|me chamam de|nome completo|nome\s*:|sou (?:o|a)|aqui (?:e|eh|é) (?:o|a)|my name is)\s+(?:(?:dona|sr\.?|sra\.?|seu|dr\.?|dra\.?)\s+)?/giu;
// "Sou Ana Beatriz", "eu sou Fernando": only before a capital ("sou de São Paulo", "sou cliente" are not names).
const PLAIN_SOU = /(?<![\p{L}\p{N}])(?:sou|eu sou|é a|é o)\s+(?:(?:dona|sr\.?|sra\.?|seu|dr\.?|dra\.?)\s+)?(?=\p{Lu})/gu;
const MAX_WORDS = 6;

/** Name words from the start of `rest`, up to a stop word, punctuation or a digit. */
function nameWords(rest: string): string | null {
  const words: string[] = [];
  for (const token of rest.split(/\s+/u)) {
    const word = token.replace(/[,.;:!?]+$/u, '');
    const folded = foldForSearch(word);
    if (!/^[\p{L}'-]+$/u.test(word)) break;
    if (words.length > 0 && STOP.has(folded) && !(CONNECTORS.has(folded) && /^\p{Lu}/u.test(rest.split(/\s+/u)[words.length + 1] ?? ''))) break;
    if (words.length === 0 && STOP.has(folded)) break;
    words.push(word);
    if (words.length >= MAX_WORDS || word !== token) break;
  }
  while (words.length && CONNECTORS.has(foldForSearch(words.at(-1) ?? ''))) words.pop();
  if (words.length === 0 || CONNECTORS.has(foldForSearch(words[0] ?? '')) || NOT_NAME_WORDS.has(foldForSearch(words[0] ?? ''))) return null;
  const result = normalizeName(words.join(' '));
  return result.ok ? result.value : null;
}

/** A name after a label ("Meu nome é Marina Figueiredo, celular…"). */
export function labelledName(text: string): string | null {
  for (const match of [...text.matchAll(LABELS), ...text.matchAll(PLAIN_SOU)]) {
    const name = nameWords(text.slice((match.index ?? 0) + match[0].length));
    if (name) return name;
  }
  return null;
}

/**
 * The message is only a name ("Joana Prado", "joana prado."): 2 to 6 words of letters, none
 * of them a word people write around a name. With `asked` (the bot asked for the name) one
 * word is enough.
 */
export function bareName(text: string, asked = false): string | null {
  const cleaned = text.trim().replace(/[.!]+$/u, '');
  const words = cleaned.split(/\s+/u).filter(Boolean);
  if (words.length < (asked ? 1 : 2) || words.length > MAX_WORDS) return null;
  if (!words.every((w) => /^[\p{L}'-]+$/u.test(w))) return null;
  const folded = words.map(foldForSearch);
  if (folded.some((w) => STOP.has(w) && !CONNECTORS.has(w)) || folded.some((w) => NOT_NAME_WORDS.has(w))) return null;
  if (CONNECTORS.has(folded[0] ?? '') || CONNECTORS.has(folded.at(-1) ?? '')) return null;
  const result = normalizeName(cleaned);
  return result.ok ? result.value : null;
}

// Words that make a short message something else than a name ("bom dia", "quero ajuda").
const NOT_NAME_WORDS = new Set([
  'oi', 'ola', 'fala', 'ai', 'eae', 'eai', 'bom', 'boa', 'dia', 'tarde', 'noite', 'tudo', 'bem', 'ajuda', 'cadastro', 'cadastrar', 'atendente', 'atendimento',
  'humano', 'pessoa', 'cancelar', 'cancela', 'recomecar', 'falar', 'consulta', 'informacao', 'informacoes', 'duvida', 'obrigado',
  'valeu', 'tchau', 'hello', 'hi', 'teste', 'pular', 'voces', 'vcs', 'voce', 'vc', 'sobre', 'horario', 'preco', 'valor',
  // Common words of a sentence: a message holding them is not just a name.
  'eu', 'ele', 'ela', 'nos', 'no', 'na', 'em', 'ao', 'os', 'as', 'uns', 'se', 'ja', 'so', 'mais', 'muito', 'ver', 'deixa', 'hmm',
  'hum', 'ne', 'tipo', 'assim', 'aqui', 'ali', 'la', 'agora', 'hoje', 'amanha', 'ontem', 'quando', 'onde', 'como', 'qual', 'quem',
  'isso', 'esse', 'essa', 'este', 'esta', 'ta', 'tah', 'foi', 'ser', 'ter', 'fazer', 'ir', 'vou', 'vai', 'pode', 'posso', 'programa',
  'inscrever', 'inscricao', 'cliente', 'ha', 'anos', 'marcar', 'agendar', 'urgente', 'favor', 'certo', 'errado', 'entendi', 'beleza', 'blz', 'kkk', 'rs',
]);

// What introduces a name inside a piece ("Olá, sou Fernando Pessoa", "Cadastrar Adélia Prado",
// "Contato de Érico Veríssimo", "Att, Rodrigo Hilbert"), and what may follow it ("… aqui").
const INTRO =
  /^(?:(?:oi|ol[aá]|bom dia|boa tarde|boa noite|e a[ií])\s+)?(?:(?:(?:eu\s+)?sou|[eé]|eh|aqui [eé]|cadastr(?:ar|e|o)|contato(?: de)?|novo contato|cliente|att|atenciosamente|nome)\s+)?(?:(?:o|a)\s+)?(?:(?:dona|sr\.?|sra\.?|seu|dr\.?|dra\.?)\s+)?/iu;
const OUTRO = /\s+(?:aqui|falando)$/iu;

/**
 * A name standing as one piece of a listed message ("Thaís Araújo aqui. Fone …",
 * "Francisco de Assis Oliveira 11987651234 …"). Outside the first piece its words must be
 * capitalized, so a listed reason ("apoio emocional") is not taken for a name.
 * `hasData`: the message also holds a phone or an e-mail.
 */
export function pieceName(pieces: Piece[], hasData: boolean): string | null {
  for (const [i, { text: piece }] of pieces.entries()) {
    const candidate = piece.replace(INTRO, '').replace(OUTRO, '').trim();
    const words = candidate.split(/\s+/u);
    if (words.length < 2) continue;
    const capitalized = words.every((w) => CONNECTORS.has(foldForSearch(w)) || /^\p{Lu}/u.test(w));
    // Lower case only for the first piece of a message that goes on with a phone or e-mail
    // ("joana darc da silva 11 98765 2222"); "sou cliente há anos" is no name.
    if (!capitalized && (i > 0 || !hasData)) continue;
    const name = bareName(candidate);
    if (name) return name;
  }
  return null;
}
