// Numbered answers: "1"/"2" choose among the options the bot's last reply offered; typed
// titles still work, and a number where nothing was offered is left alone.
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.ts';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const FULL = 'Maria Silva, 11 99999-8888, apoio emocional';
const chat = () => new Chat({ fakes: new Fakes(new FakeExtractor({ [FULL]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } } })) });

describe('numbered answers', () => {
  it('"1" at the consent question is SIM, like typing it', async () => {
    const numbered = chat();
    const typed = chat();
    await numbered.say('oi');
    await typed.say('oi');
    expect(await numbered.say('1')).toEqual(await typed.say('sim'));
  });

  it('"2" at the consent question is NÃO', async () => {
    const c = chat();
    await c.say('oi');
    expect(await c.say('2')).toEqual([catalog.declined()]);
  });

  it('"1" at the e-mail question skips it, and "1)" at the summary confirms', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    await c.say(FULL);
    const summary = await c.say('1');
    expect(summary).toEqual([catalog.summary({ name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' }, 'contact')]);
    const [saved] = await c.say('1)');
    expect(saved).toMatch(/^Recebemos seu cadastro\./);
  });

  it('a number with no such option stays a plain answer', async () => {
    const c = chat();
    await c.say('oi');
    expect(await c.say('3')).toEqual([catalog.consentReask()]);
  });
});
