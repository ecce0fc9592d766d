// The conversation machine's contract with whoever runs it: what a conversation starts from,
// which events it takes, what the injected actors receive and return, and what its context
// records. Everything here is plain JSON, because the context is persisted after each event
// and restored by another worker (functions would silently vanish from a snapshot).
import type { FieldName } from '../src/contacts/fields.ts';

export type { FieldName };
export type Mode = 'contact' | 'attendant';
export type Fields = Partial<Record<FieldName, string>>;

/** What a conversation starts from (the runner's ConversationInput). */
export interface ConversationInput {
  mode: Mode;
  channel: string;
  chatId: string;
  senderId: string;
  /** E.164 phone the channel vouches for; prefills the phone in contact mode. */
  senderPhone?: string;
  attendantUserId?: string;
  /** ISO time the conversation starts (the first message's arrival). */
  now: string;
  /** CONVERSATION_TIMEOUT_MIN: inactivity past it expires the conversation. */
  timeoutMin: number;
}

/** Events the runner sends, one per turn. */
export type ExternalEvent =
  | { type: 'message'; text: string; messageId: string; at: string; kind?: string }
  /** Staff hand the conversation back; `restart` starts the field collection over. */
  | { type: 'resume'; restart?: boolean }
  /** A staff member takes the conversation over (handoff inbox `takeOver`). */
  | { type: 'takeover' }
  | { type: 'expire' };

/**
 * What the machine raises to itself after reading a message: one classification per message,
 * so commands, expiry and answers are decided in one place and the states only see meaning.
 */
export type InternalEvent =
  | { type: 'answer'; text: string }
  | { type: 'unsupported'; voice?: boolean; card?: boolean }
  | { type: 'cmd.cancel' }
  | { type: 'cmd.restart' }
  | { type: 'cmd.help' }
  | { type: 'cmd.handoff' }
  | { type: 'timeout'; why: 'late-message' | 'expire' }
  | { type: 'resumed'; restart?: boolean };

export type ConversationEvent = ExternalEvent | InternalEvent;

export interface InvalidValue {
  field: string;
  code: string;
  message: string;
}

export interface ExtractInput {
  text: string;
  known: Fields;
}

/** The extraction's answer; a rejection means "LLM unavailable". */
export interface ExtractResult {
  found: Partial<Record<FieldName, string | null>>;
  missing: string[];
  invalid: InvalidValue[];
  /** The model whose answer this is (`llm:<model>` provenance); absent when none was asked. */
  model?: string;
}

export interface DuplicateInput {
  phone: string;
  /**
   * The key the save that follows will carry. A contact already saved under it is this
   * conversation's own (a worker died after saving, before committing the turn), so it is
   * not a duplicate: answer null and let the save return it.
   */
  idempotencyKey: string;
}

export interface DuplicateContact {
  id: string;
  name: string;
  createdAt: string;
}

/**
 * Where a field's value came from in this chat (issue 14): `rule`, `llm:<model>`, `typed`,
 * `channel`, `attendant`; the inbound message it was read from and that message's time.
 */
export interface FieldOrigin {
  source: string;
  messageId: string | null;
  at: string;
}
export type Origins = Partial<Record<FieldName, FieldOrigin>>;

export interface SaveInput {
  fields: Fields;
  /** Per field, where it came from and who confirmed the summary ("person" or "attendant:<id>"). */
  provenance?: Partial<Record<FieldName, FieldOrigin & { confirmedBy: string | null }>>;
  mode: Mode;
  consentAt: string | null;
  attendantUserId: string | null;
  /** Update this existing contact (duplicate phone → ATUALIZAR) instead of creating one. */
  update?: string;
  /**
   * The phone is this existing contact's, and nothing proves it is the sender's (contact mode,
   * typed phone): keep the submission as an update request on it for staff to decide, and
   * change nothing.
   */
  requestFor?: string;
  /** Stable for one decision to save: a repeated run saves once. */
  idempotencyKey: string;
}

export interface SaveResult {
  /** The contact saved, or the update request kept (then `pending`). */
  id: string;
  /** What the person may quote: a random code, never derived from an id. */
  protocol: string;
  /** Kept as an update request for staff: no contact of this conversation's own. */
  pending?: boolean;
}

/**
 * The side effects the machine invokes (as promise actors of the same names), typed once
 * here: the runtime implements this interface, so the compiler catches any drift between
 * what the machine sends and what production does. All must be safe to run twice.
 */
export interface ConversationServices {
  /** A rejection means "LLM unavailable": the machine asks field by field. */
  extractContact(input: ExtractInput): Promise<ExtractResult>;
  /** null for a free phone, and for a contact already saved under `idempotencyKey`. */
  findDuplicate(input: DuplicateInput): Promise<DuplicateContact | null>;
  /** The same key returns the same result. */
  saveContact(input: SaveInput): Promise<SaveResult>;
}

export interface Reply {
  /** Deterministic: the same event from the same snapshot yields the same keys. */
  key: string;
  text: string;
}

/** What the person is expected to answer; lets help and resume repeat the right question. */
export type Stage = 'start' | 'consent' | 'intro' | 'field' | 'confirm' | 'duplicate' | 'busy' | 'closed';

export type Status = 'active' | 'handoff' | 'saved' | 'cancelled' | 'declined' | 'expired';

export interface ConversationContext {
  mode: Mode;
  channel: string;
  chatId: string;
  senderId: string;
  /** The channel's phone, valid E.164 or null. */
  channelPhone: string | null;
  attendantUserId: string | null;
  timeoutMin: number;
  status: Status;
  stage: Stage;
  consentAt: string | null;
  fields: Fields;
  /** Where each field's value came from; absent in snapshots from before it was kept. */
  origins?: Origins;
  /** Why an extracted value was refused, told when that field is asked. */
  rejected: Partial<Record<FieldName, string>>;
  /** The field being asked and how many invalid answers it got. */
  asking: FieldName | null;
  attempts: number;
  emailAsked: boolean;
  /** Text waiting for extraction (the first free text, or a correction). */
  pendingText: string | null;
  duplicate: DuplicateContact | null;
  updateId: string | null;
  contactId: string | null;
  protocol: string | null;
  lastActivityAt: string;
  /** Prefix of this turn's reply keys: the message id, or `<event>-<seq>`. */
  turn: string;
  seq: number;
  /** The replies produced by the last event only. */
  outbox: Reply[];
}
