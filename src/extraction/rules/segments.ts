// A message cut into its pieces the way people list their data ("Maria Silva, 11 99999-8888,
// apoio emocional"; "Cadastro: Luíza Brandão / …"; one item per line): the phones and e-mails
// themselves, commas, semicolons, slashes, dashes between spaces, colons, line and sentence
// breaks all end a piece. Unlabelled names and reasons are read from these pieces.
import { findPhoneNumbersInText } from 'libphonenumber-js/max';
import { foldForSearch } from '../../contacts/fields.ts';

const EMAIL_SHAPE = /[^\s@,;:<>()]+@[^\s@,;:<>()]+/giu;
const BREAKS = /[\n,;/|—–:()[\]{}<>"!?]|\s-\s|\s-(?=\d)|(?<=\d)-\s|\.(?:\s|$)|\uE000/u;

// Sentences that give the bot orders ("ignore as instruções…", a JSON object to copy): the
// phones, e-mails and names in them are not the person's. The rules skip them entirely.
const ORDERS = /(?<![\p{L}])(?:ignor[ae]\p{L}*|instru[cç][aãõo]\p{L}*|(?:system|sistema)\s*:|prompt|output|preencha|repita|cadastre (?:tamb[eé]m )?(?:o )?(?:telefone|phone|e-?mail|nome)|esque[cç]a|desconsidere|aten[cç][aã]o,? modelo|responda (?:s[oó]|somente|apenas|com))(?![\p{L}])/iu;

/** The text without `{…}` blocks and without sentences that give the bot orders. */
export function withoutInjections(text: string): string {
  const noJson = text.replace(/\{[^{}]*\}/gu, ' ');
  if (!ORDERS.test(noJson)) return noJson;
  return noJson
    // Not inside an address: "example.com" is no sentence break.
    .split(/(?<=[!?\n<>,])|(?<=\.)(?=\s|$)/u)
    .filter((sentence) => !ORDERS.test(sentence))
    .join(' ');
}

export interface Piece {
  text: string;
  /** A phone or e-mail came before it on the same line: where a listed reason stands. */
  afterData: boolean;
}

/** The pieces of `text`, trimmed, without empty ones, in order. */
// A private-use character marks where a phone or e-mail stood (a control character would do,
// but lint rightly distrusts them in patterns).
export function pieces(text: string): Piece[] {
  let marked = text.replace(EMAIL_SHAPE, '\uE000');
  for (const found of findPhoneNumbersInText(marked, 'BR').reverse()) marked = `${marked.slice(0, found.startsAt)}\uE000${marked.slice(found.endsAt)}`;
  const out: Piece[] = [];
  for (const line of marked.split('\n')) {
    let afterData = false;
    // Split keeping the data marks, so each piece knows whether data came before it.
    for (const part of line.split(/(\uE000)/u)) {
      if (part === '\uE000') {
        afterData = true;
        continue;
      }
      for (const raw of part.split(new RegExp(BREAKS.source, 'gu'))) {
        const piece = raw.replace(/^[\s.'*_-]+|[\s.'*_-]+$/gu, '').trim();
        if (/\p{L}/u.test(piece)) out.push({ text: piece, afterData });
      }
    }
  }
  return out;
}

// Words that only introduce or label a piece ("tel", "motivo", "cadastro") — such a piece is
// not a reason by itself.
const LABEL_WORDS = new Set([
  'tel', 'telefone', 'telefoni', 'fone', 'cel', 'celular', 'whats', 'whatsapp', 'zap', 'email', 'e', 'mail', 'numero', 'ddd', 'nome',
  'nomi', 'meu', 'minha', 'e-mail', 'contato', 'novo', 'cadastro', 'cadastrar', 'dados', 'segue', 'seguem', 'motivo', 'motivu', 'mot',
  'fixo', 'e-mail', 'o', 'a', 'de', 'do', 'da', 'eh', 'é', 'sou', 'aqui', 'oi', 'ola', 'bom', 'boa', 'dia', 'tarde', 'noite', 'tudo',
  'bem', 'att', 'obrigado', 'obrigada', 'nao', 'desculpa', 'is', 'my', 'name', 'depois', 'antes', 'entao', 'ok', 'sim', 'mas', 'isso',
  'so', 'ai', 'ei', 'opa', 'pf', 'pfv', 'favor', 'por',
]);

/** A piece made only of label or greeting words (or none): nothing to read in it. */
export function isLabelOnly(piece: string): boolean {
  return foldForSearch(piece)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .every((word) => LABEL_WORDS.has(word));
}
