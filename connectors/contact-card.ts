// A shared contact card (WhatsApp vCard, Cloud API `contacts`, Telegram `contact` of someone
// else) as message text, in the labelled form the conversation reads ("Nome: …",
// "Telefone: …"). The message keeps kind "contact": in attendant mode the card fills name and
// phone like typed text; in contact mode it is someone else's card and never the sender's
// phone (fsm/machine-setup.ts).
const MAX_NAME = 200;

export function contactCardText(name: string | undefined, phone: string | undefined): string {
  const lines: string[] = [];
  const cleanName = name?.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME);
  const cleanPhone = phone?.replace(/[^\d+]/g, '').slice(0, 20);
  if (cleanName) lines.push(`Nome: ${cleanName}`);
  if (cleanPhone && /\d{8,}/.test(cleanPhone)) lines.push(`Telefone: ${cleanPhone.startsWith('+') ? cleanPhone : `+${cleanPhone}`}`);
  return lines.join('\n');
}

/** Name and first phone of a vCard 3.0 (what WhatsApp sends): FN and TEL (waid= preferred). */
export function vcardContact(vcard: string): { name?: string; phone?: string } {
  const lines = vcard.slice(0, 10_000).split(/\r?\n/);
  const name = lines.find((l) => /^FN[:;]/i.test(l))?.replace(/^FN[^:]*:/i, '');
  const tel = lines.find((l) => /^(?:item\d+\.)?TEL[:;]/i.test(l));
  const waid = tel ? /waid=(\d{8,15})/i.exec(tel)?.[1] : undefined;
  const phone = waid ?? tel?.replace(/^[^:]*:/, '');
  return { ...(name ? { name } : {}), ...(phone ? { phone } : {}) };
}
