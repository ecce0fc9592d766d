// Validates and normalizes contact input through the intake form (fields.ts), collecting
// every bad field into one ValidationError so a client can fix them all at once.
import { ValidationError } from '../domain/errors.ts';
import { cleanText, normalizeField } from './fields.ts';

export interface ContactInput {
  name: string;
  phone: string;
  email?: string | null;
  reason: string;
}

export interface NormalizedFields {
  name?: string;
  phone?: string;
  email?: string | null;
  reason?: string;
}

type FieldError = { field: string; code: string; message: string };

/**
 * `required`: name, phone and reason must be present (create). Otherwise only the fields
 * given are checked (patch). An empty or null e-mail means "no e-mail".
 */
export function normalizeContactInput(input: Partial<ContactInput>, required: boolean): NormalizedFields {
  const errors: FieldError[] = [];
  const out: NormalizedFields = {};
  for (const field of ['name', 'phone', 'reason'] as const) {
    const raw = input[field];
    if (raw === undefined || raw === null) {
      if (required) errors.push({ field, code: 'empty', message: `${field} is required` });
      continue;
    }
    const result = normalizeField(field, String(raw));
    if (result.ok) out[field] = result.value;
    else errors.push({ field, code: result.code, message: result.message });
  }
  if (input.email !== undefined) {
    if (input.email === null || !cleanText(input.email)) out.email = null;
    else {
      const result = normalizeField('email', input.email);
      if (result.ok) out.email = result.value;
      else errors.push({ field: 'email', code: result.code, message: result.message });
    }
  }
  if (errors.length) throw new ValidationError(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  return out;
}
