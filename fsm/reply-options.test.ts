// The bot's questions with a fixed answer carry it as options (SPEC §11), and only those: a
// question expecting free text, a handoff and a finished conversation carry none. Each title
// typed back moves the conversation as the button would.
import { describe, expect, it } from 'vitest';
import { replyOptions } from './reply-options.ts';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const FULL = 'Maria Silva, 11 99999-8888, apoio emocional';
const chat = (senderPhone?: string) => new Chat({ ...(senderPhone ? { senderPhone } : {}), fakes: new Fakes(new FakeExtractor({ [FULL]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } } })) });
const titles = (c: Chat) => replyOptions(c.context).map((o) => o.title);

describe('reply options', () => {
  it('consent SIM/NÃO, nothing for free text, PULAR for the e-mail, SIM/NÃO at the summary', async () => {
    const c = chat();
    await c.say('oi');
    expect(replyOptions(c.context)).toEqual([
      { id: 'yes', title: 'SIM' },
      { id: 'no', title: 'NÃO' },
    ]);
    await c.say('SIM');
    expect(titles(c)).toEqual([]); // the intro asks for free text
    await c.say(FULL);
    expect(c.context.asking).toBe('email');
    expect(replyOptions(c.context)).toEqual([{ id: 'skip', title: 'PULAR' }]);
    await c.say('PULAR');
    expect(c.context.stage).toBe('confirm');
    expect(titles(c)).toEqual(['SIM', 'NÃO']);
    await c.say('SIM');
    expect(c.context.status).toBe('saved');
    expect(titles(c)).toEqual([]);
  });

  it('a duplicate phone offers ATUALIZAR/CANCELAR, and typing the title does what it says', async () => {
    // Only the owner of the phone (the channel vouches for it) is asked; anyone else's
    // submission becomes an update request without a question (test/contact-takeover.test.ts).
    const c = chat('+5511999998888');
    c.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
    await c.say('oi');
    await c.say('sim');
    await c.say(FULL);
    await c.say('pular');
    await c.say('sim');
    expect(c.context.stage).toBe('duplicate');
    expect(replyOptions(c.context)).toEqual([
      { id: 'update', title: 'ATUALIZAR' },
      { id: 'cancel', title: 'CANCELAR' },
    ]);
    await c.say('ATUALIZAR');
    expect(c.context.status).toBe('saved');
    expect(c.fakes.contacts.saveCalls.at(-1)?.update).toBe('old-1');
  });

  it('a handoff and a refusal carry no options; a question for a required field carries none', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('atendente');
    expect(c.context.status).toBe('handoff');
    expect(titles(c)).toEqual([]);

    const d = chat();
    await d.say('oi');
    await d.say('NÃO');
    expect(d.context.status).toBe('declined');
    expect(titles(d)).toEqual([]);

    const e = new Chat({ fakes: new Fakes(Object.assign(new FakeExtractor(), { down: true })) });
    await e.say('oi');
    await e.say('sim');
    await e.say('Maria Silva');
    expect(e.context.stage).toBe('field');
    expect(e.context.asking).not.toBe('email');
    expect(titles(e)).toEqual([]);
  });
});
