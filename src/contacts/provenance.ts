// Per-field provenance of a contact (issue 14): for each field, how its value was obtained,
// from which inbound message, when, and who confirmed it. Stored as jsonb on the contact row,
// so erasing the contact erases it too. Values are never copied here: only where they came
// from, so this column holds no personal data beyond the ids of staff.
import { z } from 'zod';
import type { FieldName } from './fields.ts';

/**
 * `rule`: read by the deterministic rule extractor; `llm:<model>`: said by the model and
 * grounded in the person's text; `typed`: the person's answer to the bot's question;
 * `channel`: the phone the channel vouches for (WhatsApp sender, Telegram shared contact);
 * `attendant`: typed or corrected by staff in a chat; `admin`: edited through the API.
 */
export const PROVENANCE_SOURCE = /^(?:rule|typed|channel|attendant|admin|llm:[\w.:/@-]{1,100})$/u;

const isoDateTime = z.iso.datetime({ offset: true });

export const fieldProvenanceSchema = z.object({
  source: z.string().regex(PROVENANCE_SOURCE).describe('rule | llm:<model> | typed | channel | attendant | admin'),
  messageId: z.string().nullable().describe('the inbound chat message the value came from; null outside a chat'),
  at: isoDateTime.describe('when the value was obtained'),
  confirmedBy: z.string().nullable().describe('"person" (the person confirmed the summary), "attendant:<user id>", "admin:<user id>", or null'),
});

export const contactProvenanceSchema = z
  .object({
    name: fieldProvenanceSchema.optional(),
    phone: fieldProvenanceSchema.optional(),
    email: fieldProvenanceSchema.optional(),
    reason: fieldProvenanceSchema.optional(),
  })
  .describe('how each field was obtained; null for contacts saved before provenance was kept');

export type FieldProvenance = z.infer<typeof fieldProvenanceSchema>;
export type ContactProvenance = Partial<Record<FieldName, FieldProvenance>>;

/** The stored jsonb as the API shows it; anything malformed reads as unknown (null). */
export function readProvenance(stored: unknown): ContactProvenance | null {
  if (stored === null || stored === undefined) return null;
  const parsed = contactProvenanceSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** Provenance after changing `fields`: the changed ones get `entry`, the rest keep theirs. */
export function withChangedFields(current: unknown, fields: readonly FieldName[], entry: (field: FieldName) => FieldProvenance | undefined): ContactProvenance {
  const next: ContactProvenance = { ...(readProvenance(current) ?? {}) };
  for (const field of fields) {
    const value = entry(field);
    if (value) next[field] = value;
    else delete next[field];
  }
  return next;
}

/**
 * A change made by staff through the API (PATCH, an approved update request): `attendant`
 * when an attendant corrected it, `admin` for an admin (or any other caller, e.g. MCP).
 */
export function staffEdit(actor: { actorId: string | null; actorRole: string | null }, at = new Date()): FieldProvenance {
  const role = actor.actorRole === 'attendant' ? 'attendant' : 'admin';
  return { source: role, messageId: null, at: at.toISOString(), confirmedBy: actor.actorId ? `${role}:${actor.actorId}` : null };
}
