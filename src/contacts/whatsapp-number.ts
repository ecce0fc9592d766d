// The phone behind a WhatsApp user id (a Cloud API wa_id, the user part of a Baileys
// phone-number JID): international digits without "+". Shared by both WhatsApp channels, so
// the same person gets the same E.164 phone whichever one they write through.

const INTERNATIONAL_DIGITS = /^[1-9]\d{7,14}$/;

/**
 * E.164, or undefined when the id is not a phone. Brazilian mobiles registered before the
 * 9th digit (2012-2016) keep an 8-digit WhatsApp id ("55 11 9999-8888"); the number people
 * dial and type has the 9, so it is added back — otherwise the phone the channel vouches for
 * would never match the typed one.
 */
export function phoneOfWhatsappId(digits: string): string | undefined {
  if (!INTERNATIONAL_DIGITS.test(digits)) return undefined;
  const br = /^55(\d{2})([6-9]\d{7})$/.exec(digits);
  return br ? `+55${br[1]}9${br[2]}` : `+${digits}`;
}
