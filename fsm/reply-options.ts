// Which fixed answers the bot's last reply of a turn expects, decided from where the
// conversation stands after the turn (SPEC §11 "Replies carry options"). A channel renders them
// as it can (chips on the web page, reply buttons, a numbered list); typed text is always
// accepted, so the titles are exactly what a person could type instead.
import { optionTitles } from './catalog.ts';
import type { ConversationContext } from './types.ts';

export interface ReplyOption {
  /** Stable, language-neutral: a channel may send it back as a button payload. */
  id: keyof typeof optionTitles;
  /** What the person sees, and what typing it does. */
  title: string;
}

const option = (id: ReplyOption['id']): ReplyOption => ({ id, title: optionTitles[id] });

/** The options of the turn's last reply; empty when the bot expects free text (or nothing). */
export function replyOptions(context: Pick<ConversationContext, 'status' | 'stage' | 'asking'>): ReplyOption[] {
  if (context.status !== 'active') return [];
  switch (context.stage) {
    case 'consent':
    case 'confirm':
      return [option('yes'), option('no')];
    case 'duplicate':
      return [option('update'), option('cancel')];
    case 'field':
      return context.asking === 'email' ? [option('skip')] : [];
    default:
      return [];
  }
}
