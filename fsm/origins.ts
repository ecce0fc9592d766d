// Where each field's value came from in this chat (issue 14), kept in the context next to the
// fields and handed to the save as the contact's provenance. Plain JSON, like the rest of the
// context: it survives a snapshot and a restore.
import { FIELD_NAMES, type FieldName } from '../src/contacts/fields.ts';
import type { ConversationContext, FieldOrigin, Fields, Origins, SaveInput } from './types.ts';

type Ctx = ConversationContext;

/** The message being handled: its id and arrival (none for `resume`/`expire` events). */
export function originOf(context: Ctx, source: string): FieldOrigin {
  const fromMessage = context.turn !== 'start' && !context.turn.startsWith('event-');
  return { source, messageId: fromMessage ? context.turn : null, at: context.lastActivityAt };
}

/** Origins after the fields went from `before` to `after`: each changed value gets `sourceOf` its field. */
export function traceOrigins(context: Ctx, before: Fields, after: Fields, sourceOf: (field: FieldName) => string): Origins {
  const origins: Origins = { ...(context.origins ?? {}) };
  for (const field of FIELD_NAMES) {
    if (!after[field]) delete origins[field];
    else if (after[field] !== before[field]) origins[field] = originOf(context, sourceOf(field));
  }
  return origins;
}

/** A value the person typed; in attendant mode it is staff who type. */
export const typedSource = (context: Ctx) => (context.mode === 'attendant' ? 'attendant' : 'typed');

/** `llm:<model>`, or `llm:unknown` from an extractor that did not say which model answered. */
export const modelSource = (model: string | undefined) => `llm:${model && /^[\w.:/@-]{1,100}$/u.test(model) ? model : 'unknown'}`;

/** The save's provenance: each field's origin plus who confirmed the summary. */
export function provenanceForSave(context: Ctx): SaveInput['provenance'] {
  const confirmedBy = context.mode === 'attendant' ? (context.attendantUserId ? `attendant:${context.attendantUserId}` : 'attendant') : 'person';
  const provenance: NonNullable<SaveInput['provenance']> = {};
  for (const field of FIELD_NAMES) {
    const origin = context.origins?.[field];
    if (context.fields[field] && origin) provenance[field] = { ...origin, confirmedBy };
  }
  return provenance;
}
