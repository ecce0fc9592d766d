// The digit strings a phone number shows up as in chat addresses and typed texts. WhatsApp
// addresses hold the international digits — for Brazilian mobiles sometimes without the 9th
// digit (old numbers' wa_id, see src/contacts/whatsapp-number.ts); people type the national
// form "(11) 97531-8642". Used to find every chat of a person being erased.

export interface PhoneVariants {
  /** Digits as they appear in chat ids, sender ids and JIDs (5511975318642, 551175318642). */
  international: string[];
  /** Digits as typed in a message, once its non-digits are removed (11975318642…): the
   * international forms contain them, so they also match those. */
  typed: string[];
}

export function phoneVariants(e164: string): PhoneVariants {
  const digits = e164.replace(/\D/g, '');
  const international = [digits];
  // +55 DD 9XXXX-XXXX: the same line is also known without its 9th digit.
  if (/^55\d{2}9\d{8}$/.test(digits)) international.push(digits.slice(0, 4) + digits.slice(5));
  const typed = digits.startsWith('55') && digits.length >= 12 ? international.map((d) => d.slice(2)) : international;
  return { international, typed };
}
