// Shared contact cards: in attendant mode a card fills name and phone like typed text; in
// contact mode it is someone else's card — never taken as the person's own details.
import { describe, expect, it } from 'vitest';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const CARD = 'Nome: Maria Silva\nTelefone: +5511999998888';

describe('contact cards', () => {
  it('attendant mode: the card is read like typed text (name and phone)', async () => {
    const fakes = new Fakes(new FakeExtractor({ [CARD]: { found: { name: 'Maria Silva', phone: '+5511999998888' } } }));
    const c = new Chat({ mode: 'attendant', attendantUserId: 'user-7', senderPhone: '+5511955554444', fakes });
    await c.say(CARD, { kind: 'contact' });
    expect(c.context.fields).toMatchObject({ name: 'Maria Silva', phone: '+5511999998888' });
  });

  it('contact mode: someone else’s card gets a request to write their own details, and changes nothing', async () => {
    const c = new Chat({ senderPhone: '+5511987654321', fakes: new Fakes(new FakeExtractor({})) });
    await c.say('oi');
    await c.say('sim');
    const replies = await c.say(CARD, { kind: 'contact' });
    expect(replies[0]).toBe('Recebi um cartão de contato. Para o seu cadastro, escreva os seus próprios dados, por favor.');
    expect(c.context.fields.phone).not.toBe('+5511999998888');
    expect(c.context.fields.name).toBeUndefined();
  });
});
