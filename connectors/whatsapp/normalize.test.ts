import { readdirSync, readFileSync } from 'node:fs';
import { proto } from '@whiskeysockets/baileys';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateInbound } from '../../src/intake/inbound-validation.ts';
import { type NormalizeContext, normalizeMessage, normalizeUpsert } from './normalize.ts';
import { deliveryStatuses } from './receipts.ts';

const dir = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const upsert = (name: string) => fixture(`upsert-${name}.json`) as { type: string; messages: { message?: object }[] };
/** The event as the socket emits it: message bodies as protobuf class instances. */
const asProto = (event: ReturnType<typeof upsert>) => ({ ...event, messages: event.messages.map((m) => ({ ...m, ...(m.message ? { message: proto.Message.fromObject(m.message) } : {}) })) });

const ctx: NormalizeContext = { accountId: '5511900000000', allowGroups: false };

describe.each([
  ['JSON', (e: ReturnType<typeof upsert>) => e],
  ['protobuf', asProto],
])('whatsapp normalizer (%s messages)', (_form, shape) => {
  const run = (name: string, c: NormalizeContext = ctx) => normalizeUpsert(shape(upsert(name)), c);

  it('reads a plain text message with its phone, name and time', async () => {
    const { messages } = await run('text-notify');
    expect(messages).toHaveLength(1);
    const m = messages[0]!;
    expect(m).toMatchObject({
      channel: 'whatsapp',
      accountId: '5511900000000',
      messageId: '3EB0A1B2C3D4E5F60718',
      chatId: '5511987654321@s.whatsapp.net',
      sender: { id: '5511987654321@s.whatsapp.net', phone: '+5511987654321', displayName: 'Maria Silva' },
      text: 'Oi, quero me cadastrar',
      kind: 'text',
    });
    expect(m.timestamp.toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(validateInbound(m)).toBeDefined();
  });

  it('takes append batches (received while offline) and skips the reaction inside', async () => {
    const { messages, skipped } = await run('append-batch');
    expect(messages.map((m) => m.text)).toEqual(['Oi', 'Meu nome é Maria Silva']);
    expect(skipped).toEqual({ reaction: 1 });
  });

  it.each([
    ['extended-text', 'Respondendo: maria@exemplo.com.br'],
    ['ephemeral', 'Mensagem temporária: apoio emocional'],
    ['view-once-text', 'visualização única'],
    ['button-reply', 'Sim'],
    ['list-reply', 'Apoio emocional'],
    ['template-reply', 'Confirmar'],
    ['interactive-reply', 'Cancelar'],
  ])('reads the text of %s', async (name, text) => {
    const { messages } = await run(name);
    expect(messages.map((m) => [m.kind, m.text])).toEqual([['text', text]]);
  });

  it.each([
    ['image', 'image'],
    ['audio', 'audio'],
    ['view-once', 'image'],
  ])('hands %s over as media with no text (the bot answers that it reads text only)', async (name, kind) => {
    const { messages } = await run(name);
    expect(messages.map((m) => [m.kind, m.text])).toEqual([[kind, '']]);
  });

  it.each([
    ['edit', 'protocol'],
    ['edit-wrapper', 'edit'],
    ['revoke', 'protocol'],
    ['reaction', 'reaction'],
    ['status-broadcast', 'status'],
    ['newsletter', 'newsletter'],
    ['from-me', 'from-me'],
    ['group', 'group'],
  ])('starts no turn for %s', async (name, why) => {
    const { messages, skipped, undecryptable } = await run(name);
    expect(messages).toEqual([]);
    expect(skipped).toEqual({ [why]: 1 });
    expect(undecryptable).toEqual([]);
  });

  it('reports an undecryptable stub of a private chat (to ask for it again), starting no turn', async () => {
    expect(proto.WebMessageInfo.StubType.CIPHERTEXT).toBe(2);
    const { messages, skipped, undecryptable } = await run('undecryptable');
    expect(messages).toEqual([]);
    expect(skipped).toEqual({ undecryptable: 1 });
    expect(undecryptable).toEqual([{ chatId: '5511987654321@s.whatsapp.net', messageId: '3EB016B2C3D4E5F60734' }]);
    // The enum's name, as a stub reads once it went through JSON.
    const named = upsert('undecryptable');
    named.messages = named.messages.map((m) => ({ ...m, messageStubType: 'CIPHERTEXT' }));
    expect((await normalizeUpsert(named, ctx)).undecryptable).toHaveLength(1);
  });

  it('never reports an undecryptable stub of a group, a status, or our own', async () => {
    const stub = upsert('undecryptable').messages[0] as unknown as { key: Record<string, unknown> };
    const variants = [
      { ...stub, key: { ...stub.key, remoteJid: '120363041234567890@g.us', participant: '203456789012345@lid' } },
      { ...stub, key: { ...stub.key, remoteJid: 'status@broadcast', participant: '5511987654321@s.whatsapp.net' } },
      { ...stub, key: { ...stub.key, fromMe: true } },
    ];
    const result = await normalizeUpsert({ type: 'notify', messages: variants }, { ...ctx, allowGroups: true });
    expect(result).toEqual({ messages: [], skipped: { undecryptable: 1, status: 1, 'from-me': 1 }, undecryptable: [] });
  });

  it('a stub that carries readable content is read, not reported', async () => {
    const stub = upsert('undecryptable').messages[0]!;
    const { messages, undecryptable } = await normalizeUpsert(shape({ type: 'notify', messages: [{ ...stub, message: { conversation: 'oi' } }] }), ctx);
    expect(messages.map((m) => m.text)).toEqual(['oi']);
    expect(undecryptable).toEqual([]);
  });

  it('takes group messages when groups are allowed: chat = group, sender = the participant', async () => {
    const { messages } = await run('group', { ...ctx, allowGroups: true });
    expect(messages[0]).toMatchObject({ chatId: '120363041234567890@g.us', sender: { id: '203456789012345@lid', phone: '+5511987654321' }, text: 'oi grupo' });
  });

  it('LID addressing: keys the chat on the LID, phone from the alternate JID', async () => {
    const { messages } = await run('lid-with-alt');
    expect(messages[0]).toMatchObject({ chatId: '203456789012345@lid', sender: { id: '203456789012345@lid', phone: '+5511987654321' } });
  });

  it('a PN-addressed message naming the LID lands in the same conversation as the LID-addressed one', async () => {
    const [a, b] = await Promise.all([run('lid-with-alt'), run('pn-with-lid-alt')]);
    expect(b.messages[0]!.chatId).toBe(a.messages[0]!.chatId);
    expect(b.messages[0]!.sender.phone).toBe('+5511987654321');
  });

  it('LID without alternate: phone from the LID→PN mapping, else unknown', async () => {
    const asked: string[] = [];
    const mapped = await run('lid-without-alt', { ...ctx, pnForLid: async (lid) => (asked.push(lid), '5521998765432:0@s.whatsapp.net') });
    expect(asked).toEqual(['209876543210987@lid']);
    expect(mapped.messages[0]).toMatchObject({ chatId: '209876543210987@lid', sender: { id: '209876543210987@lid', phone: '+5521998765432', displayName: 'João' } });

    const unknown = await run('lid-without-alt', { ...ctx, pnForLid: async () => null });
    expect(unknown.messages[0]!.sender).toEqual({ id: '209876543210987@lid', displayName: 'João' });
    const failing = await run('lid-without-alt', { ...ctx, pnForLid: async () => Promise.reject(new Error('store down')) });
    expect(failing.messages[0]!.sender.phone).toBeUndefined();
  });

  it('an old Brazilian mobile id (no 9th digit) gives the phone people type, as on the Cloud API', async () => {
    const mapped = await run('lid-without-alt', { ...ctx, pnForLid: async () => '552198765432@s.whatsapp.net' });
    expect(mapped.messages[0]!.sender.phone).toBe('+5521998765432');
  });
});

describe('whatsapp normalizer on garbage', () => {
  it('never throws and only emits storable messages, whatever the socket hands over', async () => {
    const jid = fc.constantFrom('5511987654321@s.whatsapp.net', '123@lid', 'status@broadcast', '1@g.us', 'x@newsletter', '', 'a:b@c', '5511987654321:3@s.whatsapp.net');
    const message = fc.oneof(
      fc.anything(),
      fc.record({ conversation: fc.oneof(fc.string({ maxLength: 5000 }), fc.anything()) }, { requiredKeys: [] }),
      fc.record({ extendedTextMessage: fc.anything(), ephemeralMessage: fc.record({ message: fc.anything() }), imageMessage: fc.anything(), buttonsResponseMessage: fc.anything() }, { requiredKeys: [] }),
    );
    const item = fc.oneof(
      fc.anything(),
      fc.record({
        key: fc.oneof(fc.anything(), fc.record({ remoteJid: fc.oneof(jid, fc.anything()), remoteJidAlt: fc.oneof(jid, fc.anything()), participant: fc.anything(), fromMe: fc.anything(), id: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: [] })),
        message,
        messageTimestamp: fc.oneof(fc.integer(), fc.string(), fc.anything(), fc.record({ low: fc.integer(), high: fc.integer() })),
        pushName: fc.anything(),
      }, { requiredKeys: [] }),
    );
    const event = fc.oneof(fc.anything(), fc.record({ type: fc.constantFrom('notify', 'append', 'x'), messages: fc.oneof(fc.array(item, { maxLength: 5 }), fc.anything()) }));
    await fc.assert(
      fc.asyncProperty(event, fc.boolean(), async (e, allowGroups) => {
        const { messages } = await normalizeUpsert(e, { ...ctx, allowGroups, pnForLid: async () => { throw new Error('x'); } });
        for (const m of messages) expect(validateInbound(m)).toBeDefined();
      }),
      { numRuns: 1500 },
    );
  });

  it('a throwing getter does not escape', async () => {
    const evil = { get key(): never { throw new Error('boom'); } };
    await expect(normalizeMessage(evil, ctx)).resolves.toEqual({ skipped: 'malformed' });
  });
});

describe('whatsapp receipts', () => {
  it('maps our sent messages\' receipts to delivery statuses, ignoring others', () => {
    const at = new Date('2025-12-01T00:00:00Z');
    expect(deliveryStatuses(fixture('update-receipts.json'), () => at)).toEqual([
      { channel: 'whatsapp', providerMessageId: '3EB0AAAA0001', status: 'delivered', at },
      { channel: 'whatsapp', providerMessageId: '3EB0AAAA0001', status: 'read', at },
    ]);
    expect(deliveryStatuses('nope')).toEqual([]);
  });
});

it('every fixture is used by a test', () => {
  const used = readFileSync(new URL(import.meta.url), 'utf8');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const name = f.replace(/^upsert-/, '').replace(/\.json$/, '');
    expect(used.includes(`'${name}'`) || used.includes(f), f).toBe(true);
  }
});
