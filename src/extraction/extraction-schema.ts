// The shapes of extraction, as zod schemas: what the model must answer (sent to Ollama as
// `format`), what the `extract_contact` tool takes and what it reports. The MCP server and
// the MCP client share them, so both ends validate the same contract.
import { z } from 'zod';
import { FIELD_NAMES, type FieldName } from '../contacts/fields.ts';

/** Longest text sent to the model; a chat message longer than this is not a contact form. */
export const EXTRACTION_TEXT_LIMIT = 4_000;

/**
 * The model's answer: every field present, null when the text does not say it. Plain strings
 * only — no pattern/format keywords for the model to half-honour; values are validated after.
 */
export const modelOutputSchema = z
  .object({
    name: z.string().nullable().describe('nome completo da pessoa, como escrito'),
    phone: z.string().nullable().describe('telefone como escrito na mensagem'),
    email: z.string().nullable().describe('e-mail como escrito na mensagem'),
    reason: z.string().nullable().describe('motivo do contato, resumido'),
  })
  .strict();

export type ModelOutput = z.infer<typeof modelOutputSchema>;

/** The JSON schema sent as Ollama's `format` (zod's `$schema` key dropped: grammar only). */
export function modelOutputFormat(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(modelOutputSchema);
  return schema;
}

const fieldShape = <T extends z.ZodType>(value: T) => ({
  name: value.optional(),
  phone: value.optional(),
  email: value.optional(),
  reason: value.optional(),
});

/** Values the caller already has (typed answers, explicit API fields): they win. */
export const knownFieldsSchema = z
  .object({
    name: z.string().max(400).optional(),
    phone: z.string().max(40).optional(),
    email: z.string().max(320).optional(),
    reason: z.string().max(2_000).optional(),
  })
  .strict();

export type KnownFields = z.infer<typeof knownFieldsSchema>;

export const extractInputSchema = z.object({
  text: z.string().min(1).max(EXTRACTION_TEXT_LIMIT).describe('the message to read, as the person typed it'),
  known: knownFieldsSchema.optional().describe('fields already known; they are kept and not extracted again'),
});

export type ExtractInput = z.infer<typeof extractInputSchema>;

export const FAILURE_CODES = ['llm_unavailable', 'invalid_output'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export const FAILURE_REASONS = [
  'unreachable',
  'timeout',
  'server_error',
  'model_not_found',
  'client_error',
  'breaker_open',
  'malformed_json',
  'schema_mismatch',
  'mcp_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const fieldName = z.enum(FIELD_NAMES);

export const invalidFieldSchema = z.object({
  field: fieldName,
  code: z.string().describe('why the value was refused, e.g. phone_incomplete, email_invalid, not_in_text'),
  message: z.string(),
});

export type InvalidField = z.infer<typeof invalidFieldSchema>;

export const fieldReportSchema = z.object({
  value: z.string().nullable().describe('normalized value; null when it failed validation'),
  valid: z.boolean(),
  source: z.enum(['known', 'text']),
});

export const extractionReportSchema = z.object({
  outcome: z.enum(['ok', 'partial', 'failed']).describe('ok: nothing missing; partial: some field missing or refused; failed: see failure'),
  failure: z.object({ code: z.enum(FAILURE_CODES), reason: z.enum(FAILURE_REASONS) }).nullable(),
  found: z.object(fieldShape(z.string())).describe('valid values only: phone in E.164, e-mail in lower case'),
  missing: z.array(fieldName).describe('required fields without a valid value, plus any field whose value was refused'),
  invalid: z.array(invalidFieldSchema),
  fields: z.object(fieldShape(fieldReportSchema)),
  model: z.string().optional().describe('the model whose answer was read (absent when it was not asked)'),
});

export type ExtractionReport = z.infer<typeof extractionReportSchema>;
export type FoundFields = Partial<Record<FieldName, string>>;
