// Commands at any point (cancelar, recomeçar, ajuda, atendente), the handoff's silence until
// an attendant resumes, and inactivity expiry — each from several states, straight and with
// a persist/restore after every turn.
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.ts';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const FULL = 'Maria Silva, 11 99999-8888, apoio emocional';
const MARIA = { name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' };
const extractor = () =>
  new FakeExtractor({
    [FULL]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } },
    'preciso de apoio emocional': { found: { reason: 'apoio emocional' } },
  });

/** How to bring a contact-mode chat to each waiting state, and what that state asks. */
const STATES = [
  { state: 'start', steps: [], prompt: [catalog.greetingConsent()] },
  { state: 'consent', steps: ['oi'], prompt: [catalog.consentReask()] },
  { state: 'intro', steps: ['oi', 'sim'], prompt: [catalog.intro('contact')] },
  { state: 'asking', steps: ['oi', 'sim', 'preciso de apoio emocional'], prompt: ['Qual é o seu nome completo?'] },
  { state: 'confirming', steps: ['oi', 'sim', FULL, 'pular'], prompt: [catalog.summary(MARIA, 'contact')] },
  { state: 'duplicate', steps: ['oi', 'sim', FULL, 'pular', 'sim'], prompt: [catalog.duplicateReask()] },
] as const;

describe.each([
  { restoreEachStep: false, label: 'one actor' },
  { restoreEachStep: true, label: 'restored after every turn' },
])('commands, handoff and expiry ($label)', ({ restoreEachStep }) => {
  async function chatAt(state: (typeof STATES)[number]['state']) {
    // The channel vouches for Maria's phone: only its owner is shown the duplicate question.
    const c = new Chat({ restoreEachStep, senderPhone: '+5511999998888', fakes: new Fakes(extractor()) });
    c.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
    for (const step of STATES.find((s) => s.state === state)?.steps ?? []) await c.say(step);
    expect(c.state).toBe(state === 'start' ? 'active.new' : `active.${state}`);
    return c;
  }

  it.each(STATES)('CANCELAR from $state ends the conversation and keeps nothing', async ({ state }) => {
    const c = await chatAt(state);
    expect(await c.say('Cancelar')).toEqual([catalog.cancelled()]);
    expect(c.done).toBe(true);
    expect(c.context).toMatchObject({ status: 'cancelled', fields: {}, pendingText: null });
    expect(c.fakes.contacts.saveCalls).toEqual([]);
  });

  it.each(STATES)('AJUDA from $state explains, then repeats what is being asked', async ({ state, prompt }) => {
    const c = await chatAt(state);
    const help = catalog.help('contact');
    expect(help).toContain('CANCELAR');
    expect(await c.say('ajuda')).toEqual([help, ...prompt]);
    expect(c.state).toBe(state === 'start' ? 'active.consent' : `active.${state}`);
  });

  it.each(STATES)('RECOMEÇAR from $state starts the form over', async ({ state }) => {
    const c = await chatAt(state);
    const consented = c.context.consentAt !== null;
    expect(await c.say('recomeçar')).toEqual([catalog.restart(), consented ? catalog.intro('contact') : catalog.greetingConsent()]);
    expect(c.context).toMatchObject({ fields: {}, pendingText: null, status: 'active' });
    // The form works again from there.
    if (!consented) await c.say('sim');
    await c.say(FULL);
    expect(c.fields).toEqual(MARIA);
  });

  it('RECOMEÇAR keeps the phone the channel vouches for', async () => {
    const c = new Chat({ restoreEachStep, senderPhone: '+5511977776666', fakes: new Fakes(extractor()) });
    for (const step of ['oi', 'sim', FULL]) await c.say(step);
    await c.say('recomecar');
    expect(c.fields).toEqual({ phone: '+5511977776666' });
  });

  it.each(STATES)('ATENDENTE from $state: silence, whatever is sent, until resumed where it stopped', async ({ state }) => {
    const c = await chatAt(state);
    const extractions = c.fakes.extractor.calls.length;
    expect(await c.say('atendente')).toEqual([catalog.handoff()]);
    expect(c.context.status).toBe('handoff');
    for (const text of ['oi?', 'ajuda', 'recomeçar', FULL, 'sim']) expect(await c.say(text)).toEqual([]);
    expect(c.state).toBe('handoff');
    expect(c.fakes.extractor.calls).toHaveLength(extractions);

    const again = {
      start: catalog.greetingConsent(),
      consent: catalog.greetingConsent(),
      intro: catalog.intro('contact'),
      asking: 'Qual é o seu nome completo?',
      confirming: catalog.summary(MARIA, 'contact'),
      duplicate: 'Já temos um cadastro com esse telefone (Maria Silva, desde 12/03/2025). Responda ATUALIZAR para atualizar ou CANCELAR.',
    }[state];
    expect(await c.resume()).toEqual([catalog.resumed(), again]);
    expect(c.context.status).toBe('active');
  });

  it.each(STATES)('CANCELAR while waiting for an attendant ($state) still ends the conversation', async ({ state }) => {
    const c = await chatAt(state);
    await c.say('atendente');
    expect(await c.say('cancelar')).toEqual([catalog.cancelled()]);
    expect(c.done).toBe(true);
    expect(c.context).toMatchObject({ status: 'cancelled', fields: {}, pendingText: null });
  });

  it('a resume with restart starts the field collection over, forgetting what was typed', async () => {
    const c = await chatAt('confirming');
    await c.say('atendente');
    const replies = await c.resume({ restart: true });
    expect(replies[0]).toBe(catalog.resumed());
    // Only the phone the channel vouches for stays: it was never typed.
    expect(c.context.fields).toEqual({ phone: '+5511999998888' });
    expect(c.context.status).toBe('active');
    expect(c.state).not.toBe('active.confirming');
  });

  it('a staff takeover of an active conversation moves it into a handoff, and the bot goes silent', async () => {
    const c = await chatAt('asking');
    expect(await c.takeover()).toEqual([catalog.handoff()]);
    expect(c.context.status).toBe('handoff');
    expect(await c.say('oi?')).toEqual([]);
    expect(await c.resume()).toEqual([catalog.resumed(), 'Qual é o seu nome completo?']);
  });

  it('after a handoff and a resume the conversation can still be saved', async () => {
    const c = await chatAt('confirming');
    await c.say('falar com uma pessoa');
    await c.resume();
    expect(await c.say('sim')).toEqual([catalog.duplicateNotice('2025-03-12T15:00:00.000Z', 'Maria Silva')]);
    await c.say('atualizar');
    expect(c.context.status).toBe('saved');
  });

  it('resume outside a handoff does nothing', async () => {
    const c = await chatAt('asking');
    expect(await c.resume()).toEqual([]);
    expect(c.state).toBe('active.asking');
  });

  it.each(STATES)('a message after more than CONVERSATION_TIMEOUT_MIN in $state expires the conversation', async ({ state }) => {
    const c = await chatAt(state);
    expect(await c.say('sim', { afterMin: 31 })).toEqual([catalog.expired('late-message')]);
    expect(c.done).toBe(true);
    expect(c.context).toMatchObject({ status: 'expired', fields: {}, pendingText: null });
    expect(c.fakes.contacts.saveCalls).toEqual([]);
  });

  it('a message within the timeout continues', async () => {
    const c = await chatAt('consent');
    expect(await c.say('sim', { afterMin: 30 })).toEqual([catalog.intro('contact')]);
  });

  it('the expire event closes the conversation with a notice', async () => {
    const c = await chatAt('asking');
    expect(await c.expire()).toEqual([catalog.expired('expire')]);
    expect(c.context.status).toBe('expired');
    expect(c.done).toBe(true);
  });

  it('a conversation in handoff expires silently, and silent messages keep it alive', async () => {
    const c = await chatAt('asking');
    await c.say('atendente');
    expect(await c.say('ainda estou aqui', { afterMin: 20 })).toEqual([]);
    expect(await c.say('alô?', { afterMin: 20 })).toEqual([]);
    expect(c.state).toBe('handoff');
    expect(await c.say('oi', { afterMin: 45 })).toEqual([]);
    expect(c.context.status).toBe('expired');

    const d = await chatAt('intro');
    await d.say('atendente');
    expect(await d.expire()).toEqual([]);
    expect(d.context.status).toBe('expired');
  });
});
