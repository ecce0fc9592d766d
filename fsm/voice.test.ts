// Voice notes as the machine sees them: a transcript of kind "audio" is read like typed text,
// with "Entendi do seu áudio: …" first; one without a transcript asks the person to write.
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.ts';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const SPOKEN = 'Maria Silva, 11 99999-8888, apoio emocional';
const MARIA = { name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' };

describe.each([{ restoreEachStep: false }, { restoreEachStep: true }])('voice notes (restore each step: $restoreEachStep)', ({ restoreEachStep }) => {
  const chat = () =>
    new Chat({ restoreEachStep, fakes: new Fakes(new FakeExtractor({ [SPOKEN]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } } })) });

  it('reads a transcribed voice note like typed text and says what it understood first', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    const replies = await c.say(SPOKEN, { kind: 'audio' });
    expect(replies[0]).toBe(`Entendi do seu áudio: "${SPOKEN}"`);
    const typed = chat();
    await typed.say('oi');
    await typed.say('sim');
    expect(replies).toEqual([catalog.heardVoice(SPOKEN), ...(await typed.say(SPOKEN))]);
    expect(await c.say('pular')).toEqual([catalog.summary(MARIA, 'contact')]);
  });

  it('takes a spoken "sim" as consent', async () => {
    const c = chat();
    await c.say('oi');
    const replies = await c.say('Sim.', { kind: 'audio' });
    expect(replies[0]).toBe(catalog.heardVoice('Sim.'));
    const typed = chat();
    await typed.say('oi');
    expect(replies.slice(1)).toEqual(await typed.say('sim'));
    expect(replies.length).toBeGreaterThan(1);
  });

  it('asks politely to write when a voice note has no transcript, then repeats the question', async () => {
    const c = chat();
    await c.say('oi');
    expect(await c.say('', { kind: 'audio' })).toEqual(['Não consegui ouvir seu áudio. Pode escrever sua mensagem, por favor?', catalog.consentReask()]);
  });

  it('cuts a very long transcript in the echo', async () => {
    const c = chat();
    await c.say('oi');
    await c.say('sim');
    const long = 'a'.repeat(1000);
    const [echo] = await c.say(long, { kind: 'audio' });
    expect(echo).toBe(catalog.heardVoice(`${'a'.repeat(300)}…`));
  });
});
