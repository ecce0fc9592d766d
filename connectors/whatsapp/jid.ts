// WhatsApp addresses (JIDs) as Baileys 7 hands them: `<digits>@s.whatsapp.net` is a phone
// number (PN), `<digits>@lid` a LID — WhatsApp's privacy id that hides the phone — and both may
// carry a `:device` suffix. Plain string work, so the normalizer can run on any input.
import { phoneOfWhatsappId } from '../../src/contacts/whatsapp-number.ts';

export type JidKind = 'pn' | 'lid' | 'group' | 'status' | 'broadcast' | 'newsletter' | 'other';

const SPLIT = /^([^@:]+)(?::\d+)?@([a-z.]+)$/;

/** The JID without its device suffix, lower-cased; undefined when it is not a JID. */
export function bareJid(jid: unknown): string | undefined {
  if (typeof jid !== 'string' || jid.length > 160) return undefined;
  const m = SPLIT.exec(jid.trim().toLowerCase());
  if (!m) return undefined;
  const server = m[2] === 'c.us' ? 's.whatsapp.net' : m[2]!;
  return `${m[1]}@${server}`;
}

export function jidKind(jid: string | undefined): JidKind {
  if (!jid) return 'other';
  if (jid === 'status@broadcast') return 'status';
  if (/^\d{5,20}@s\.whatsapp\.net$/.test(jid) || /^\d{5,20}@hosted$/.test(jid)) return 'pn';
  if (/^\d{1,30}@(lid|hosted\.lid)$/.test(jid)) return 'lid';
  if (jid.endsWith('@g.us')) return 'group';
  if (jid.endsWith('@broadcast')) return 'broadcast';
  if (jid.endsWith('@newsletter')) return 'newsletter';
  return 'other';
}

/** E.164 phone of a phone-number JID (`5511999998888@s.whatsapp.net` → `+5511999998888`),
 * by the same rule as the Cloud API's wa_ids (old Brazilian mobiles get their 9th digit). */
export function phoneOfJid(jid: unknown): string | undefined {
  const bare = bareJid(jid);
  if (jidKind(bare) !== 'pn') return undefined;
  return phoneOfWhatsappId(bare!.slice(0, bare!.indexOf('@')));
}

/** A JID we may send a text to: a person (PN or LID) or a group. */
export function isSendableJid(jid: string): boolean {
  const kind = jidKind(bareJid(jid));
  return kind === 'pn' || kind === 'lid' || kind === 'group';
}

/** A phone or LID shown in status/logs without giving it away: last 4 characters only. */
export function maskJid(jid: string | undefined): string | undefined {
  if (!jid) return undefined;
  const user = jid.split('@')[0] ?? '';
  return `${'*'.repeat(Math.max(0, user.length - 4))}${user.slice(-4)}@${jid.split('@')[1] ?? ''}`;
}
