// Turns what the model said (never trusted) and what the caller already knew into one report,
// validating every value through the intake form (contacts/fields.ts) exactly like a typed
// answer. A refused value is reported with its reason and counted as missing; it is never
// handed on.
import { cleanText, FIELD_NAMES, type FieldName, foldForSearch, normalizeField, REQUIRED_FIELDS } from '../contacts/fields.ts';
import { spokenDigitsToText } from './rules/spoken-digits.ts';
import type { ExtractionReport, FailureCode, FailureReason, FoundFields, InvalidField, KnownFields, ModelOutput } from './extraction-schema.ts';

type Fields = ExtractionReport['fields'];

/**
 * A name, phone or e-mail the model answers must be in the text: a model that "completes" a
 * surname or a number, fixes an address or obeys an injected instruction must not invent
 * contact data. Names are compared word by word, ignoring case, accents and punctuation (the
 * model may tidy "SANDRA DE SÁ" into "Sandra de Sá"); reasons only need to overlap the text.
 */
function groundedInText(field: FieldName, value: string, text: string): boolean {
  if (field === 'name') {
    const folded = foldForSearch(text);
    return foldForSearch(value)
      .split(/[^\p{L}]+/u)
      .every((word) => word.length < 2 || folded.includes(word));
  }
  if (field === 'email') return text.toLowerCase().includes(value);
  if (field === 'phone') {
    const national = value.startsWith('+55') ? value.slice(3) : value.slice(1);
    // Voice transcripts spell the digits out ("onze nove oito…").
    return [text, spokenDigitsToText(text)].some((t) => t.replace(/\D/g, '').includes(national));
  }
  return reasonOverlaps(value, text);
}

/**
 * A reason is paraphrased, so it only has to share a meaningful word with the text (compared
 * by its first 5 letters, so "agendar"/"agendamento" meet); a reason about something the
 * person never mentioned is the model's, not theirs.
 */
function reasonOverlaps(value: string, text: string): boolean {
  const folded = foldForSearch(text);
  const stems = foldForSearch(value)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 4)
    .map((word) => word.slice(0, 5));
  return stems.length === 0 ? folded.includes(foldForSearch(value).trim()) : stems.some((stem) => folded.includes(stem));
}

type Checked = { ok: true; value: string } | { ok: false; invalid: InvalidField };

function check(field: FieldName, raw: string, text: string | null): Checked {
  const result = normalizeField(field, raw);
  if (!result.ok) return { ok: false, invalid: { field, code: result.code, message: result.message } };
  if (text !== null && !groundedInText(field, result.value, text)) {
    return { ok: false, invalid: { field, code: 'not_in_text', message: `${field} does not appear in the message` } };
  }
  return { ok: true, value: result.value };
}

const present = (v: string | null | undefined): v is string => typeof v === 'string' && cleanText(v) !== '';

/**
 * `extracted` is null when nothing could be extracted (the LLM failed): the report then holds
 * the known fields only, so a caller can go on asking field by field without losing them.
 */
export function buildReport(
  extracted: ModelOutput | null,
  known: KnownFields,
  text: string,
  failure: { code: FailureCode; reason: FailureReason } | null = null,
): ExtractionReport {
  const found: FoundFields = {};
  const fields: Fields = {};
  const invalid: InvalidField[] = [];

  for (const field of FIELD_NAMES) {
    const knownRaw = known[field];
    let knownRefusal: InvalidField | undefined;
    if (present(knownRaw)) {
      const checked = check(field, knownRaw, null);
      if (checked.ok) {
        found[field] = checked.value;
        fields[field] = { value: checked.value, valid: true, source: 'known' };
        continue;
      }
      knownRefusal = checked.invalid;
      fields[field] = { value: null, valid: false, source: 'known' };
    }
    const extractedRaw = extracted?.[field];
    if (present(extractedRaw)) {
      const checked = check(field, extractedRaw, text);
      if (checked.ok) {
        found[field] = checked.value;
        fields[field] = { value: checked.value, valid: true, source: 'text' };
        continue;
      }
      invalid.push(checked.invalid);
      fields[field] = { value: null, valid: false, source: 'text' };
    } else if (knownRefusal) {
      invalid.push(knownRefusal);
    }
  }

  const refused = new Set(invalid.map((i) => i.field));
  const missing = FIELD_NAMES.filter((f) => found[f] === undefined && (REQUIRED_FIELDS.includes(f) || refused.has(f)));
  const outcome = failure ? 'failed' : missing.length === 0 ? 'ok' : 'partial';
  return { outcome, failure, found, missing, invalid, fields };
}
