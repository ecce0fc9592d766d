// The machine's conditions, as pure functions of the context and the answer text.
import { nextMissing, rulesReadAll, shouldAskEmail } from './actions.ts';
import { readAnswer } from './answers.ts';
import { consentAnswer, isGreetingOnly, isNo, isSkip, isUpdate, isYes } from './commands.ts';
import { parseFieldPairs } from './corrections.ts';
import type { ConversationContext, ConversationEvent } from './types.ts';

type Ctx = ConversationContext;

/** The text of an answer event; other events have none. */
export const answerText = (event: ConversationEvent): string => (event.type === 'answer' ? event.text : '');

export const guards = {
  needsConsent: (context: Ctx) => context.mode === 'contact' && !context.consentAt,
  hasPendingText: (context: Ctx) => !!context.pendingText,
  hasMissing: (context: Ctx) => nextMissing(context) !== null,
  rulesReadAll: (context: Ctx) => rulesReadAll(context),
  shouldAskEmail: (context: Ctx) => shouldAskEmail(context),
  consentGiven: (_context: Ctx, text: string) => consentAnswer(text).verdict === 'yes',
  consentRefused: (_context: Ctx, text: string) => consentAnswer(text).verdict === 'no',
  greetingOnly: (_context: Ctx, text: string) => isGreetingOnly(text),
  emailSkipped: (context: Ctx, text: string) => context.asking === 'email' && isSkip(text),
  answerAccepted: (context: Ctx, text: string) => !!context.asking && readAnswer(context.asking, text).ok,
  yes: (_context: Ctx, text: string) => isYes(text),
  no: (_context: Ctx, text: string) => isNo(text),
  update: (_context: Ctx, text: string) => isUpdate(text),
  labelledCorrection: (_context: Ctx, text: string) => parseFieldPairs(text) !== null,
};

export type GuardName = keyof typeof guards;
