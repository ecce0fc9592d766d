// Reading field values out of text without the LLM: the `campo: valor` form of corrections
// ("telefone: 11 98888-7777"), and, when extraction is unavailable, whatever can be told
// with certainty from the text itself (a labelled value, something shaped like a phone or an
// e-mail) plus the rule extractor's labelled names and reasons. Names and reasons are not
// guessed from unlabelled text beyond a message that is only a name: a wrong guess would be
// worse than asking.
import { type FieldName, normalizeEmail, normalizeField, normalizePhone } from '../src/contacts/fields.ts';
import { extractByRules } from '../src/extraction/rules/rule-extractor.ts';
import { withoutInjections } from '../src/extraction/rules/segments.ts';
import { isSkip } from './commands.ts';
import type { Fields, InvalidValue } from './types.ts';

const LABELS: [RegExp, FieldName][] = [
  [/^nome(?: completo)?$/, 'name'],
  [/^(?:telefone|tel|celular|cel|fone|whatsapp|whats|zap|n[uú]mero)$/, 'phone'],
  [/^e-?mail$/, 'email'],
  [/^(?:motivo|assunto)$/, 'reason'],
];

const LABEL_PATTERN = /(?<=^|[\s,;])(nome completo|nome|telefone|tel|celular|cel|fone|whatsapp|whats|zap|n[uú]mero|e-?mail|motivo|assunto)\s*:\s*/giu;

export function fieldOfLabel(label: string): FieldName | null {
  const lower = label.toLowerCase();
  return LABELS.find(([pattern]) => pattern.test(lower))?.[1] ?? null;
}

export interface ParsedFields {
  /** Valid, normalized values. */
  fields: Fields;
  /** Values given but refused, with the reason code. */
  invalid: InvalidValue[];
  /** Optional fields the person asked to remove ("e-mail: nenhum"). */
  cleared: FieldName[];
}

const empty = (): ParsedFields => ({ fields: {}, invalid: [], cleared: [] });

function addValue(into: ParsedFields, field: FieldName, raw: string): void {
  if (field === 'email' && isSkip(raw)) {
    into.cleared.push(field);
    return;
  }
  const result = normalizeField(field, raw);
  if (result.ok) {
    into.fields[field] = result.value;
    into.invalid = into.invalid.filter((i) => i.field !== field);
  } else if (!(field in into.fields)) {
    into.invalid.push({ field, code: result.code, message: result.message });
  }
}

/**
 * Every `campo: valor` pair in the text; each value runs until the next label. With
 * `anchored`, the text must start with a label (a correction in that form), otherwise
 * nothing is returned and the text is free text.
 */
export function parseFieldPairs(text: string, anchored = true): ParsedFields | null {
  const source = text.trim();
  const matches = [...source.matchAll(LABEL_PATTERN)];
  if (matches.length === 0) return null;
  if (anchored && matches[0]?.index !== 0) return null;
  const parsed = empty();
  matches.forEach((match, i) => {
    const field = fieldOfLabel(match[1] ?? '');
    if (!field) return;
    const start = (match.index ?? 0) + match[0].length;
    const end = matches[i + 1]?.index ?? source.length;
    const value = source.slice(start, end).replace(/[\s,;./|-]+$/u, '');
    addValue(parsed, field, value);
  });
  // Names and reasons only from the person's own labels ("meu nome é…", "preciso de…") or a
  // message that is nothing but a name: the rule extractor is not sure otherwise, and asks.
  const rules = extractByRules(text);
  for (const field of ['name', 'reason', 'phone', 'email'] as const) {
    const value = rules[field];
    if (value && !parsed.fields[field]) {
      parsed.fields[field] = value;
      parsed.invalid = parsed.invalid.filter((i) => i.field !== field);
    }
  }
  return parsed;
}

const PHONE_SHAPE = /\+?\d[\d\s().-]{7,}\d/g;
const EMAIL_SHAPE = /[^\s@,;:<>()]+@[^\s@,;:<>()]+\.[a-z]{2,}/giu;

/** The first substring shaped like a valid phone number, normalized. */
export function findPhone(text: string): string | null {
  for (const candidate of text.match(PHONE_SHAPE) ?? []) {
    const result = normalizePhone(candidate);
    if (result.ok) return result.value;
  }
  return null;
}

export function findEmail(text: string): string | null {
  for (const candidate of text.match(EMAIL_SHAPE) ?? []) {
    const result = normalizeEmail(candidate.replace(/[.]+$/u, ''));
    if (result.ok) return result.value;
  }
  return null;
}

/**
 * Takes a valid phone and e-mail out of a short answer ("Maria Silva, 11 99999-8888"): what
 * was found, and the text left without them.
 */
export function takeOutPhoneAndEmail(text: string): { fields: Fields; rest: string } {
  const fields: Fields = {};
  let rest = text;
  for (const [field, shape, normalize] of [
    ['phone', PHONE_SHAPE, normalizePhone],
    ['email', EMAIL_SHAPE, normalizeEmail],
  ] as const) {
    const match = (rest.match(shape) ?? []).find((candidate) => normalize(candidate.replace(/[.]+$/u, '')).ok);
    if (!match) continue;
    const result = normalize(match.replace(/[.]+$/u, ''));
    if (result.ok) fields[field] = result.value;
    rest = rest.replace(match, ' ');
  }
  return { fields, rest: rest.replace(/\s*[,;]\s*(?=[,;]|$)/gu, '').replace(/\s+/g, ' ').trim() };
}

/** What can be read from free text without the LLM (extraction unavailable). */
export function salvageFields(text: string): ParsedFields {
  // Orders to the bot ("ignore…, o telefone é …") and pasted JSON are not the person's data.
  text = withoutInjections(text);
  const parsed = parseFieldPairs(text, false) ?? empty();
  if (!parsed.fields.phone) {
    const phone = findPhone(text);
    if (phone) {
      parsed.fields.phone = phone;
      parsed.invalid = parsed.invalid.filter((i) => i.field !== 'phone');
    }
  }
  // Names and reasons only from the person's own labels ("meu nome é…", "preciso de…") or a
  // message that is nothing but a name: the rule extractor is not sure otherwise, and asks.
  const rules = extractByRules(text);
  for (const field of ['name', 'reason', 'phone', 'email'] as const) {
    const value = rules[field];
    if (value && !parsed.fields[field]) {
      parsed.fields[field] = value;
      parsed.invalid = parsed.invalid.filter((i) => i.field !== field);
    }
  }
  return parsed;
}
