// The host keeps a settled actor for its conversation's next turn, and only under the key of
// the snapshot that turn stored: a key that does not match (another replica moved the
// conversation on, or the commit did not happen) restores from the snapshot instead.
import { describe, expect, it } from 'vitest';
import { echoMachine } from '../../test/helpers/echo-machine.ts';
import { conversationMachine } from '../../fsm/machine.ts';
import { MachineHost, TurnTimeoutError } from './machine-host.ts';

const input = { mode: 'contact' as const, channel: 'web', chatId: 'c', senderId: 's', now: '2026-01-01T00:00:00.000Z', timeoutMin: 30 };
const message = (text: string, messageId: string) => ({ type: 'message' as const, text, messageId, at: '2026-01-01T00:01:00.000Z' });

function host() {
  const services = () => ({
    extractContact: async () => ({ found: {}, missing: [], invalid: [] }),
    findDuplicate: async () => null,
    saveContact: async () => ({ id: 'x', protocol: 'P' }),
  });
  return new MachineHost(echoMachine, services, 5_000);
}

describe('MachineHost live actors', () => {
  it('continues the kept actor when asked for the snapshot it stored', async () => {
    const h = host();
    const first = await h.run({ input, event: message('oi', 'm1'), scope: {} });
    expect(first.outbox[0]!.text).toBe('eco 1 (contact): oi');
    first.release('conv:1');
    // A snapshot that says something else: the kept actor (count 1) must win, proving no restore.
    const stale = JSON.parse(JSON.stringify(first.snapshot));
    stale.context.count = 41;
    const second = await h.run({ snapshot: stale, snapshotKey: 'conv:1', input, event: message('de novo', 'm2'), scope: {} });
    expect(second.outbox[0]!.text).toBe('eco 2 (contact): de novo');
    second.release();
  });

  it('restores from the snapshot when the key is not the one kept, or nothing was kept', async () => {
    const h = host();
    const first = await h.run({ input, event: message('oi', 'm1'), scope: {} });
    first.release('conv:1');
    const moved = JSON.parse(JSON.stringify(first.snapshot));
    moved.context.count = 7;
    const other = await h.run({ snapshot: moved, snapshotKey: 'conv:2', input, event: message('oi', 'm2'), scope: {} });
    expect(other.outbox[0]!.text).toBe('eco 8 (contact): oi');
    // Not released with a key (e.g. a stale commit): the next turn restores too.
    other.release();
    const again = await h.run({ snapshot: moved, snapshotKey: 'conv:3', input, event: message('oi', 'm3'), scope: {} });
    expect(again.outbox[0]!.text).toBe('eco 8 (contact): oi');
    again.release();
  });

  it('takes a kept actor once: a second turn from the same key restores', async () => {
    const h = host();
    const first = await h.run({ input, event: message('oi', 'm1'), scope: {} });
    first.release('conv:1');
    const snapshot = JSON.parse(JSON.stringify(first.snapshot));
    snapshot.context.count = 20;
    const a = await h.run({ snapshot, snapshotKey: 'conv:1', input, event: message('a', 'm2'), scope: {} });
    const b = await h.run({ snapshot, snapshotKey: 'conv:1', input, event: message('b', 'm2'), scope: {} });
    expect([a.outbox[0]!.text, b.outbox[0]!.text]).toEqual(['eco 2 (contact): a', 'eco 21 (contact): b']);
    a.release();
    b.release();
    h.clear();
  });

  it('gives up on a turn whose extraction never answers, with a TurnTimeoutError in about the settle time', async () => {
    const never = new Promise<never>(() => {});
    const h = new MachineHost(conversationMachine, () => ({ extractContact: () => never, findDuplicate: async () => null, saveContact: async () => ({ id: 'x', protocol: 'P' }) }), 300);
    let key = 0;
    let previous: { snapshot: unknown; release(key?: string): void } | undefined;
    for (const [i, text] of ['oi', 'sim'].entries()) {
      const turn = await h.run({ ...(previous ? { snapshot: previous.snapshot, snapshotKey: `conv:${key}` } : {}), input, event: message(text, `m${i}`), scope: {} });
      turn.release(`conv:${++key}`);
      previous = turn;
    }
    const started = Date.now();
    await expect(h.run({ snapshot: previous!.snapshot, snapshotKey: `conv:${key}`, input, event: message('Maria, 11 98888-7777, quero ajuda', 'm3'), scope: {} })).rejects.toBeInstanceOf(TurnTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    h.clear();
  });
});
