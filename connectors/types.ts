// The contract between the core and every chat channel. A connector turns provider events
// into InboundMessages (handing them to the intake it gets at start), sends text replies and
// reports its health. Optional members mark optional capabilities: a channel that has no
// HTTP endpoints simply has no `routes` — there are no "not supported" stubs.
import type { ReplyOption } from '../fsm/reply-options.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Prisma } from '../src/generated/prisma/client.ts';
import type { Logger } from '../src/observability/logger.ts';

/** What the message was: text, or an unsupported media kind (then `text` is empty). */
export type InboundKind = 'text' | 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'location' | 'contact' | 'other';

/** One message from a chat, in the same shape for every channel (SPEC §4). */
export interface InboundMessage {
  /** web | whatsapp | whatsapp-cloud | telegram | … */
  channel: string;
  /** Which bot received it (bot number, bot id); a channel with one bot uses a constant. */
  accountId: string;
  /** The provider's message id: the dedupe key together with channel and accountId. */
  messageId: string;
  chatId: string;
  sender: {
    id: string;
    /** E.164, when the channel tells it. */
    phone?: string;
    displayName?: string;
    /** The sender's handle where the channel has one: Telegram "@name", lower-cased. Staff may
     * be registered by it (chat identities). */
    username?: string;
  };
  text: string;
  kind: InboundKind;
  timestamp: Date;
  /** The provider payload; kept only in debug mode. */
  raw?: unknown;
  /**
   * Set only when the connector itself authenticated the sender as a staff user (a web chat
   * session opened with an attendant's access token). Other channels recognize staff by
   * their chat identities instead.
   */
  staffUserId?: string;
  /**
   * A voice note the channel can fetch on request: the core downloads it through the
   * connector's `downloadMedia`, transcribes it and drops it before the message is stored —
   * audio is never written anywhere (SPEC §11). Not kept in the inbox.
   */
  media?: InboundMedia;
}

/** Where a channel's audio is, as the provider announced it (sizes and durations may be absent). */
export interface InboundMedia {
  /** Opaque to the core: a Cloud API media id, a Telegram file_id, a Baileys message. */
  ref: unknown;
  mimeType?: string;
  sizeBytes?: number;
  durationSec?: number;
}

/** What the intake answered for one message. */
export interface IntakeOutcome {
  accepted: boolean;
  duplicate: boolean;
}

/** The part of the core a connector talks to. */
export interface Intake {
  /** Stores the messages durably (or recognizes them as seen) before resolving. Never waits
   * on the LLM. Rejects with UnavailableError (src/domain/errors.ts) when they cannot be stored. */
  receive(messages: InboundMessage[]): Promise<IntakeOutcome[]>;
}

/** A delivery status the provider reported for a message we sent (Cloud API statuses…). */
export interface DeliveryStatusUpdate {
  channel: string;
  /** The id the provider gave the sent message (SendReceipt.providerMessageId). */
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  at: Date;
  /** Provider error code/title when failed; no message text, no PII. */
  error?: string;
}

export interface DeliveryStatusSink {
  /** Records the status on the outbound message it belongs to; statuses may arrive out of
   * order and only a later stage overwrites an earlier one. Resolves false when no sent
   * message has that provider id (not ours, or already erased). */
  record(update: DeliveryStatusUpdate): Promise<boolean>;
}

export interface ConnectorContext {
  intake: Intake;
  /** Where a channel reports delivery statuses of sent messages. */
  deliveryStatus: DeliveryStatusSink;
  logger: Logger;
  /** Whether this process runs workers (ROLE=all|worker); e.g. only then hold a socket. */
  runsWorkers: boolean;
}

export interface ConnectorHealth {
  status: 'up' | 'degraded' | 'down';
  detail?: string;
}

export interface ConnectorSendErrorOptions {
  /** Not deliverable from this process, but another replica can deliver it (e.g. the one
   * holding the channel's only socket): the reply is handed back for that replica to pick up,
   * soon, and the try does not count as a failed attempt. Implies transient. */
  elsewhere?: boolean;
}

/** Why a send failed, and whether trying again later may help. */
export class ConnectorSendError extends Error {
  /** See ConnectorSendErrorOptions.elsewhere. */
  readonly elsewhere: boolean;

  constructor(
    readonly channel: string,
    readonly code: string,
    message: string,
    /** true: network trouble, 5xx, rate limit — retry with backoff. false: give up. */
    readonly transient: boolean,
    /** Provider asked to wait this long before retrying (429 Retry-After). */
    readonly retryAfterMs?: number,
    options: ConnectorSendErrorOptions = {},
  ) {
    super(message);
    this.name = 'ConnectorSendError';
    this.elsewhere = options.elsewhere ?? false;
  }
}

/** Hints for a reply, so a channel can add a native control to it. */
export interface SendOptions {
  /** The reply asks for this field (name | phone | email | reason)… */
  asks?: string;
  /** …in this conversation mode: contact (the person themself) | attendant (staff). */
  mode?: string;
  /** The fixed answers the reply expects (SPEC §11): a channel renders them as it can
   * (buttons, chips, a numbered list). Typed text is always accepted too, and typing a
   * title does the same as choosing it. */
  options?: ReplyOption[];
}

/** What a provider told about a sent message. */
export interface SendReceipt {
  /** Its id at the provider (wamid, Telegram message_id, Baileys key id): statuses refer to it. */
  providerMessageId?: string;
}

/** A chat whose address belongs to a person being erased, and the pseudonym that replaces it. */
export interface ErasedChat {
  channel: string;
  accountId: string;
  chatId: string;
  pseudonym: string;
}

/**
 * What the core erases (LGPD erasure of a contact) or purges (declined/cancelled
 * conversations, retention): a connector's own tables follow the same scope.
 */
export interface ErasureMatch {
  /** Conversations whose texts are dropped: replies a channel keeps must go too. */
  conversationIds: string[];
  /** The person's own chats, now known by a pseudonym in the core tables (may be empty). */
  chats: ErasedChat[];
  /** The erased person's phone (E.164) and e-mail, when the scope is a person (erasure). */
  phone?: string;
  email?: string | null;
}

export interface Connector {
  readonly channel: string;
  start(context: ConnectorContext): Promise<void>;
  stop(): Promise<void>;
  /**
   * Delivers a text to a chat. `idempotencyKey` is the same on every retry of one reply: a
   * connector whose provider accepts one uses it, the others may use it to drop repeats.
   * Throws ConnectorSendError (anything else counts as transient).
   */
  sendText(chatId: string, text: string, idempotencyKey: string, options?: SendOptions): Promise<SendReceipt | void>;
  health(): Promise<ConnectorHealth>;
  /**
   * true when sending the same reply again (same idempotency key), from any process, reaches
   * the person at most once (the web chat's mailbox has the key as a unique column). A reply
   * left unmarked by a worker that died is then resent at once; without it, the sender waits
   * for the dead worker's claim to lapse, since a send may still be in flight.
   */
  readonly idempotentDelivery?: boolean;

  // Optional capabilities.
  /** HTTP endpoints of the channel (webhooks, the web chat API); registered on the server. */
  routes?: FastifyPluginAsyncZod;
  /**
   * Removes or pseudonymizes what the channel keeps in its own tables about `match`, inside
   * the core's transaction (all or nothing). Only channels that store personal data have it.
   */
  eraseSubject?(match: ErasureMatch, tx: Prisma.TransactionClient): Promise<void>;
  /**
   * Fetches the bytes of an inbound message's media through the provider's media API, in
   * memory; rejects with MediaTooLargeError past `maxBytes` and stops when `signal` aborts.
   */
  downloadMedia?(media: InboundMedia, limits: MediaLimits): Promise<Uint8Array>;
  /** Shows the person that their message was read and is being answered (see ChannelPresence). */
  turnPresence?: ChannelPresence;
}

/** The messages a turn is answering, as a channel's presence hook needs them. */
export interface TurnPresenceTarget {
  accountId: string;
  chatId: string;
  /** Who wrote them (in a group, a read receipt names the member). */
  senderId: string;
  /** The provider's ids of the messages the turn answers, oldest first (several for a burst). */
  messageIds: string[];
}

/** A turn's "digitando…" as shown by a channel; `stop()` when the turn is committed or failed. */
export interface TurnPresence {
  stop(): void;
}

/**
 * "Lido" and "digitando…" while a turn runs. A courtesy, never on the turn's path:
 * `turnStarted` returns at once, the provider calls run in the background, each bounded by its
 * own timeout, and `outcome` is told how each ended (the core counts and logs it). Never throws.
 */
export interface ChannelPresence {
  turnStarted(target: TurnPresenceTarget, outcome: (ok: boolean) => void): TurnPresence;
}

export interface MediaLimits {
  maxBytes: number;
  signal: AbortSignal;
}
