// Read receipts and "digitando…" through the fake Baileys socket: the exact calls Baileys
// gets, and that no socket, a failing socket or a hung one never throws (a courtesy must
// never fail a turn) and never waits past the deadline.
import { Boom } from '@hapi/boom';
import { describe, expect, it } from 'vitest';
import { FakeWhatsappSocket } from '../../test/helpers/fake-whatsapp-socket.ts';
import type { DatabaseAuthState } from './auth-state.ts';
import { WhatsappPresence } from './presence.ts';

const sock = () => new FakeWhatsappSocket({ auth: {} as DatabaseAuthState, logger: {} as never });
const LID = '203456789012345@lid';

describe('WhatsApp (Baileys) read receipts and typing', () => {
  it('marks a received message read with its key', async () => {
    const s = sock();
    const presence = new WhatsappPresence(() => s);
    await expect(presence.markRead({ chatId: LID, messageId: '3EB0E2E0000000001', sender: { id: LID } })).resolves.toBe(true);
    expect(s.calls).toEqual([{ method: 'readMessages', args: [[{ remoteJid: LID, id: '3EB0E2E0000000001', fromMe: false }]] }]);
  });

  it('in a group, names the member who sent it', async () => {
    const s = sock();
    await new WhatsappPresence(() => s).markRead({ chatId: '120363041234567890@g.us', messageId: 'G1', sender: { id: '5511987654321:2@s.whatsapp.net' } });
    expect(s.calls).toEqual([{ method: 'readMessages', args: [[{ remoteJid: '120363041234567890@g.us', id: 'G1', fromMe: false, participant: '5511987654321@s.whatsapp.net' }]] }]);
  });

  it('shows and stops "digitando…" in the chat', async () => {
    const s = sock();
    const presence = new WhatsappPresence(() => s);
    await expect(presence.typing(LID, true)).resolves.toBe(true);
    await expect(presence.typing('5511987654321:3@s.whatsapp.net', false)).resolves.toBe(true);
    expect(s.calls).toEqual([
      { method: 'sendPresenceUpdate', args: ['composing', LID] },
      { method: 'sendPresenceUpdate', args: ['paused', '5511987654321@s.whatsapp.net'] },
    ]);
  });

  it('answers false without an open socket or for an address that is no JID, calling nothing', async () => {
    const presence = new WhatsappPresence(() => undefined);
    await expect(presence.typing(LID, true)).resolves.toBe(false);
    await expect(presence.markRead({ chatId: LID, messageId: 'X' })).resolves.toBe(false);
    const s = sock();
    await expect(new WhatsappPresence(() => s).typing('not a jid', true)).resolves.toBe(false);
    await expect(new WhatsappPresence(() => s).markRead({ chatId: LID, messageId: '' })).resolves.toBe(false);
    expect(s.calls).toEqual([]);
  });

  it('swallows a socket error', async () => {
    const s = sock();
    s.callError = new Boom('Connection Closed', { statusCode: 428 });
    const presence = new WhatsappPresence(() => s);
    await expect(presence.typing(LID, true)).resolves.toBe(false);
    await expect(presence.markRead({ chatId: LID, messageId: 'X' })).resolves.toBe(false);
    expect(s.calls.map((c) => c.method)).toEqual(['sendPresenceUpdate', 'readMessages']);
  });

  it('gives up on a socket that never answers, at the deadline', async () => {
    const s = sock();
    s.callError = 'hang';
    const presence = new WhatsappPresence(() => s, 50);
    const started = Date.now();
    await expect(presence.typing(LID, true)).resolves.toBe(false);
    await expect(presence.markRead({ chatId: LID, messageId: 'X' })).resolves.toBe(false);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(1_000);
  });
});
