// The shapes of the conversation runtime's rows (inbox messages, conversations, a turn's
// commit), shared by ConversationStore (conversation-store.ts, which holds the statements) and
// the runtime that works with them.
import type { ChatRef } from './chat-ref.ts';

export interface InboxRow {
  id: bigint;
  channel: string;
  accountId: string;
  messageId: string;
  chatId: string;
  senderId: string;
  senderPhone: string | null;
  senderUsername: string | null;
  staffUserId: string | null;
  kind: string;
  text: string;
  receivedAt: Date;
}

export interface ConversationRow {
  id: string;
  channel: string;
  accountId: string;
  chatId: string;
  mode: string;
  status: string;
  senderId: string;
  attendantUserId: string | null;
  contactId: string | null;
  snapshot: unknown;
  version: number;
  lastActivityAt: Date;
  closedAt: Date | null;
  createdAt: Date;
}

/** What replaces a snapshot whose collected fields are gone. */
export const PURGED_SNAPSHOT = { purged: true } as const;

/** A conversation as staff see it: no snapshot, with who holds its handoff. */
export interface ConversationRecord extends Omit<ConversationRow, 'snapshot' | 'version'> {
  handoffAt: Date | null;
  claimedBy: string | null;
  claimedAt: Date | null;
}

export interface ConversationFilters {
  status?: string;
  channel?: string;
  mode?: 'contact' | 'attendant';
}

/** The machine's end states (fsm/types.ts Status), plus 'completed' for a final state without one. */
export const CLOSED_STATUSES = ['saved', 'cancelled', 'declined', 'expired', 'completed'] as const;
export const isClosed = (status: string) => (CLOSED_STATUSES as readonly string[]).includes(status);

export interface ConversationState {
  id: string;
  /** undefined: not stored yet (the turn creates it). */
  version?: number;
  mode: 'contact' | 'attendant';
  senderId: string;
  attendantUserId: string | null;
  createdAt: Date;
}

export interface TurnCommit {
  chat: ChatRef;
  inboxId: bigint;
  /** The later rows of a burst answered by the same turn, marked processed with `inboxId`. */
  burstIds?: bigint[];
  conversation: ConversationState;
  snapshot: unknown;
  status: string;
  contactId?: string | null;
  /** When it was handled (processed mark). */
  at: Date;
  /** When the message arrived: the conversation's last activity, for expiry. */
  activityAt: Date;
  replies: { key: string; text: string }[];
  /** An open conversation this turn found expired: closed in the same transaction. */
  expire?: { id: string; version: number };
  /** Set when this worker sends the replies itself right after the commit. */
  claimUntil?: Date | null;
}
