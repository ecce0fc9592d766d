// Test doubles and a chat driver for the conversation machine's tests. The fakes are plain:
// an extractor answering from a table (or failing, or hanging), and a contact store keyed by
// phone with idempotent saves. The driver can persist the actor after every turn, put the
// snapshot through JSON and restore it with fresh actors, as the runner does between turns.
import { type AnyActorRef, createActor, type SnapshotFrom, waitFor } from 'xstate';
import { conversationMachine } from './machine.ts';
import { conversationActors } from './machine-setup.ts';
import type {
  ConversationInput,
  ConversationServices,
  DuplicateContact,
  DuplicateInput,
  ExtractInput,
  ExtractResult,
  Fields,
  Reply,
  SaveInput,
  SaveResult,
} from './types.ts';

type Snapshot = SnapshotFrom<typeof conversationMachine>;
const REQUIRED = ['name', 'phone', 'reason'] as const;

/** A promise that never settles: the worker died while waiting on it. */
const never = <T>() => new Promise<T>(() => {});

export class FakeExtractor {
  readonly calls: ExtractInput[] = [];
  down = false;
  /** The next N calls never settle (a crash in the middle of extraction). */
  hang = 0;

  /** Phrases it knows, and what each one tells. */
  constructor(private readonly answers: Record<string, { found: ExtractResult['found']; invalid?: ExtractResult['invalid'] }> = {}) {}

  async extract(input: ExtractInput): Promise<ExtractResult> {
    this.calls.push(structuredClone(input));
    if (this.hang > 0) {
      this.hang--;
      return never();
    }
    if (this.down) throw new Error('LLM unavailable');
    // Like a model, it reads every phrase it knows wherever it appears in the text.
    const known = Object.entries(this.answers).filter(([phrase]) => input.text.includes(phrase));
    // Like the real extractor (src/extraction/field-merge.ts): known values win over the text.
    const found = Object.assign({}, ...known.map(([, answer]) => answer.found), input.known);
    return { found, missing: REQUIRED.filter((f) => !found[f]), invalid: known.flatMap(([, answer]) => answer.invalid ?? []), model: 'fake:1b' };
  }
}

export interface StoredContact extends SaveInput {
  id: string;
  createdAt: string;
}

export class FakeContacts {
  readonly contacts = new Map<string, StoredContact>();
  readonly saveCalls: SaveInput[] = [];
  /** Submissions kept for staff (a typed phone that is another contact's). */
  readonly requests = new Map<string, SaveInput>();
  readonly duplicateCalls: DuplicateInput[] = [];
  private readonly byKey = new Map<string, SaveResult>();
  /** The next N saves commit, then never answer (a crash after the database commit). */
  hangAfterCommit = 0;
  hangDuplicateCheck = 0;
  /** The next N calls reject (the database is down). */
  failDuplicateChecks = 0;
  failSaves = 0;

  add(contact: { id: string; name: string; phone: string; createdAt: string }): void {
    this.contacts.set(contact.id, {
      id: contact.id,
      createdAt: contact.createdAt,
      fields: { name: contact.name, phone: contact.phone, reason: 'cadastro antigo' },
      mode: 'contact',
      consentAt: null,
      attendantUserId: null,
      idempotencyKey: 'seed',
    });
  }

  async findDuplicate(input: DuplicateInput): Promise<DuplicateContact | null> {
    this.duplicateCalls.push(input);
    if (this.failDuplicateChecks > 0) {
      this.failDuplicateChecks--;
      throw new Error('database unavailable');
    }
    if (this.hangDuplicateCheck > 0) {
      this.hangDuplicateCheck--;
      return never();
    }
    // What the real check does: a contact saved under this key is the conversation's own.
    if (this.byKey.has(input.idempotencyKey) && !this.byKey.get(input.idempotencyKey)?.pending) return null;
    const match = [...this.contacts.values()].find((c) => c.fields.phone === input.phone);
    return match ? { id: match.id, name: match.fields.name ?? '', createdAt: match.createdAt } : null;
  }

  async save(input: SaveInput): Promise<SaveResult> {
    this.saveCalls.push(structuredClone(input));
    if (this.failSaves > 0) {
      this.failSaves--;
      throw new Error('database unavailable');
    }
    const prior = this.byKey.get(input.idempotencyKey);
    if (prior) return prior;
    if (input.requestFor) {
      const id = `r${this.requests.size + 1}`;
      this.requests.set(id, structuredClone(input));
      const result = { id, protocol: `P-${id.toUpperCase()}`, pending: true };
      this.byKey.set(input.idempotencyKey, result);
      return result;
    }
    const id = input.update ?? `c${this.contacts.size + 1}`;
    const createdAt = this.contacts.get(id)?.createdAt ?? '2026-01-05T12:00:00.000Z';
    this.contacts.set(id, { ...structuredClone(input), id, createdAt });
    const result = { id, protocol: `P-${id.toUpperCase()}` };
    this.byKey.set(input.idempotencyKey, result);
    if (this.hangAfterCommit > 0) {
      this.hangAfterCommit--;
      return never();
    }
    return result;
  }
}

export class Fakes {
  constructor(
    readonly extractor = new FakeExtractor(),
    readonly contacts = new FakeContacts(),
  ) {}

  /** The machine's contract implemented by the fakes. */
  services(): ConversationServices {
    return {
      extractContact: (input) => this.extractor.extract(input),
      findDuplicate: (input) => this.contacts.findDuplicate(input),
      saveContact: (input) => this.contacts.save(input),
    };
  }
}

export interface ChatOptions {
  mode?: 'contact' | 'attendant';
  senderPhone?: string;
  attendantUserId?: string;
  timeoutMin?: number;
  /** Persist, JSON round trip and restore with fresh actors after every turn. */
  restoreEachStep?: boolean;
  fakes?: Fakes;
  /** Other implementations of the contract (the real actors on a database); the fakes' by default. */
  services?: ConversationServices;
}

const START = Date.parse('2026-01-05T12:00:00.000Z');

const inFlight = (snapshot: Snapshot) =>
  Object.values(snapshot.children as Record<string, AnyActorRef | undefined>).some((child) => child?.getSnapshot().status === 'active');

/** One chat with the bot, as the runner drives it: one event per turn, replies collected. */
export class Chat {
  readonly fakes: Fakes;
  readonly input: ConversationInput;
  readonly transcript: string[][] = [];
  replies: Reply[] = [];
  restores = 0;
  private actor;
  private clock = START;
  private messages = 0;

  constructor(private readonly options: ChatOptions = {}) {
    this.fakes = options.fakes ?? new Fakes();
    this.input = {
      mode: options.mode ?? 'contact',
      channel: 'web',
      chatId: 'chat-1',
      senderId: 'sender-1',
      ...(options.senderPhone ? { senderPhone: options.senderPhone } : {}),
      ...(options.attendantUserId ? { attendantUserId: options.attendantUserId } : {}),
      now: new Date(START).toISOString(),
      timeoutMin: options.timeoutMin ?? 30,
    };
    this.actor = createActor(this.logic(), { input: this.input });
    this.actor.start();
  }

  logic() {
    const services = this.options.services ?? this.fakes.services();
    return conversationMachine.provide({ actors: conversationActors(() => services) });
  }

  /** Sends a message (one minute after the previous one unless told) and returns the reply texts. */
  async say(text: string, options: { afterMin?: number; kind?: string; messageId?: string } = {}): Promise<string[]> {
    this.clock += (options.afterMin ?? 1) * 60_000;
    const messageId = options.messageId ?? `m${++this.messages}`;
    return this.turn({ type: 'message', text, messageId, at: new Date(this.clock).toISOString(), ...(options.kind ? { kind: options.kind } : {}) });
  }

  resume(options: { restart?: boolean } = {}): Promise<string[]> {
    return this.turn({ type: 'resume', ...(options.restart ? { restart: true } : {}) });
  }

  takeover(): Promise<string[]> {
    return this.turn({ type: 'takeover' });
  }

  expire(): Promise<string[]> {
    return this.turn({ type: 'expire' });
  }

  /** Sends without waiting for invoked actors: for snapshots taken mid-flight. */
  sendNoWait(text: string, messageId: string): void {
    this.clock += 60_000;
    this.actor.send({ type: 'message', text, messageId, at: new Date(this.clock).toISOString() });
  }

  private async turn(event: Parameters<typeof this.actor.send>[0]): Promise<string[]> {
    this.actor.send(event);
    const settled = await this.settle();
    this.replies = [...settled.context.outbox];
    const texts = this.replies.map((r) => r.text);
    this.transcript.push(texts);
    if (this.options.restoreEachStep) this.restore();
    return texts;
  }

  async settle(): Promise<Snapshot> {
    const snapshot = await waitFor(this.actor, (s) => s.status !== 'active' || !inFlight(s), { timeout: 2000 });
    if (snapshot.status === 'error') throw snapshot.error;
    return snapshot;
  }

  /** The persisted snapshot after a JSON round trip, as a database would hand it back. */
  persisted(): unknown {
    return JSON.parse(JSON.stringify(this.actor.getPersistedSnapshot()));
  }

  /** Stops this actor and continues from its persisted snapshot with fresh actors. */
  restore(snapshot: unknown = this.persisted()): void {
    this.actor.stop();
    this.actor = createActor(this.logic(), { snapshot: snapshot as Snapshot, input: this.input });
    this.actor.start();
    this.restores++;
  }

  get snapshot(): Snapshot {
    return this.actor.getSnapshot();
  }

  get context() {
    return this.snapshot.context;
  }

  get fields(): Fields {
    return this.context.fields;
  }

  /** "active.asking", "handoff", "saved"… */
  get state(): string {
    const value = this.snapshot.value as string | Record<string, string>;
    return typeof value === 'string' ? value : Object.entries(value).map(([k, v]) => `${k}.${v}`)[0] ?? '';
  }

  get done(): boolean {
    return this.snapshot.status === 'done';
  }
}
