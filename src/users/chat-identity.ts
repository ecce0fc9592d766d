// Chat identities mark staff in conversations: a message whose (channel, address) matches one
// runs the bot in attendant mode. Addresses are stored in the form connectors report senders
// in, so that the lookup is an exact match and "11 99999-8888" and "+55 11 99999-8888" cannot
// both be registered (and both miss) for one phone:
//  - whatsapp, whatsapp-cloud: the phone in E.164 (+5511999998888), the `sender.phone` of an
//    InboundMessage. Baileys JIDs (5511999998888@s.whatsapp.net) and Cloud API wa_ids
//    (5511999998888) are international digits without "+"; other inputs are read as typed
//    phones, region BR — 11 digits that are no Brazilian number are tried as international.
//    Baileys LID JIDs (…@lid) carry no phone and are kept as given, lower-cased.
//  - telegram: a "+…" address is a phone (E.164); "@name" a username, lower-cased (Telegram
//    usernames are case-insensitive); digits only are the numeric user id, kept as is — so a
//    phone must carry its "+", or it could not be told apart from a user id.
//  - any other channel (web, later ones): trimmed, as given.
import { cleanText, normalizePhone } from '../contacts/fields.ts';

export const CHANNEL_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
export const ADDRESS_MAX = 128;

export type AddressResult = { ok: true; value: string } | { ok: false; message: string };

const PHONE_CHANNELS = new Set(['whatsapp', 'whatsapp-cloud']);
const WHATSAPP_USER_JID = /@(s\.whatsapp\.net|c\.us)$/;
// International digits never start with 0 (that is a national trunk prefix) and no Brazilian
// national number has 12 digits or more, so such a string already carries its country code.
const INTERNATIONAL_DIGITS = /^[1-9]\d{11,14}$/;

function phone(input: string): AddressResult {
  const digits = input.replace(WHATSAPP_USER_JID, '');
  let result = normalizePhone(INTERNATIONAL_DIGITS.test(digits) ? `+${digits}` : digits);
  // A shorter wa_id (e.g. a US 1 415 555 2671) is not a Brazilian number: try it as international.
  if (!result.ok && /^[1-9]\d{10}$/.test(digits)) result = normalizePhone(`+${digits}`);
  return result.ok ? { ok: true, value: result.value } : { ok: false, message: result.message };
}

export function normalizeChatAddress(channel: string, input: string): AddressResult {
  const address = cleanText(input);
  if (!address) return { ok: false, message: 'address is empty' };
  if (address.length > ADDRESS_MAX) return { ok: false, message: `address is longer than ${ADDRESS_MAX} characters` };
  if (PHONE_CHANNELS.has(channel)) {
    if (address.toLowerCase().endsWith('@lid')) return { ok: true, value: address.toLowerCase() };
    return phone(address);
  }
  if (channel === 'telegram') {
    if (address.startsWith('+')) return phone(address);
    if (/^@[A-Za-z0-9_]{4,32}$/.test(address)) return { ok: true, value: address.toLowerCase() };
    if (/^\d{1,20}$/.test(address)) return { ok: true, value: address };
    return { ok: false, message: 'telegram address must be a numeric user id, an @username or a phone starting with +' };
  }
  return { ok: true, value: address };
}
