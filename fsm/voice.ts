// Voice notes in the conversation (issue 15 item 1). A transcribed voice note arrives as a
// message of kind "audio" with the transcript as its text and is read like typed text; the
// reply first says what was understood, so a mishearing is caught before anything is saved.
// A voice note without a transcript (transcription off, failing, too long) gets a request
// to write instead of the generic "only text" answer.
import { catalog } from './catalog.ts';
import { isLate, say } from './actions.ts';
import type { ConversationContext, ConversationEvent } from './types.ts';

// A whole transcript can be long; the echo is a check, not a copy.
const ECHO_LIMIT = 300;

export const isVoice = (event: ConversationEvent): boolean => event.type === 'message' && event.kind === 'audio';

/** "Entendi do seu áudio: …" when an active conversation receives a transcribed voice note. */
export function voiceEcho(context: ConversationContext, event: ConversationEvent): Partial<ConversationContext> {
  if (event.type !== 'message' || !isVoice(event) || !event.text.trim()) return {};
  if (context.status !== 'active' || isLate(context, event.at)) return {};
  const text = event.text.trim();
  const shown = text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT).replace(/[\uD800-\uDBFF]$/, '')}…` : text;
  return say(context, catalog.heardVoice(shown));
}
