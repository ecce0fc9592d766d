// The intake form: one place that says, for each contact field, whether it is required,
// how a value is normalized and when it is invalid. The REST API, the MCP tools and the
// conversation machine all validate through here, so a value typed in a chat, extracted by
// the LLM or posted to the API is held to the same rules.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { LruMap } from '../util/lru-map.ts';

export const FIELD_NAMES = ['name', 'phone', 'email', 'reason'] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

/** Required fields, in the order the bot asks for them. */
export const REQUIRED_FIELDS: readonly FieldName[] = ['name', 'phone', 'reason'];

export const FIELD_LIMITS = { name: 200, email: 254, reason: 1000 } as const;

/** Why a value was refused. Codes are stable; texts for people live in catalogs. */
export type FieldErrorCode =
  | 'empty'
  | 'too_long'
  | 'name_too_short'
  | 'name_has_digits'
  | 'name_is_email'
  | 'name_is_url'
  | 'name_is_word'
  | 'phone_incomplete'
  | 'phone_too_long'
  | 'phone_invalid'
  | 'email_invalid';

export type FieldResult = { ok: true; value: string } | { ok: false; code: FieldErrorCode; message: string };

const fail = (code: FieldErrorCode, message: string): FieldResult => ({ ok: false, code, message });

/** Collapses runs of white space and trims; strips control characters. */
export function cleanText(input: string): string {
  // eslint-disable-next-line no-control-regex
  return input.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

// Characters that change how text is shown without being seen: bidi embeddings, overrides
// and isolates (U+202A-U+202E, U+2066-U+2069) can make "Ana" render as someone else's name in
// the console or a spreadsheet, and reorder a reason's words ("Trojan Source").
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
// In a name, also the marks and zero-width characters that make two equal-looking names
// differ (search, duplicates): LRM/RLM/ALM, zero-width space/joiners, word joiner, BOM, soft
// hyphen, Mongolian vowel separator. (Free text keeps ZWJ, which builds emoji.)
const INVISIBLE_IN_NAMES = /[\u200B-\u200F\u061C\u2060-\u2064\uFEFF\u00AD\u180E]/g;
/**
 * Whole answers that are a greeting, a yes/no or a command word, not a name ("oi", "sim",
 * "cancelar"): a bot that stored them as the name would greet the person as "Oi".
 */
const NOT_A_NAME = new Set([
  'oi', 'ola', 'oie', 'opa', 'ei', 'eai', 'e ai', 'salve', 'alo', 'hello', 'hi', 'bom dia', 'boa tarde', 'boa noite', 'tudo bem',
  'sim', 'nao', 'ok', 'okay', 'isso', 'certo', 'correto', 'talvez', 'obrigado', 'obrigada', 'valeu', 'tchau',
  'cancelar', 'cancela', 'cancel', 'recomecar', 'reiniciar', 'comecar de novo', 'ajuda', 'help', 'atendente', 'humano',
  'pular', 'pula', 'sair', 'parar', 'voltar', 'menu', 'nome', 'meu nome', 'teste', 'atualizar', 'salvar',
]);

export function normalizeName(input: string): FieldResult {
  const value = cleanText(input.replace(BIDI_CONTROLS, '').replace(INVISIBLE_IN_NAMES, ''));
  if (!value) return fail('empty', 'name is empty');
  if (value.length > FIELD_LIMITS.name) return fail('too_long', `name is longer than ${FIELD_LIMITS.name} characters`);
  // An e-mail or address typed where the name was asked is a slip, never a name.
  if (/[^\s@]+@[^\s@]+\.[^\s@]+/.test(value)) return fail('name_is_email', 'name must not be an e-mail address');
  if (/(?:https?:\/\/|www\.|\.(?:com|br|net|org)\b)/i.test(value)) return fail('name_is_url', 'name must not be a web address');
  if (/\d/.test(value)) return fail('name_has_digits', 'name must not contain digits');
  if (NOT_A_NAME.has(foldForSearch(value).replace(/[^\p{L}\s]+/gu, ' ').replace(/\s+/g, ' ').trim())) {
    return fail('name_is_word', 'name must not be a greeting, yes/no or a command word');
  }
  if (value.replace(/[^\p{L}]/gu, '').length < 2) return fail('name_too_short', 'name must have at least 2 letters');
  return { ok: true, value };
}

/**
 * Normalizes a phone number to E.164. Numbers without a country code are read as Brazilian
 * (region BR): "11 99999-8888", "(11) 99999-8888", "011 99999 8888" and "+55 11 99999-8888"
 * all become +5511999998888.
 */
export function normalizePhone(input: string, defaultRegion: 'BR' = 'BR'): FieldResult {
  const value = cleanText(input);
  if (!value) return fail('empty', 'phone is empty');
  const digits = value.replace(/\D/g, '');
  if (digits.length < 10 && !value.startsWith('+')) {
    return fail('phone_incomplete', 'phone number is incomplete: include the area code (DDD), e.g. 11 99999-8888');
  }
  if (digits.length > 15) return fail('phone_too_long', 'phone number has too many digits');
  const key = `${defaultRegion} ${value}`;
  let e164 = parsedPhones.get(key);
  if (e164 === undefined) {
    const parsed = parsePhoneNumberFromString(value, defaultRegion);
    parsedPhones.set(key, (e164 = parsed?.isValid() ? parsed.number : null));
  }
  if (e164 === null) return fail('phone_invalid', 'phone number is not valid, e.g. 11 99999-8888 or +55 11 99999-8888');
  return { ok: true, value: e164 };
}

// libphonenumber's parse and validation is the costliest step of reading a message (~5 % of a
// turn's CPU in bench:turns), and one turn checks the same number several times (the rules,
// the corrections, the field's own validation). A pure function of its input: a small memo.
const parsedPhones = new LruMap<string, string | null>(512);

// Deliberately simpler than RFC 5322: one @, a dotted domain with a 2+ letter TLD, no spaces.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,}$/;

export function normalizeEmail(input: string): FieldResult {
  const value = cleanText(input).toLowerCase();
  if (!value) return fail('empty', 'e-mail is empty');
  if (value.length > FIELD_LIMITS.email) return fail('too_long', `e-mail is longer than ${FIELD_LIMITS.email} characters`);
  if (!EMAIL.test(value) || value.includes('..')) return fail('email_invalid', 'e-mail address is not valid, e.g. maria@exemplo.com.br');
  return { ok: true, value };
}

export function normalizeReason(input: string): FieldResult {
  const value = cleanText(input.replace(BIDI_CONTROLS, ''));
  if (!value) return fail('empty', 'reason is empty');
  if (value.length > FIELD_LIMITS.reason) return fail('too_long', `reason is longer than ${FIELD_LIMITS.reason} characters`);
  return { ok: true, value };
}

export const normalizers: Record<FieldName, (input: string) => FieldResult> = {
  name: normalizeName,
  phone: (input) => normalizePhone(input),
  email: normalizeEmail,
  reason: normalizeReason,
};

export function normalizeField(field: FieldName, input: string): FieldResult {
  return normalizers[field](input);
}

/** Lower-case and strip accents, so "João" is found by "joao". */
export function foldForSearch(input: string): string {
  return input.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}
