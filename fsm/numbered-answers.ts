// "1" / "2" as answers to a reply that offered options (SPEC §11): channels without buttons
// (WhatsApp through Baileys) list the options numbered, and a person answers with the number.
// The options are those of the bot's last reply, which are decided by where the conversation
// stands — the same context the answer now meets — so the number means what the person saw.
// A bare number where no options were offered stays what it is (an answer like any other).
import { replyOptions } from './reply-options.ts';
import type { ConversationContext } from './types.ts';

const NUMBER = /^\s*([1-9])\s*[.)]?\s*$/;

export function numberedAnswer(context: ConversationContext, text: string): string {
  const match = NUMBER.exec(text);
  if (!match) return text;
  const option = replyOptions(context)[Number(match[1]) - 1];
  return option ? option.title : text;
}
