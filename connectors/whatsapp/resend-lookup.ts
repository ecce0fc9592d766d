// Baileys' `getMessage(key)`: when a recipient's device could not decrypt a message we sent
// (their side shows "Aguardando mensagem"), it asks for a retry, and Baileys re-encrypts the
// message for it — if it can find it. Baileys keeps recent sends in memory only; after a
// restart or a socket replaced by another replica the text must come from the outbound store,
// where the sender recorded the WhatsApp id of every reply (src/outbound), and it is rebuilt
// exactly as it was sent (the options as numbered lines).
//
// The id alone is not enough: the text is resent to whoever asks, so it is given only when
// the key's chat is the chat the reply went to (the same person as LID or phone JID, via
// Baileys' LID→PN mapping). An erased reply has no text and no provider id: nothing to give.
import { withDeadline } from '../../src/util/deadline.ts';
import type { SentText } from '../../src/outbound/outbound-repository.ts';
import { bareJid, jidKind } from './jid.ts';
import { WHATSAPP_CHANNEL } from './normalize.ts';
import { withNumberedOptions } from './numbered-options.ts';

/** The part of the outbound store the lookup reads. */
export interface SentTextStore {
  sentText(channel: string, providerMessageId: string): Promise<SentText | null>;
}

export interface ResendLookupDeps {
  store: SentTextStore;
  /** The bot's number (digits) now; undefined before the login knows it. */
  accountId: () => string | undefined;
  /** Baileys' LID→PN mapping, when the socket has one. */
  pnForLid?: (lid: string) => Promise<string | null | undefined>;
  timeoutMs?: number;
}

/** What Baileys passes (WAMessageKey); only these fields are read. */
export interface ResendKey {
  remoteJid?: string | null;
  id?: string | null;
}

// Baileys awaits getMessage inside its receipt handling: a slow database must not hold up
// every receipt behind it, so the read has a deadline and a miss is answered "unknown".
const LOOKUP_TIMEOUT_MS = 5_000;

export function createResendLookup(deps: ResendLookupDeps): (key: ResendKey) => Promise<{ conversation: string } | undefined> {
  const samePerson = async (a: string, b: string): Promise<boolean> => {
    if (a === b) return true;
    const lid = [a, b].find((j) => jidKind(j) === 'lid');
    const pn = [a, b].find((j) => jidKind(j) === 'pn');
    if (!lid || !pn || !deps.pnForLid) return false;
    return bareJid(await deps.pnForLid(lid)) === pn;
  };

  return async (key) => {
    const id = typeof key.id === 'string' ? key.id : '';
    const chat = bareJid(key.remoteJid);
    if (!id || id.length > 300 || !chat) return undefined;
    try {
      const found = await withDeadline(
        (async () => {
          const row = await deps.store.sentText(WHATSAPP_CHANNEL, id);
          if (!row) return undefined;
          const account = deps.accountId();
          if (account && row.accountId !== account) return undefined;
          const sentTo = bareJid(row.chatId);
          // Resent exactly as it was sent: with its options as numbered lines (sender.ts).
          return sentTo && (await samePerson(sentTo, chat)) ? withNumberedOptions(row.text, row.options ?? undefined) : undefined;
        })(),
        deps.timeoutMs ?? LOOKUP_TIMEOUT_MS,
        () => new Error('outbound lookup timed out'),
      );
      return found === undefined ? undefined : { conversation: found };
    } catch {
      return undefined;
    }
  };
}
