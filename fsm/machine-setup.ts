// The machine's vocabulary: its types, the three injected actors (placeholders that fail
// loudly until the runner provides the real ones), and named guards and actions built from
// the pure functions in guards.ts and actions.ts.
import { type AnyActorRef, assign, fromPromise, raise, setup } from 'xstate';
import * as change from './actions.ts';
import { catalog } from './catalog.ts';
import { commandOf, consentAnswer } from './commands.ts';
import { answerText, type GuardName, guards } from './guards.ts';
import { numberedAnswer } from './numbered-answers.ts';
import { isVoice, voiceEcho } from './voice.ts';
import type {
  ConversationContext,
  ConversationEvent,
  ConversationInput,
  ConversationServices,
  DuplicateContact,
  DuplicateInput,
  ExtractInput,
  ExtractResult,
  InternalEvent,
  SaveInput,
  SaveResult,
} from './types.ts';

type Ctx = ConversationContext;

const notProvided = <TOut, TIn>(name: string) =>
  fromPromise<TOut, TIn>(async () => {
    throw new Error(`the conversation machine needs the ${name} actor: pass it with machine.provide({ actors })`);
  });

/**
 * The injected actors, built from one implementation of the contract: `servicesOf` finds the
 * implementation for the actor system running (the runtime binds one per turn).
 */
export function conversationActors(servicesOf: (system: AnyActorRef['system']) => ConversationServices) {
  return {
    extractContact: fromPromise<ExtractResult, ExtractInput>(({ input, system }) => servicesOf(system).extractContact(input)),
    findDuplicate: fromPromise<DuplicateContact | null, DuplicateInput>(({ input, system }) => servicesOf(system).findDuplicate(input)),
    saveContact: fromPromise<SaveResult, SaveInput>(({ input, system }) => servicesOf(system).saveContact(input)),
  };
}

/** One meaning per message, decided before any state sees it (commands win everywhere). */
function classify(context: Ctx, event: ConversationEvent): InternalEvent {
  if (event.type !== 'message') return { type: 'answer', text: '' };
  if (change.isLate(context, event.at)) return { type: 'timeout', why: 'late-message' };
  // A shared card in contact mode is someone else's: never the person's own name or phone.
  if (event.kind === 'contact' && context.mode === 'contact') return { type: 'unsupported', card: true };
  if (!event.text.trim()) return isVoice(event) ? { type: 'unsupported', voice: true } : { type: 'unsupported' };
  const command = commandOf(event.text);
  if (command) return { type: `cmd.${command}` };
  return { type: 'answer', text: numberedAnswer(context, event.text) };
}

type GuardArgs = { context: Ctx; event: ConversationEvent };
const machineGuards = Object.fromEntries(
  Object.entries(guards).map(([name, guard]) => [name, ({ context, event }: GuardArgs) => guard(context, answerText(event))]),
) as Record<GuardName, (args: GuardArgs) => boolean>;

export const conversationSetup = setup({
  types: {
    context: {} as Ctx,
    events: {} as ConversationEvent,
    input: {} as ConversationInput,
  },
  actors: {
    extractContact: notProvided<ExtractResult, ExtractInput>('extractContact'),
    findDuplicate: notProvided<DuplicateContact | null, DuplicateInput>('findDuplicate'),
    saveContact: notProvided<SaveResult, SaveInput>('saveContact'),
  },
  guards: machineGuards,
  actions: {
    // Classify first: lateness is measured from the activity before this message.
    classify: raise(({ context, event }) => classify(context, event)),
    beginMessage: assign(({ context, event }) => {
      if (event.type !== 'message') return {};
      const begun = { ...context, ...change.beginTurn(context, event.messageId, event.at) };
      return { ...begun, ...voiceEcho({ ...begun, lastActivityAt: context.lastActivityAt }, event) };
    }),
    beginEvent: assign(({ context }) => change.beginTurn(context, null, null)),
    raiseResumed: raise(({ event }) => ({ type: 'resumed', ...(event.type === 'resume' && event.restart ? { restart: true } : {}) })),
    raiseTakeover: raise({ type: 'cmd.handoff' }),
    raiseExpire: raise({ type: 'timeout', why: 'expire' }),

    rememberText: assign(({ context, event }) => change.rememberText(context, answerText(event))),
    recordConsent: assign(({ context, event }) => {
      // The consent time is the arrival of the "sim", not the moment a worker handled it.
      return { consentAt: context.lastActivityAt, ...change.rememberText(context, consentAnswer(answerText(event)).rest) };
    }),
    resetForm: assign(({ context }) => change.resetForm(context)),
    forget: assign(() => change.forget()),
    pickMissing: assign(({ context }) => {
      const field = change.nextMissing(context);
      return field ? change.pickField(context, field) : {};
    }),
    pickEmail: assign(({ context }) => change.pickField(context, 'email')),
    askCurrent: assign(({ context }) => change.askCurrent(context)),
    storeAnswer: assign(({ context, event }) => change.storeAnswer(context, answerText(event))),
    skipEmail: assign(() => ({ emailAsked: true, attempts: 0 })),
    refuseAnswer: assign(({ context, event }) => change.refuseAnswer(context, answerText(event))),
    salvageText: assign(({ context }) => change.salvageText(context)),
    applyRules: assign(({ context }) => change.mergeExtraction(context, { found: {}, missing: [], invalid: [] })),
    applyLabelled: assign(({ context, event }) => change.applyLabelled(context, answerText(event))),
    rememberCorrection: assign(({ event }) => ({ pendingText: answerText(event).trim() })),
    salvageCorrection: assign(({ context }) => change.salvageCorrection(context)),
    clearDuplicate: assign(() => ({ duplicate: null, updateId: null })),
    chooseUpdate: assign(({ context }) => ({ updateId: context.duplicate?.id ?? null })),
    resetAttempts: assign(() => ({ attempts: 0 })),

    sayGreetingConsent: assign(({ context }) => change.say(context, catalog.greetingConsent())),
    sayConsentReask: assign(({ context }) => change.say(context, catalog.consentReask())),
    sayDeclined: assign(({ context }) => change.say(context, catalog.declined())),
    sayIntro: assign(({ context }) => change.say(context, catalog.intro(context.mode))),
    saySummary: assign(({ context }) => change.say(context, catalog.summary(context.fields, context.mode))),
    sayDuplicate: assign(({ context }) => change.say(context, change.duplicateNotice(context))),
    sayDuplicateReask: assign(({ context }) => change.say(context, catalog.duplicateReask())),
    sayCancelled: assign(({ context }) => change.say(context, catalog.cancelled())),
    sayRestart: assign(({ context }) => change.say(context, catalog.restart())),
    sayHelp: assign(({ context }) => change.say(context, catalog.help(context.mode))),
    sayHandoff: assign(({ context }) => change.say(context, catalog.handoff())),
    sayResumed: assign(({ context }) => change.say(context, catalog.resumed())),
    sayUnsupported: assign(({ context, event }) =>
      change.say(context, 'card' in event && event.card ? catalog.foreignCard() : 'voice' in event && event.voice ? catalog.voiceUnreadable() : catalog.unsupported()),
    ),
    sayCurrentPrompt: assign(({ context }) => change.say(context, ...change.currentPrompt(context))),
    sayExpired: assign(({ context, event }) => (event.type === 'timeout' ? change.say(context, catalog.expired(event.why)) : {})),
  },
});
