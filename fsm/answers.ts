// Reading the answer to one question ("Qual é o seu nome completo?") without the LLM. People
// answer in a sentence as often as with the bare value ("meu nome é Maria Silva", "é 11
// 99999-8888"), or label it ("nome: Maria"), or give another field while at it.
import { type FieldErrorCode, type FieldName, normalizeField } from '../src/contacts/fields.ts';
import { findEmail, findPhone, parseFieldPairs, takeOutPhoneAndEmail } from './corrections.ts';
import type { Fields } from './types.ts';

export type AnswerReading =
  /** Valid values: the asked field and/or others the person labelled. */
  | { ok: true; fields: Fields }
  | { ok: false; code: FieldErrorCode | string };

// Lead-ins that are not part of the value; matched case-insensitively on the original text.
const LEAD_INS: Record<FieldName, RegExp> = {
  name: /^(?:(?:o\s+)?(?:meu\s+|seu\s+)?nome(?:\s+completo)?(?:\s+d(?:ela|ele|a\s+pessoa))?\s+(?:é|e)|me\s+chamo|eu\s+sou|sou\s+(?:o|a)|sou|(?:ela|ele)\s+se\s+chama|chama-se|é|e)\s+/iu,
  phone: /^(?:(?:o\s+)?(?:meu\s+|seu\s+)?(?:telefone|celular|n[uú]mero|whatsapp|fone)(?:\s+d(?:ela|ele|a\s+pessoa))?\s+(?:é|e)|é|e)\s+/iu,
  email: /^(?:(?:o\s+)?(?:meu\s+|seu\s+)?e-?mail(?:\s+d(?:ela|ele|a\s+pessoa))?\s+(?:é|e)|é|e)\s+/iu,
  reason: /^(?:o\s+)?motivo(?:\s+(?:é|e))?\s+/iu,
};

function stripLeadIn(field: FieldName, text: string): string {
  const value = text.trim().replace(LEAD_INS[field], '');
  // A reason is free text and keeps its punctuation; other values lose a trailing period.
  return (field === 'reason' ? value : value.replace(/[.!]+$/u, '')).trim();
}

export function readAnswer(field: FieldName, text: string): AnswerReading {
  const labelled = parseFieldPairs(text);
  if (labelled) {
    if (labelled.cleared.includes(field)) return { ok: true, fields: labelled.fields };
    if (Object.keys(labelled.fields).length > 0 && !labelled.invalid.some((i) => i.field === field)) {
      return { ok: true, fields: labelled.fields };
    }
    const refused = labelled.invalid.find((i) => i.field === field) ?? labelled.invalid[0];
    return { ok: false, code: refused?.code ?? 'empty' };
  }

  // A name given together with a phone or e-mail ("Maria Silva, 11 99999-8888"); checked
  // first, as the name rules alone would take "Maria, maria@x.com" for a name.
  if (field === 'name') {
    const { fields, rest } = takeOutPhoneAndEmail(text);
    const name = Object.keys(fields).length > 0 ? normalizeField('name', stripLeadIn('name', rest.replace(/[,;]+$/u, ''))) : null;
    if (name?.ok) return { ok: true, fields: { ...fields, name: name.value } };
  }

  const direct = normalizeField(field, stripLeadIn(field, text));
  if (direct.ok) return { ok: true, fields: { [field]: direct.value } };

  // A phone or e-mail inside a sentence ("pode ligar no 11 99999-8888 à tarde").
  const found = field === 'phone' ? findPhone(text) : field === 'email' ? findEmail(text) : null;
  if (found) return { ok: true, fields: { [field]: found } };
  return { ok: false, code: direct.code };
}
