// Shared contact cards from each channel become labelled text of kind "contact", from
// recorded or documented payloads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contactCardText, vcardContact } from './contact-card.ts';
import { normalizeUpsert } from './whatsapp/normalize.ts';
import { normalizeWebhook } from './whatsapp-cloud/normalize.ts';

const VCARD = 'BEGIN:VCARD\nVERSION:3.0\nN:Silva;Maria;;;\nFN:Maria Silva\nitem1.TEL;waid=5511999998888:+55 11 99999-8888\nitem1.X-ABLabel:Celular\nEND:VCARD';

describe('contact cards', () => {
  it('reads name and phone of a WhatsApp vCard (waid first)', () => {
    expect(vcardContact(VCARD)).toEqual({ name: 'Maria Silva', phone: '5511999998888' });
    expect(vcardContact('BEGIN:VCARD\nFN:João\nTEL;type=CELL:+55 21 98888-7777\nEND:VCARD')).toEqual({ name: 'João', phone: '+55 21 98888-7777' });
    expect(contactCardText('Maria Silva', '5511999998888')).toBe('Nome: Maria Silva\nTelefone: +5511999998888');
    expect(contactCardText(undefined, '12')).toBe('');
  });

  it('Baileys: a contactMessage becomes "Nome/Telefone" text of kind contact', async () => {
    const event = {
      type: 'notify',
      messages: [{ key: { remoteJid: '5511987654321@s.whatsapp.net', fromMe: false, id: '3EB0CARD0001' }, messageTimestamp: 1764547200, pushName: 'Ana', message: { contactMessage: { displayName: 'Maria Silva', vcard: VCARD } } }],
    };
    const { messages } = await normalizeUpsert(event, { accountId: '5511900000000', allowGroups: false });
    expect(messages[0]).toMatchObject({ kind: 'contact', text: 'Nome: Maria Silva\nTelefone: +5511999998888', sender: { phone: '+5511987654321' } });
  });

  it('Cloud API: the first card of a `contacts` message', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
        contacts: [{ profile: { name: 'Ana' }, wa_id: '5511987654321' }],
        messages: [{ from: '5511987654321', id: 'wamid.CARD1', timestamp: '1750090702', type: 'contacts', contacts: [{ name: { formatted_name: 'Maria Silva', first_name: 'Maria' }, phones: [{ phone: '+55 11 99999-8888', wa_id: '5511999998888', type: 'CELL' }] }] }],
      } }] }],
    };
    const result = normalizeWebhook(payload, { phoneNumberId: '106540352242922' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.messages[0]).toMatchObject({ kind: 'contact', text: 'Nome: Maria Silva\nTelefone: +5511999998888', sender: { phone: '+5511987654321' } });
  });

  it('the fixture of the Cloud API contacts type still normalizes', () => {
    const raw = readFileSync(new URL('./whatsapp-cloud/fixtures/text.json', import.meta.url), 'utf8');
    expect(normalizeWebhook(JSON.parse(raw), { phoneNumberId: '106540352242922' }).ok).toBe(true);
  });
});
