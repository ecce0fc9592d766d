// Persistence as the runner uses it: the snapshot survives JSON, a restore continues with the
// same outcome, a restore with an invoked actor in flight re-runs that actor with its saved
// input (XState 5) and the replies come out with the same keys, and a save repeated after a
// crash has one effect thanks to its idempotency key.
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.ts';
import { Chat, FakeExtractor, Fakes } from './test-support.ts';

const FULL = 'Maria Silva, 11 99999-8888, apoio emocional';
const MARIA = { name: 'Maria Silva', phone: '+5511999998888', reason: 'apoio emocional' };
const extractor = () =>
  new FakeExtractor({
    [FULL]: { found: { name: 'Maria Silva', phone: '11 99999-8888', reason: 'apoio emocional' } },
    'preciso de apoio emocional': { found: { reason: 'apoio emocional' } },
    'o telefone é 11 98888-7777': { found: { phone: '11 98888-7777' } },
  });
const chat = (options: { restoreEachStep?: boolean; senderPhone?: string } = {}) => new Chat({ fakes: new Fakes(extractor()), ...options });
const TO_SUMMARY = ['oi', 'sim', FULL, 'pular'];

/** Scripts that together pass through every state, final ones included. */
const SCRIPTS: string[][] = [
  ['oi', 'não'],
  ['oi', 'hã?', 'sim', 'preciso de apoio emocional', 'Maria 2', 'Maria Silva', '11 9999', '11 99999-8888', 'maria@', 'pular', 'telefone: 11 98888-7777', 'o telefone é 11 98888-7777', 'sim'],
  ['oi', 'sim', 'ajuda', FULL, 'atendente', 'oi?', 'RESUME', 'recomeçar', FULL, 'pular', 'não'],
  ['oi', 'sim', FULL, 'pular', 'sim', 'talvez', 'atualizar'],
  ['oi', 'sim', FULL, 'pular', 'sim', 'cancelar'],
  ['oi', 'sim', 'preciso de apoio emocional', 'EXPIRE'],
];

async function play(c: Chat, script: string[]): Promise<string[]> {
  const states: string[] = [];
  for (const step of script) {
    if (step === 'RESUME') await c.resume();
    else if (step === 'EXPIRE') await c.expire();
    else await c.say(step);
    states.push(c.state);
  }
  return states;
}

describe('persisted snapshots', () => {
  it('restored after every turn, every script ends the same as with one actor, through every state', async () => {
    const visited = new Set<string>();
    for (const script of SCRIPTS) {
      // Maria's own phone, vouched for by the channel: the only sender shown the duplicate question.
      const straight = chat({ senderPhone: MARIA.phone });
      straight.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
      const restored = chat({ restoreEachStep: true, senderPhone: MARIA.phone });
      restored.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
      const states = await play(straight, script);
      expect(await play(restored, script)).toEqual(states);
      expect(restored.transcript).toEqual(straight.transcript);
      expect(restored.context).toEqual(straight.context);
      expect(restored.fakes.contacts.contacts).toEqual(straight.fakes.contacts.contacts);
      expect(restored.restores).toBe(script.length);
      states.forEach((s) => visited.add(s));
    }
    expect([...visited].sort()).toEqual(
      ['active.asking', 'active.confirming', 'active.consent', 'active.duplicate', 'active.intro', 'cancelled', 'declined', 'expired', 'handoff', 'saved'].sort(),
    );
  });

  it('survives JSON unchanged in every state (no functions, no class instances)', async () => {
    const c = chat();
    for (const step of [...TO_SUMMARY, 'atendente']) {
      await c.say(step);
      const raw = (c as unknown as { actor: { getPersistedSnapshot(): unknown } }).actor.getPersistedSnapshot();
      expect(JSON.parse(JSON.stringify(raw))).toEqual(raw);
    }
  });

  it('the same event from the same snapshot gives the same reply keys and the same save', async () => {
    const c = chat();
    for (const step of TO_SUMMARY) await c.say(step);
    const atSummary = c.persisted();
    expect(await c.say('sim', { messageId: 'wamid.42' })).toEqual([expect.stringContaining('Protocolo: P-C1')]);
    const first = c.replies;
    // A worker saved, then died before committing the turn: the message is retried from the
    // same snapshot. The duplicate check must not take the contact it saved for someone else's.
    c.restore(atSummary);
    await c.say('sim', { messageId: 'wamid.42', afterMin: 0 });
    expect(c.replies).toEqual(first);
    expect(first).toEqual([{ key: 'wamid.42:0', text: expect.any(String) }]);
    expect(c.fakes.contacts.contacts.size).toBe(1);
    expect(c.fakes.contacts.saveCalls.map((s) => s.idempotencyKey)).toEqual(['save:wamid.42', 'save:wamid.42']);
    expect(c.fakes.contacts.duplicateCalls).toEqual([
      { phone: MARIA.phone, idempotencyKey: 'save:wamid.42' },
      { phone: MARIA.phone, idempotencyKey: 'save:wamid.42' },
    ]);
  });

  it('reply keys never repeat within a conversation, resumes included', async () => {
    const c = chat();
    const keys: string[] = [];
    const collect = () => keys.push(...c.replies.map((r) => r.key));
    for (const step of ['oi', 'sim', 'ajuda', 'atendente']) {
      await c.say(step);
      collect();
    }
    await c.resume();
    collect();
    await c.say('atendente');
    collect();
    await c.resume();
    collect();
    expect(keys).toEqual(['m1:0', 'm2:0', 'm3:0', 'm3:1', 'm4:0', 'event-5:0', 'event-5:1', 'm5:0', 'event-7:0', 'event-7:1']);
  });

  describe('restored with an invoked actor in flight', () => {
    /** The replies the same steps give without any crash. */
    async function reference(steps: string[], last: string, setup?: (c: Chat) => void) {
      const c = chat();
      setup?.(c);
      for (const step of steps) await c.say(step);
      await c.say(last);
      return c.replies;
    }

    /** Runs `last` until its actor hangs (the worker dies), then restores from that snapshot. */
    async function crashDuring(steps: string[], last: string, arm: (c: Chat) => void, setup?: (c: Chat) => void) {
      const c = chat();
      setup?.(c);
      for (const step of steps) await c.say(step);
      arm(c);
      c.sendNoWait(last, `m${steps.length + 1}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const midFlight = c.persisted() as { value: unknown; children: Record<string, { snapshot: { status: string } }> };
      expect(Object.values(midFlight.children).map((child) => child.snapshot.status)).toEqual(['active']);
      c.restore(midFlight);
      await c.settle();
      return { c, midFlight, replies: c.snapshot.context.outbox };
    }

    it('extraction: re-run with the same input, same replies and keys', async () => {
      const expected = await reference(['oi', 'sim'], FULL);
      const { c, midFlight, replies } = await crashDuring(['oi', 'sim'], FULL, (x) => (x.fakes.extractor.hang = 1));
      expect(midFlight.value).toEqual({ active: 'extracting' });
      expect(replies).toEqual(expected);
      expect(replies).toEqual([{ key: 'm3:0', text: catalog.question('email', 'contact') }]);
      expect(c.fakes.extractor.calls).toEqual([
        { text: FULL, known: {} },
        { text: FULL, known: {} },
      ]);
      expect(c.fields).toEqual(MARIA);
    });

    it('correction: re-run, same summary', async () => {
      const expected = await reference(TO_SUMMARY, 'o telefone é 11 98888-7777');
      const { midFlight, replies } = await crashDuring(TO_SUMMARY, 'o telefone é 11 98888-7777', (x) => (x.fakes.extractor.hang = 1));
      expect(midFlight.value).toEqual({ active: 'correcting' });
      expect(replies).toEqual(expected);
      expect(replies[0]?.text).toBe(catalog.summary({ ...MARIA, phone: '+5511988887777' }, 'contact'));
    });

    it('duplicate check of a typed phone: re-run, then one update request kept', async () => {
      const seed = (x: Chat) => x.fakes.contacts.add({ id: 'old-1', name: 'Maria Silva', phone: '+5511999998888', createdAt: '2025-03-12T15:00:00.000Z' });
      const expected = await reference(TO_SUMMARY, 'sim', seed);
      const { c, midFlight, replies } = await crashDuring(TO_SUMMARY, 'sim', (x) => (x.fakes.contacts.hangDuplicateCheck = 1), seed);
      expect(midFlight.value).toEqual({ active: 'checkingDuplicate' });
      expect(replies).toEqual(expected);
      expect(c.state).toBe('saved');
      expect(c.fakes.contacts.requests.size).toBe(1);
    });

    it('save committed but unanswered: the re-run saves nothing new and replies with the same key', async () => {
      const expected = await reference(TO_SUMMARY, 'sim');
      const { c, midFlight, replies } = await crashDuring(TO_SUMMARY, 'sim', (x) => (x.fakes.contacts.hangAfterCommit = 1));
      expect(midFlight.value).toEqual({ active: 'saving' });
      expect(replies).toEqual(expected);
      expect(replies).toEqual([{ key: 'm5:0', text: 'Recebemos seu cadastro. Protocolo: P-C1. Obrigado pelo contato!' }]);
      expect(c.fakes.contacts.saveCalls).toHaveLength(2);
      expect(new Set(c.fakes.contacts.saveCalls.map((s) => s.idempotencyKey))).toEqual(new Set(['save:m5']));
      expect(c.fakes.contacts.contacts.size).toBe(1);
      expect(c.context.status).toBe('saved');
    });
  });

  it('a failing duplicate check or save stops the turn in error; the retried message then saves once', async () => {
    for (const arm of [(c: Chat) => (c.fakes.contacts.failDuplicateChecks = 1), (c: Chat) => (c.fakes.contacts.failSaves = 1)]) {
      const c = chat();
      for (const step of TO_SUMMARY) await c.say(step);
      const before = c.persisted();
      arm(c);
      await expect(c.say('sim', { messageId: 'm5' })).rejects.toThrow('database unavailable');
      expect(c.snapshot.status).toBe('error');
      // The runner committed nothing: it retries the message from the snapshot it had.
      c.restore(before);
      expect(await c.say('sim', { messageId: 'm5', afterMin: 0 })).toEqual(['Recebemos seu cadastro. Protocolo: P-C1. Obrigado pelo contato!']);
      expect(c.fakes.contacts.contacts.size).toBe(1);
    }
  });
});
