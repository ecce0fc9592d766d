// The deterministic PT-BR rule extractor, run on every message before the model (SPEC §11):
// phones in any Brazilian writing (libphonenumber-js, spelled-out digits of voice
// transcripts), e-mails, labelled names and reasons, and a bare name when the message is only
// a name. Every value is validated through the intake form; a rule that is not sure finds
// nothing, so the bot asks instead of guessing.
//
// Precedence when rules and the model both answer a field: a known value (typed answer,
// channel) > a rule value > a grounded model value. Rules only read what is literally there,
// so they cannot invent; the model fills what the rules left empty.
import { findPhoneNumbersInText } from 'libphonenumber-js/max';
import { type FieldName, normalizeEmail, normalizePhone } from '../../contacts/fields.ts';
import { bareName, labelledName, pieceName } from './name-rules.ts';
import { labelledReason, pieceReason } from './reason-rules.ts';
import { pieces, withoutInjections } from './segments.ts';
import { spokenDigitsToText } from './spoken-digits.ts';

export type RuleFields = Partial<Record<FieldName, string>>;

const EMAIL_SHAPE = /[^\s@,;:<>()]+@[^\s@,;:<>()]+\.[a-z]{2,}/giu;

export function rulePhone(text: string): string | null {
  for (const source of [text, spokenDigitsToText(text)]) {
    // No number has fewer than 8 digits ("sim", "oi", a name): skip the costly search.
    if (countDigits(source) < 8) continue;
    for (const found of findPhoneNumbersInText(source, 'BR')) {
      const result = normalizePhone(found.number.number);
      if (result.ok) return result.value;
    }
  }
  return null;
}

/** Decimal digits of any script (libphonenumber reads full-width and Arabic-Indic ones too). */
function countDigits(text: string): number {
  return text.match(/\p{Nd}/gu)?.length ?? 0;
}

// Words that may stand right before an address ("e-mail fulano@…", "é fulano@…"); any other
// lower-case word there means the address was typed with a space ("camila pitanga@gmail.com")
// and the part read would be someone else's address.
const BEFORE_ADDRESS = new Set(['email', 'mail', 'e', 'é', 'eh', 'meu', 'o', 'no', 'em', 'pelo', 'para', 'pra', 'contato', 'is', 'at', 'ou', 'com', 'por']);

function splitAddress(text: string, index: number): boolean {
  const before = /(?:^|[\s,;:(])([\p{Ll}-]+) $/u.exec(text.slice(Math.max(0, index - 40), index));
  return before !== null && !BEFORE_ADDRESS.has(before[1]!.replace(/^e-/u, ''));
}

export function ruleEmail(text: string): string | null {
  for (const match of text.matchAll(EMAIL_SHAPE)) {
    if (splitAddress(text, match.index ?? 0)) continue;
    const candidate = match[0];
    const result = normalizeEmail(candidate.replace(/[.]+$/u, ''));
    if (result.ok) return result.value;
  }
  return null;
}

/** What the rules can tell from one message; `askedName` when the bot had asked for the name. */
export function extractByRules(text: string, options: { askedName?: boolean } = {}): RuleFields {
  const fields: RuleFields = {};
  text = withoutInjections(text);
  const phone = rulePhone(text);
  if (phone) fields.phone = phone;
  const email = ruleEmail(text);
  if (email) fields.email = email;
  // "Maria Silva 11 99999-8888": the phone and e-mail cut the message into pieces; one may be a name.
  const listed = pieces(text);
  const name = labelledName(text) ?? bareName(text, options.askedName) ?? pieceName(listed, Boolean(phone || fields.email));
  if (name) fields.name = name;
  // A listed reason only in a message that lists data: a lone sentence is read by the model.
  const reason = labelledReason(text) ?? pieceReason(listed, name);
  if (reason) fields.reason = reason;
  return fields;
}
