import { Boom } from '@hapi/boom';
import { describe, expect, it } from 'vitest';
import { FakeWhatsappSocket } from '../../test/helpers/fake-whatsapp-socket.ts';
import { ConnectorSendError } from '../types.ts';
import type { DatabaseAuthState } from './auth-state.ts';
import { WhatsappSender } from './sender.ts';

const sock = () => new FakeWhatsappSocket({ auth: {} as DatabaseAuthState, logger: {} as never });

describe('WhatsApp sender', () => {
  it('sends to the chat JID and returns the message key id', async () => {
    const s = sock();
    const sender = new WhatsappSender(() => ({ sock: s }));
    await expect(sender.sendText('203456789012345@lid', 'Olá', 'r1')).resolves.toEqual({ providerMessageId: '3EB0SENT00000001' });
    await sender.sendText('5511987654321:3@s.whatsapp.net', 'Oi', 'r2');
    expect(s.sent).toEqual([
      { jid: '203456789012345@lid', text: 'Olá' },
      { jid: '5511987654321@s.whatsapp.net', text: 'Oi' },
    ]);
  });

  it('drops a repeat of an idempotency key it already sent, and retries one that failed', async () => {
    const s = sock();
    const sender = new WhatsappSender(() => ({ sock: s }));
    const first = await sender.sendText('203456789012345@lid', 'Olá', 'same');
    expect(await sender.sendText('203456789012345@lid', 'Olá', 'same')).toEqual(first);
    expect(s.sent).toHaveLength(1);

    s.sendError = new Boom('Connection Closed', { statusCode: 428 });
    await expect(sender.sendText('203456789012345@lid', 'x', 'other')).rejects.toMatchObject({ code: 'boom-428', transient: true });
    s.sendError = undefined;
    await sender.sendText('203456789012345@lid', 'x', 'other');
    expect(s.sent).toHaveLength(2);
  });

  it.each([
    ['not connected', () => ({ why: 'not-connected' as const }), 'not-connected', false],
    ['standby', () => ({ why: 'standby' as const }), 'standby', true],
  ])('%s → transient error', async (_name, socket, code, elsewhere) => {
    const err = await new WhatsappSender(socket).sendText('203456789012345@lid', 'x', 'k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorSendError);
    // Only a standby knows another replica holds the socket; "not connected" is this one's trouble.
    expect(err).toMatchObject({ channel: 'whatsapp', code, transient: true, elsewhere });
  });

  it.each(['', 'not-a-jid', 'status@broadcast', '123@newsletter', '+5511987654321'])('a bad address %j is a permanent error, nothing sent', async (jid) => {
    const s = sock();
    const err = await new WhatsappSender(() => ({ sock: s })).sendText(jid, 'x', 'k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid-jid', transient: false });
    expect(s.sent).toEqual([]);
  });

  it('sorts provider errors: timeouts and closed connections transient, bad requests permanent', async () => {
    const s = sock();
    const sender = new WhatsappSender(() => ({ sock: s }));
    s.sendError = new Boom('Timed Out', { statusCode: 408 });
    await expect(sender.sendText('203456789012345@lid', 'x', 'a')).rejects.toMatchObject({ transient: true });
    s.sendError = new Boom('bad-request', { statusCode: 400 });
    await expect(sender.sendText('203456789012345@lid', 'x', 'b')).rejects.toMatchObject({ code: 'rejected-400', transient: false });
    s.sendError = new TypeError('Cannot read properties of undefined');
    await expect(sender.sendText('203456789012345@lid', 'x', 'c')).rejects.toMatchObject({ code: 'send-failed', transient: true });
  });
});

describe('numbered options', () => {
  it('lists a reply’s options as numbered lines after its text, and leaves other replies alone', async () => {
    const { withNumberedOptions } = await import('./numbered-options.ts');
    expect(withNumberedOptions('Você concorda? Responda SIM ou NÃO.', [{ id: 'yes', title: 'SIM' }, { id: 'no', title: 'NÃO' }])).toBe('Você concorda? Responda SIM ou NÃO.\n\n1. SIM\n2. NÃO');
    expect(withNumberedOptions('Qual é o seu nome?', [])).toBe('Qual é o seu nome?');
    expect(withNumberedOptions('Qual é o seu nome?', undefined)).toBe('Qual é o seu nome?');
  });
});
