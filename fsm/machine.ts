// The conversation of SPEC §6 as one XState machine. The runner restores it from a persisted
// snapshot, sends ONE event (a message, `resume` after a handoff, or `expire`), waits for the
// invoked actors to settle and reads `context.outbox`: the replies of that event, with keys
// stable under a retry or restore. Side effects are the injected actors extractContact,
// findDuplicate and saveContact (`conversationMachine.provide({ actors })`).
//
// Errors of findDuplicate and saveContact are deliberately not handled: the machine stops in
// an error status, the runner commits nothing and retries the message later, and the retried
// save carries the same idempotency key. Only extraction failing is part of the flow: the bot
// then asks field by field.
import { assign } from 'xstate';
import { initialContext, mayUpdate, mergeCorrection, mergeExtraction, recordSaved, saveKey } from './actions.ts';
import { conversationSetup } from './machine-setup.ts';
import { provenanceForSave } from './origins.ts';

export const conversationMachine = conversationSetup.createMachine({
  id: 'conversation',
  context: ({ input }) => initialContext(input),
  initial: 'active',
  // Every external event opens a turn (fresh outbox, its own reply keys); a message is then
  // classified into one internal event (answer, command, timeout…) that the states handle.
  on: {
    message: { actions: ['classify', 'beginMessage'] },
    resume: { actions: ['beginEvent', 'raiseResumed'] },
    takeover: { actions: ['beginEvent', 'raiseTakeover'] },
    expire: { actions: ['beginEvent', 'raiseExpire'] },
  },
  states: {
    active: {
      initial: 'new',
      on: {
        timeout: { target: 'expired', actions: 'sayExpired' },
        'cmd.cancel': { target: 'cancelled' },
        'cmd.restart': { target: '.begin', actions: ['resetForm', 'sayRestart'] },
        'cmd.help': { actions: ['sayHelp', 'sayCurrentPrompt'] },
        'cmd.handoff': { target: 'handoff' },
        unsupported: { actions: ['sayUnsupported', 'sayCurrentPrompt'] },
      },
      states: {
        new: {
          entry: assign({ stage: 'start' }),
          on: {
            answer: { target: 'begin', actions: 'rememberText' },
            'cmd.help': { target: 'begin', actions: 'sayHelp' },
            unsupported: { target: 'begin', actions: 'sayUnsupported' },
          },
        },
        begin: {
          always: [
            { guard: 'needsConsent', target: 'consent' },
            { guard: 'hasPendingText', target: 'reading' },
            { target: 'intro' },
          ],
        },
        consent: {
          entry: [assign({ stage: 'consent' }), 'sayGreetingConsent'],
          on: {
            answer: [
              { guard: 'consentGiven', target: 'begin', actions: 'recordConsent' },
              { guard: 'consentRefused', target: '#conversation.declined' },
              { actions: ['rememberText', 'sayConsentReask'] },
            ],
          },
        },
        intro: {
          entry: [assign({ stage: 'intro' }), 'sayIntro'],
          on: {
            answer: [{ guard: 'greetingOnly', actions: 'sayIntro' }, { target: 'reading', actions: 'rememberText' }],
          },
        },
        // Rules first, on every text (issue 14): when they read every required field the model
        // is not asked at all; otherwise it fills what they left, and they still win on merge.
        reading: {
          always: [{ guard: 'rulesReadAll', target: 'route', actions: 'applyRules' }, { target: 'extracting' }],
        },
        extracting: {
          entry: assign({ stage: 'busy' }),
          invoke: {
            id: 'extract',
            src: 'extractContact',
            input: ({ context }) => ({ text: context.pendingText ?? '', known: context.fields }),
            onDone: { target: 'route', actions: assign(({ context, event }) => mergeExtraction(context, event.output)) },
            onError: { target: 'route', actions: 'salvageText' },
          },
        },
        route: {
          always: [
            { guard: 'hasMissing', target: 'asking', actions: 'pickMissing' },
            { guard: 'shouldAskEmail', target: 'asking', actions: 'pickEmail' },
            { target: 'confirming' },
          ],
        },
        asking: {
          entry: [assign({ stage: 'field' }), 'askCurrent'],
          on: {
            answer: [
              { guard: 'emailSkipped', target: 'route', actions: 'skipEmail' },
              { guard: 'answerAccepted', target: 'route', actions: 'storeAnswer' },
              { actions: 'refuseAnswer' },
            ],
          },
        },
        confirming: {
          entry: [assign({ stage: 'confirm' }), 'clearDuplicate', 'saySummary'],
          on: {
            answer: [
              { guard: 'yes', target: 'checkingDuplicate' },
              { guard: 'no', target: '#conversation.cancelled' },
              { guard: 'labelledCorrection', target: 'confirming', reenter: true, actions: 'applyLabelled' },
              { target: 'correcting', actions: 'rememberCorrection' },
            ],
          },
        },
        correcting: {
          entry: assign({ stage: 'busy' }),
          invoke: {
            id: 'extract',
            src: 'extractContact',
            // No `known` here: the extractor keeps known values over what the text says (on the
            // REST API explicit fields win), and a correction exists to replace them.
            input: ({ context }) => ({ text: context.pendingText ?? '', known: {} }),
            onDone: { target: 'confirming', actions: assign(({ context, event }) => mergeCorrection(context, event.output)) },
            onError: { target: 'confirming', actions: 'salvageCorrection' },
          },
        },
        checkingDuplicate: {
          entry: assign({ stage: 'busy' }),
          invoke: {
            id: 'findDuplicate',
            src: 'findDuplicate',
            input: ({ context }) => ({ phone: context.fields.phone ?? '', idempotencyKey: saveKey(context) }),
            // Only staff, or the phone's proven owner, learn that it is registered and may
            // update it; anyone else gets the same answer as for a new contact, and their
            // submission waits as an update request for staff to decide.
            onDone: [
              {
                guard: ({ context, event }) => event.output !== null && mayUpdate(context),
                target: 'duplicate',
                actions: assign(({ event }) => ({ duplicate: event.output })),
              },
              { target: 'saving', actions: assign(({ event }) => ({ duplicate: event.output })) },
            ],
          },
        },
        duplicate: {
          entry: [assign({ stage: 'duplicate' }), 'sayDuplicate'],
          on: {
            answer: [
              { guard: 'update', target: 'saving', actions: 'chooseUpdate' },
              { guard: 'labelledCorrection', target: 'confirming', actions: 'applyLabelled' },
              { actions: 'sayDuplicateReask' },
            ],
          },
        },
        saving: {
          entry: assign({ stage: 'busy' }),
          invoke: {
            id: 'save',
            src: 'saveContact',
            input: ({ context }) => ({
              fields: context.fields,
              provenance: provenanceForSave(context),
              mode: context.mode,
              consentAt: context.consentAt,
              attendantUserId: context.attendantUserId,
              ...(context.updateId ? { update: context.updateId } : context.duplicate ? { requestFor: context.duplicate.id } : {}),
              idempotencyKey: saveKey(context),
            }),
            onDone: { target: '#conversation.saved', actions: assign(({ context, event }) => recordSaved(context, event.output)) },
          },
        },
        /** Back from a handoff: ask again whatever was being asked. */
        resuming: {
          entry: 'resetAttempts',
          always: [
            { guard: ({ context }) => context.stage === 'consent', target: 'consent' },
            { guard: ({ context }) => context.stage === 'intro', target: 'intro' },
            { guard: ({ context }) => context.stage === 'confirm', target: 'confirming' },
            { guard: ({ context }) => context.stage === 'duplicate', target: 'duplicate' },
            { guard: ({ context }) => context.stage === 'field', target: 'route' },
            { target: 'begin' },
          ],
        },
      },
    },
    // The bot stays silent: messages are read (and keep the conversation alive) but answered
    // by a person, until an attendant resumes the conversation through the API.
    handoff: {
      entry: [assign({ status: 'handoff' }), 'sayHandoff'],
      exit: assign({ status: 'active' }),
      on: {
        resumed: [
          { guard: ({ event }) => event.restart === true, target: 'active.begin', actions: ['resetForm', 'sayResumed'] },
          { target: 'active.resuming', actions: 'sayResumed' },
        ],
        timeout: { target: 'expired' },
        // The person may still give up while waiting; every other text is for the attendant.
        'cmd.cancel': { target: 'cancelled' },
      },
    },
    saved: { type: 'final', entry: assign({ status: 'saved', stage: 'closed' }) },
    cancelled: { type: 'final', entry: [assign({ status: 'cancelled', stage: 'closed' }), 'sayCancelled', 'forget'] },
    declined: { type: 'final', entry: [assign({ status: 'declined', stage: 'closed' }), 'sayDeclined', 'forget'] },
    expired: { type: 'final', entry: [assign({ status: 'expired', stage: 'closed' }), 'forget'] },
  },
});

export type ConversationMachine = typeof conversationMachine;
