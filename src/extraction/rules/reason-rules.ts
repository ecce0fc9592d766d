// The reason in the person's own words, without the model: "motivo: …", "o motivo é …",
// "preciso de …", "quero …", "gostaria de …" — the clause that follows, up to the next
// sentence break or the next piece of contact data.
import { foldForSearch, normalizeReason } from '../../contacts/fields.ts';
import { isLabelOnly, type Piece } from './segments.ts';

// "motivo doação de roupas" needs no colon, but "o motivo mudou" is no reason given.
const TRIGGERS = /(?:motiv[ou](?: do contato)?\s*(?::|e|é|eh)|(?<!o\s)motiv[ou]|mot\s*:|assunto\s*:|(?:é|eh|era) sobre(?: [oa]s?)?|retorno sobre(?: [oa]s?)?|solicito|preciso(?: de)?|precisava(?: de)?|quero|queria|gostaria(?: de)?|estou com|to com|tô com|tenho)\s+/giu;
// Where the reason clause ends: a sentence break, or contact data starting.
const END = /[.;!?\n]|,\s*(?:meu|minha|celular|telefone|tel|fone|whats|zap|e-?mail|nome|sou|me chamo)\b|\s(?:meu|minha) (?:nome|celular|telefone|numero|número|e-?mail|whats)\b|\(?\d{2}\)?\s?\d{4,5}|\S+@\S+/iu;
// "quero me cadastrar" / "quero falar com…" is not a reason.
const NOT_REASON = /^(?:me cadastrar|fazer (?:um |o |meu )?cadastro|cadastrar|falar com|ser atendid|me registrar|registrar|saber|informar|que|deixar (?:meu|o) contato)/iu;

export function labelledReason(text: string): string | null {
  for (const match of text.matchAll(TRIGGERS)) {
    const start = (match.index ?? 0) + match[0].length;
    const rest = text.slice(start);
    if (NOT_REASON.test(rest)) continue;
    const end = END.exec(rest);
    const clause = (end ? rest.slice(0, end.index) : rest).replace(/[\s,;:.-]+$/u, '').trim();
    if (clause.split(/\s+/u).length < 1 || clause.length < 3) continue;
    const result = normalizeReason(clause);
    if (result.ok) return result.value;
  }
  return null;
}

/**
 * The reason as the last piece of a listed message ("Maria Silva, 11 99999-8888, apoio
 * emocional"): a piece that is not the name, not only labels or greetings, and says something.
 */
export function pieceReason(pieces: Piece[], name: string | null): string | null {
  const folded = name ? foldForSearch(name) : null;
  // Only after the data on its line: "o certo é 11 98888-7777" states no reason.
  for (const { text: piece } of [...pieces].reverse().filter((p) => p.afterData)) {
    const clause = piece.replace(/^(?:motiv[ou]|mot|assunto|quer|ele precisa de|ela precisa de|precisa de)\s+/iu, '').trim();
    if (isLabelOnly(clause) || (folded && foldForSearch(clause).includes(folded))) continue;
    if (clause.length < 3 || clause.split(/\s+/u).length > 15) continue;
    const result = normalizeReason(clause);
    return result.ok ? result.value : null;
  }
  return null;
}
