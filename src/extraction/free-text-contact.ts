// `POST /contacts {text}`: turns free text (plus any explicit fields, which win) into complete,
// validated contact fields — or a 422 that tells the client what to send. Never a 500 for an
// LLM problem: with the model down, what the rule extractor reads is used (as in the chat), and
// only what neither read makes a 422 "llm-unavailable" asking for explicit fields.
import type { ContactInput } from '../contacts/contact-input.ts';
import { normalizeContactInput } from '../contacts/contact-input.ts';
import { cleanText, REQUIRED_FIELDS } from '../contacts/fields.ts';
import { UnprocessableError, ValidationError } from '../domain/errors.ts';
import { EXTRACTION_TEXT_LIMIT, type KnownFields } from './extraction-schema.ts';
import type { Extractor } from './mcp-extractor.ts';
import { extractByRules } from './rules/rule-extractor.ts';

export interface FreeTextContactRequest {
  text: string;
  /** Fields the client sent next to the text; they are validated as usual and win. */
  explicit?: Partial<ContactInput>;
}

function knownFrom(explicit: Partial<ContactInput>): KnownFields {
  // Invalid explicit values are the client's mistake: 400 naming the field, as without text.
  const normalized = normalizeContactInput(explicit, false);
  const known: KnownFields = {};
  for (const field of ['name', 'phone', 'reason', 'email'] as const) {
    const value = normalized[field];
    if (typeof value === 'string') known[field] = value;
  }
  return known;
}

/** The value as the contact would store it, or undefined when it would be refused. */
function validField(field: keyof KnownFields, value: string): string | undefined {
  try {
    const normalized = normalizeContactInput({ [field]: value }, false)[field];
    return typeof normalized === 'string' ? normalized : undefined;
  } catch {
    return undefined;
  }
}

/** Complete contact fields, or throws ValidationError (400) / UnprocessableError (422). */
export async function resolveFreeTextContact(extractor: Extractor, request: FreeTextContactRequest): Promise<ContactInput> {
  const text = request.text ?? '';
  if (!cleanText(text)) throw ValidationError.field('text', 'text is empty', 'empty');
  if (text.length > EXTRACTION_TEXT_LIMIT) throw ValidationError.field('text', `text is longer than ${EXTRACTION_TEXT_LIMIT} characters`, 'too_long');
  const explicit = request.explicit ?? {};
  const known = knownFrom(explicit);
  // An explicit null/empty e-mail means "no e-mail": whatever the text says about one is dropped.
  const noEmail = 'email' in explicit && !known.email;

  const report = await extractor.extract({ text, known });
  const found = { ...report.found };
  if (noEmail) delete found.email;
  const invalid = report.invalid.filter((i) => !(noEmail && i.field === 'email'));
  const missing = report.missing.filter((f) => !(noEmail && f === 'email'));

  if (report.outcome === 'failed') {
    // The model could not be asked: the rules' reading fills what the explicit fields left.
    for (const [field, value] of Object.entries(extractByRules(text)) as [keyof KnownFields, string][]) {
      if (found[field] !== undefined || (noEmail && field === 'email')) continue;
      const valid = validField(field, value);
      if (valid) found[field] = valid;
    }
    const missingRequired = REQUIRED_FIELDS.filter((f) => found[f] === undefined);
    // The explicit fields alone may be enough: the text only added an optional e-mail.
    if (missingRequired.length) {
      throw new UnprocessableError(
        'llm-unavailable',
        'Extraction unavailable',
        `the text could not be read automatically right now; send the fields explicitly (${missingRequired.join(', ')})`,
        { missing: missingRequired, found, extraction: report.failure },
      );
    }
  } else if (missing.length) {
    throw new UnprocessableError(
      'incomplete-contact',
      'Incomplete contact',
      `the text does not give every field needed; send explicitly: ${missing.join(', ')}`,
      { missing, invalid, found },
    );
  }
  return { name: found.name!, phone: found.phone!, email: found.email ?? null, reason: found.reason! };
}
