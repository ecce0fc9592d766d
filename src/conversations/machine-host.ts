// Runs one event through a conversation's machine: restore the actor from its persisted
// snapshot (or start it from its input), send the event, wait until every invoked actor
// (extraction, duplicate check, save) has finished, and hand back the new snapshot with the
// replies that event produced. Only settled snapshots are ever persisted: restoring one with
// a promise actor in flight would run that actor again (ENVIRONMENT.md).
import { type ReplyOption, replyOptions } from '../../fsm/reply-options.ts';
import type { FieldName, Stage, Status } from '../../fsm/types.ts';
import { isClosed } from './conversation-store.ts';
import { type AnyActorRef, type AnyMachineSnapshot, createActor, waitFor } from 'xstate';
import type { ConversationMachine } from '../../fsm/machine.ts';
import { conversationActors } from '../../fsm/machine-setup.ts';
import type { ConversationServices } from '../../fsm/types.ts';

type ActorSystemOf = AnyActorRef['system'];

// The machine's own contract (fsm/types.ts): what a conversation starts from, and the
// events the runner sends it, one per turn.
export type { ConversationInput, ExternalEvent as ConversationEvent } from '../../fsm/types.ts';
import type { ConversationInput, ExternalEvent as ConversationEvent } from '../../fsm/types.ts';
import { LruMap } from '../util/lru-map.ts';
import { withDeadline } from '../util/deadline.ts';

export interface TurnRequest<Scope> {
  /** The persisted snapshot; undefined for a new conversation. */
  snapshot?: unknown;
  input: ConversationInput;
  event: ConversationEvent;
  /** What the injected actors of this turn work for (conversation, callbacks). */
  scope: Scope;
  /**
   * Names `snapshot` (conversation id + version): when the turn that stored it ran in this
   * process, its actor is still alive and continues without a restore.
   */
  snapshotKey?: string;
}

export interface TurnResult {
  snapshot: unknown;
  /** The replies produced by this event, with deterministic keys. */
  outbox: { key: string; text: string }[];
  /** The machine's status (context.status), 'completed' once it reached a final state. */
  status: string;
  /** The field the conversation now waits for (context.asking while stage is 'field'). */
  asking: string | null;
  /** The fixed answers the turn's last reply offers (fsm/reply-options.ts). */
  options: ReplyOption[];
  /**
   * Must be called once the snapshot is stored (with the key it is stored under) or will not
   * be (without): keeps the settled actor for the conversation's next turn, or stops it.
   */
  release(storedAs?: string): void;
}

/**
 * The machine's side effects for one turn's scope, typed by the machine's own contract
 * (fsm/types.ts): a change on either side that the other does not follow fails to compile.
 */
export type ServicesFactory<Scope> = (scope: Scope) => ConversationServices;

export class TurnTimeoutError extends Error {
  constructor(ms: number) {
    super(`the conversation did not settle within ${ms} ms`);
    this.name = 'TurnTimeoutError';
  }
}

const inFlight = (snapshot: AnyMachineSnapshot) =>
  Object.values(snapshot.children as Record<string, AnyActorRef | undefined>).some((child) => child?.getSnapshot().status === 'active');

// Settled actors kept for their conversation's next turn. Restoring a snapshot re-creates
// every state node's actor and re-runs entry bookkeeping (~7 % of a turn's CPU in
// bench:turns); a chat's turns usually come to the worker that ran the previous one. A
// snapshot is stored under (conversation id, version), and versions only grow, so a live
// actor found under the key of the stored snapshot is exactly that snapshot, whatever other
// replicas did meanwhile.
const LIVE_ACTORS = 1_000;
/** Why a settled wait is let go: it just ended (nobody sees this reason). */
const SETTLED = Symbol('settled');

export class MachineHost<Scope> {
  private readonly logic: ConversationMachine;
  private readonly scopes = new WeakMap<ActorSystemOf, ConversationServices>();
  private readonly live = new LruMap<string, AnyActorRef>(LIVE_ACTORS, (_key, oldest) => oldest.stop());

  constructor(
    machine: ConversationMachine,
    private readonly services: ServicesFactory<Scope>,
    /** Longer than the worst case of extraction (all LLM retries) plus a save. */
    private readonly settleTimeoutMs: number,
  ) {
    // provide() rebuilds the whole state tree: once here, not once per turn. Each invoked
    // actor finds its turn's services through the actor system it runs in.
    this.logic = machine.provide({
      actors: conversationActors((system) => {
        const services = this.scopes.get(system);
        if (!services) throw new Error('actor started outside of a turn');
        return services;
      }),
    });
  }

  async run(request: TurnRequest<Scope>): Promise<TurnResult> {
    const kept = request.snapshot && request.snapshotKey ? this.take(request.snapshotKey) : undefined;
    const actor =
      kept ??
      (request.snapshot
        ? createActor(this.logic, { snapshot: request.snapshot as never, input: request.input })
        : createActor(this.logic, { input: request.input }));
    this.scopes.set(actor.system, this.services(request.scope));
    if (!kept) actor.start();
    try {
      // Settle any actor the restore re-ran before the new event arrives.
      if (!kept) await this.settle(actor);
      actor.send(request.event);
      const settled = await this.settle(actor);
      const context = settled.context as { outbox?: { key: string; text: string }[]; status?: string; stage?: string; asking?: string | null };
      const stage = { status: (context.status ?? 'active') as Status, stage: (context.stage ?? 'start') as Stage, asking: (context.asking ?? null) as FieldName | null };
      const status = context.status ?? 'active';
      const finished = settled.status !== 'active';
      return {
        snapshot: actor.getPersistedSnapshot(),
        outbox: [...(context.outbox ?? [])],
        // A final state whose context does not say how it ended still ends the conversation.
        status: settled.status === 'done' && !isClosed(status) ? 'completed' : status,
        asking: context.stage === 'field' ? (context.asking ?? null) : null,
        options: replyOptions(stage),
        release: (storedAs) => (storedAs && !finished ? this.keep(storedAs, actor) : actor.stop()),
      };
    } catch (err) {
      actor.stop();
      throw err;
    }
  }

  private take(key: string): AnyActorRef | undefined {
    const actor = this.live.get(key);
    if (actor) this.live.delete(key);
    return actor;
  }

  private keep(key: string, actor: AnyActorRef) {
    this.live.set(key, actor);
  }

  /** Stops the kept actors (shutdown). */
  clear(): void {
    for (const actor of this.live.values()) actor.stop();
    this.live.clear();
  }

  private async settle(actor: AnyActorRef): Promise<AnyMachineSnapshot> {
    let snapshot = actor.getSnapshot() as AnyMachineSnapshot;
    // Most events settle synchronously (no actor invoked): no wait, no timer, no signal.
    if (snapshot.status === 'active' && inFlight(snapshot)) {
      // Our own deadline (XState's timeout rejects with a plain Error told apart only by its
      // text); the signal then stops the wait, so nothing keeps watching the actor.
      const stop = new AbortController();
      const settled = waitFor(actor, (s: AnyMachineSnapshot) => s.status !== 'active' || !inFlight(s), { timeout: Infinity, signal: stop.signal });
      settled.catch(() => undefined); // rejected by the abort below once the deadline has won
      try {
        snapshot = await withDeadline(settled, this.settleTimeoutMs, () => new TurnTimeoutError(this.settleTimeoutMs));
      } finally {
        // A reason given: abort() without one builds a DOMException, stack and all (measured:
        // ~3 % of a turn's CPU in bench:turns).
        stop.abort(SETTLED);
      }
    }
    if (snapshot.status === 'error') throw snapshot.error instanceof Error ? snapshot.error : new Error(String(snapshot.error));
    return snapshot;
  }
}
