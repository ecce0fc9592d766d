// WhatsApp through Baileys has no dependable buttons for linked devices (they stopped
// rendering for many clients), so a reply's options (SPEC §11) are listed as numbered lines;
// the conversation reads "1"/"2" as the option with that number (fsm/numbered-answers.ts),
// and typing the title works as well.
import type { SendOptions } from '../types.ts';

export function withNumberedOptions(text: string, options: SendOptions['options']): string {
  if (!options?.length) return text;
  return `${text}\n\n${options.map((o, i) => `${i + 1}. ${o.title}`).join('\n')}`;
}
