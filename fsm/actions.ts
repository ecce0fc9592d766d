// How the conversation's context changes, as pure functions (context, data) → changes. The
// machine wires them with assign(); keeping them plain makes them easy to read and test.
// Replies are appended to the outbox with keys `<turn>:<n>`, so the same event run again from
// the same snapshot (a retry, a restore) yields the same keys and the runner can dedupe.
import { FIELD_NAMES, type FieldName, normalizeField, normalizePhone, REQUIRED_FIELDS } from '../src/contacts/fields.ts';
import { readAnswer } from './answers.ts';
import { catalog, fieldError } from './catalog.ts';
import { isGreetingOnly } from './commands.ts';
import { type ParsedFields, parseFieldPairs, salvageFields } from './corrections.ts';
import { modelSource, traceOrigins, typedSource } from './origins.ts';
import type { ConversationContext, ConversationInput, ExtractResult, Fields, SaveResult } from './types.ts';

type Ctx = ConversationContext;
type Change = Partial<Ctx>;

// Extraction gets at most this much held text; more is not a contact's details anyway.
const PENDING_TEXT_LIMIT = 4000;

export function initialContext(input: ConversationInput): Ctx {
  const phone = input.senderPhone ? normalizePhone(input.senderPhone) : null;
  const channelPhone = phone?.ok ? phone.value : null;
  const context: Ctx = {
    mode: input.mode,
    channel: input.channel,
    chatId: input.chatId,
    senderId: input.senderId,
    channelPhone,
    attendantUserId: input.attendantUserId ?? null,
    timeoutMin: input.timeoutMin,
    status: 'active',
    stage: 'start',
    consentAt: null,
    fields: {},
    origins: {},
    rejected: {},
    asking: null,
    attempts: 0,
    emailAsked: false,
    pendingText: null,
    duplicate: null,
    updateId: null,
    contactId: null,
    protocol: null,
    lastActivityAt: input.now,
    turn: 'start',
    seq: 0,
    outbox: [],
  };
  return { ...context, ...resetForm(context) };
}

export function say(context: Ctx, ...texts: string[]): Change {
  const start = context.outbox.length;
  return { outbox: [...context.outbox, ...texts.map((text, i) => ({ key: `${context.turn}:${start + i}`, text }))] };
}

/** Every external event starts a turn: its own reply keys, an empty outbox. */
export function beginTurn(context: Ctx, turn: string | null, at: string | null): Change {
  const seq = context.seq + 1;
  return { seq, turn: turn ?? `event-${seq}`, outbox: [], ...(at ? { lastActivityAt: at } : {}) };
}

export function isLate(context: Ctx, at: string): boolean {
  const elapsed = Date.parse(at) - Date.parse(context.lastActivityAt);
  return context.timeoutMin > 0 && elapsed > context.timeoutMin * 60_000;
}

/** The form as at the start: in contact mode the channel's phone is already known. */
export function resetForm(context: Ctx): Change {
  const fields: Fields = context.mode === 'contact' && context.channelPhone ? { phone: context.channelPhone } : {};
  const origins = traceOrigins({ ...context, origins: {} }, {}, fields, () => 'channel');
  return { fields, origins, rejected: {}, asking: null, attempts: 0, emailAsked: false, pendingText: null, duplicate: null, updateId: null };
}

/** What a finished conversation keeps: nothing personal unless it was saved. */
export function forget(): Change {
  return { fields: {}, origins: {}, rejected: {}, pendingText: null, duplicate: null, channelPhone: null };
}

/** Holds text worth extracting; greetings carry no data and are dropped. */
export function rememberText(context: Ctx, text: string): Change {
  if (!text.trim() || isGreetingOnly(text)) return {};
  const joined = context.pendingText ? `${context.pendingText}\n${text.trim()}` : text.trim();
  return { pendingText: joined.slice(0, PENDING_TEXT_LIMIT) };
}

export function nextMissing(context: Ctx): FieldName | null {
  return REQUIRED_FIELDS.find((field) => !context.fields[field]) ?? null;
}

export const shouldAskEmail = (context: Ctx) => !context.fields.email && !context.emailAsked;

export function pickField(context: Ctx, field: FieldName): Change {
  return field === context.asking ? {} : { asking: field, attempts: 0 };
}

/** The question for the field being asked, told why when extraction found an invalid value. */
export function askCurrent(context: Ctx): Change {
  const field = context.asking;
  if (!field) return {};
  const code = context.rejected[field];
  const { [field]: _told, ...rejected } = context.rejected;
  const text = code ? catalog.reask(field, context.mode, code) : catalog.question(field, context.mode);
  return { ...say(context, text), rejected };
}

function withValues(context: Ctx, values: Fields, cleared: FieldName[] = []): Fields {
  const fields = { ...context.fields, ...values };
  for (const field of cleared) delete fields[field];
  return fields;
}

export function storeAnswer(context: Ctx, text: string): Change {
  const reading = context.asking ? readAnswer(context.asking, text) : null;
  if (!reading?.ok) return {};
  const fields = withValues(context, reading.fields);
  return { fields, origins: traceOrigins(context, context.fields, fields, () => typedSource(context)), emailAsked: context.emailAsked || context.asking === 'email', attempts: 0 };
}

export function refuseAnswer(context: Ctx, text: string): Change {
  const field = context.asking;
  if (!field) return {};
  const reading = readAnswer(field, text);
  const code = reading.ok ? 'empty' : reading.code;
  const attempts = context.attempts + 1;
  // SPEC §6.3: after 3 invalid answers, offer a person or cancelling.
  const reply = attempts >= 3 ? catalog.stuckOffer(field, code) : catalog.reask(field, context.mode, code);
  return { ...say(context, reply), attempts };
}

/**
 * In contact mode a phone the channel vouches for is the person's own: it is what lets them
 * update an existing record, so a typed one never replaces it (it could be anyone's).
 */
export const phoneLocked = (context: Ctx) => context.mode === 'contact' && context.channelPhone !== null;

/** Whether this conversation may see and update an existing contact with its phone. */
export const mayUpdate = (context: Ctx) => context.mode === 'attendant' || (context.channelPhone !== null && context.channelPhone === context.fields.phone);

interface Accepted {
  fields: Fields;
  changed: FieldName[];
  refused: [FieldName, string][];
  /** A different phone was offered where the channel's own is locked. */
  phoneKept: boolean;
}

/** Extracted values are validated like typed ones; refused ones count as missing. */
function acceptFound(context: Ctx, result: Pick<ExtractResult, 'found' | 'invalid'>): Accepted {
  const fields = { ...context.fields };
  const changed: FieldName[] = [];
  const refused: [FieldName, string][] = [];
  let phoneKept = false;
  for (const field of FIELD_NAMES) {
    const raw = result.found[field];
    if (typeof raw !== 'string' || !raw.trim()) continue;
    const checked = normalizeField(field, raw);
    if (!checked.ok) refused.push([field, checked.code]);
    else if (field === 'phone' && phoneLocked(context) && checked.value !== context.channelPhone) phoneKept = true;
    else if (fields[field] !== checked.value) {
      fields[field] = checked.value;
      changed.push(field);
    }
  }
  for (const invalid of result.invalid) {
    const field = FIELD_NAMES.find((f) => f === invalid.field);
    if (field && !changed.includes(field) && !refused.some(([f]) => f === field) && !(field === 'phone' && phoneLocked(context))) refused.push([field, invalid.code]);
  }
  return { fields, changed, refused, phoneKept };
}

/**
 * What the rules read in the held text (SPEC §11, issue 14). They run on every message before
 * the model: rules only read what is literally there, so they cannot invent.
 */
export const ruleFields = (context: Ctx): Fields => salvageFields(context.pendingText ?? '').fields;

/** The rules read every field, e-mail included: the model has nothing left to add (it is not asked). */
export const rulesReadAll = (context: Ctx) => {
  const rules = ruleFields(context);
  return FIELD_NAMES.every((field) => context.fields[field] || rules[field]);
};

/**
 * One precedence, field by field: a value already known (typed answer, channel) > a rule value
 * > a grounded model value (the extractor has already dropped what the text does not support).
 */
export function mergeExtraction(context: Ctx, result: ExtractResult): Change {
  const rules = ruleFields(context);
  const found = { ...result.found };
  for (const field of FIELD_NAMES) if (rules[field] && !context.fields[field]) found[field] = rules[field];
  // A value the model made up (not in the text) was never the person's: it is simply asked,
  // not refused as if they had typed it wrong.
  const invalid = result.invalid.filter((i) => !(i.field in rules) && i.code !== NOT_IN_TEXT);
  const { fields, refused } = acceptFound(context, { found, invalid });
  const rejected = { ...context.rejected };
  for (const [field, code] of refused) if (!fields[field]) rejected[field] = code;
  const origins = traceOrigins(context, context.fields, fields, (field) => (fields[field] === rules[field] ? 'rule' : modelSource(result.model)));
  return { fields, origins, rejected, pendingText: null };
}

const NOT_IN_TEXT = 'not_in_text';

const asResult = (parsed: ParsedFields): ExtractResult => ({ found: parsed.fields, missing: [], invalid: parsed.invalid });

/** Extraction unavailable: keep what the text itself tells, then ask the rest one by one. */
export function salvageText(context: Ctx): Change {
  const salvaged = salvageFields(context.pendingText ?? '');
  const merged = mergeExtraction(context, asResult(salvaged));
  const next = { ...context, ...merged };
  // The rules found something: go on asking only what is missing, no apology. Only a message
  // the rules could not read at all gets the "one field at a time" notice.
  const foundAny = Object.keys(salvaged.fields).length > 0;
  return nextMissing(next) && !foundAny ? { ...merged, ...say(next, catalog.extractionUnavailable()) } : merged;
}

function reportCorrection(context: Ctx, parsed: Accepted, cleared: FieldName[], nothing: string, sourceOf: (field: FieldName) => string): Change {
  const next = { ...context, fields: withValues(context, parsed.fields, cleared), pendingText: null };
  const notes = parsed.refused.map(([field, code]) => fieldError(field, code));
  if (parsed.phoneKept && context.channelPhone) notes.push(catalog.phoneKept(context.channelPhone));
  if (notes.length === 0 && parsed.changed.length === 0 && cleared.length === 0) notes.push(nothing);
  // Staff correcting in a chat is the attendant's word, however the text was read.
  const source = (field: FieldName) => (context.mode === 'attendant' ? 'attendant' : sourceOf(field));
  return { fields: next.fields, origins: traceOrigins(context, context.fields, next.fields, source), pendingText: null, ...say(next, ...notes) };
}

/** A `campo: valor` correction (no LLM). */
export function applyLabelled(context: Ctx, text: string): Change {
  const parsed = parseFieldPairs(text) ?? { fields: {}, invalid: [], cleared: [] };
  const cleared = parsed.cleared.filter((field) => context.fields[field]);
  return reportCorrection(context, acceptFound(context, asResult(parsed)), cleared, catalog.correctionNotUnderstood(), () => typedSource(context));
}

/** A correction in plain words: the rules' reading wins over the model's, as in mergeExtraction. */
export function mergeCorrection(context: Ctx, result: ExtractResult): Change {
  const rules = ruleFields(context);
  const found = { ...result.found, ...rules };
  const invalid = result.invalid.filter((i) => !(i.field in rules) && i.code !== NOT_IN_TEXT);
  const accepted = acceptFound(context, { found, invalid });
  return reportCorrection(context, accepted, [], catalog.correctionNotUnderstood(), (field) => (accepted.fields[field] === rules[field] ? 'rule' : modelSource(result.model)));
}

export function salvageCorrection(context: Ctx): Change {
  const parsed = acceptFound(context, asResult(salvageFields(context.pendingText ?? '')));
  return reportCorrection(context, parsed, [], catalog.correctionUnavailable(), () => 'rule');
}

/**
 * The save's idempotency key: the turn that decided to save (the SIM or ATUALIZAR message).
 * A retry of that message, or a restore with the save in flight, asks for the same save.
 */
export const saveKey = (context: Ctx) => `save:${context.turn}`;

export function recordSaved(context: Ctx, result: SaveResult): Change {
  // An update request is not this conversation's contact: the reply reads as for a new one.
  return {
    contactId: result.pending ? null : result.id,
    protocol: result.protocol,
    duplicate: null,
    ...say(context, catalog.saved(context.mode, result.protocol, !!context.updateId)),
  };
}

/** The question the person is expected to answer now (after help, media, a resume). */
export function currentPrompt(context: Ctx): string[] {
  switch (context.stage) {
    case 'consent':
      return [catalog.consentReask()];
    case 'intro':
      return [catalog.intro(context.mode)];
    case 'field':
      return context.asking ? [catalog.question(context.asking, context.mode)] : [];
    case 'confirm':
      return [catalog.summary(context.fields, context.mode)];
    case 'duplicate':
      return [catalog.duplicateReask()];
    default:
      return [];
  }
}

/** The duplicate notice names the owner only to staff or to the phone's own verified sender. */
export function duplicateNotice(context: Ctx): string {
  const duplicate = context.duplicate;
  if (!duplicate) return catalog.duplicateReask();
  const mayName = context.mode === 'attendant' || (context.channelPhone !== null && context.channelPhone === context.fields.phone);
  return catalog.duplicateNotice(duplicate.createdAt, mayName ? duplicate.name : null);
}
