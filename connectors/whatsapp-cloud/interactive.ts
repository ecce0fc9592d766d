// Reply buttons (SPEC §11 "Replies carry options"): Meta's interactive `button` message,
// https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-reply-buttons-messages
// At most 3 buttons, titles of at most 20 characters, unique ids of at most 256, a body of at
// most 1024 characters. A reply that does not fit goes out as plain text: typing a title does
// the same as tapping it. A tap comes back as `interactive.button_reply` {id, title}, read as
// the title (normalize.ts).
import type { SendOptions } from '../types.ts';

const MAX_BUTTONS = 3;
const MAX_TITLE = 20;
const MAX_BODY = 1024;

type Recipient = { to: string } | { recipient: string };

/** The interactive body, or undefined when the reply has no options or they do not fit. */
export function buttonMessageBody(recipient: Recipient, text: string, options: SendOptions['options']) {
  if (!options?.length || options.length > MAX_BUTTONS || [...text].length > MAX_BODY) return undefined;
  if (options.some((o) => [...o.title].length > MAX_TITLE || !o.title.trim())) return undefined;
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipient,
    type: 'interactive',
    interactive: {
      type: 'button',
      body: { text },
      action: { buttons: options.map((o) => ({ type: 'reply', reply: { id: o.id, title: o.title } })) },
    },
  };
}
