// The conversation runtime around a machine: order, dedupe, in-flight extraction, idempotent
// saves, outbound retries, handoff/resume and crash recovery by the sweeper — on PGlite
// (in-process locks and kicks) and on PostgreSQL + Redis (Redis leases, stream kicks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Extractor } from '../src/extraction/mcp-extractor.ts';
import { BACKENDS } from './helpers/app.ts';
import { echoMachine } from './helpers/echo-machine.ts';
import { eventually, message, type Rig, startRig } from './helpers/pipeline-rig.ts';
import { REDIS_TEST_URL } from './helpers/postgres.ts';
import { staysFor } from './helpers/quiet.ts';

let extractionGate: Promise<void> = Promise.resolve();
const slowExtractor: Extractor = {
  async extract(input) {
    await extractionGate;
    return { outcome: 'ok', failure: null, found: { name: input.text.slice(8) }, missing: [], invalid: [], fields: {} };
  },
  async close() {},
};

describe.each(BACKENDS)('conversation runtime on %s', (backend) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ backend, machine: echoMachine, extractor: slowExtractor, ...(backend === 'postgres' ? { redisUrl: REDIS_TEST_URL } : {}) });
  });
  afterAll(() => rig?.close());

  it('answers each message of a chat once, in arrival order, even in a burst', async () => {
    const chat = `burst-${backend}-${Date.now()}`;
    for (let i = 1; i <= 20; i++) {
      const [outcome] = await rig.engine.intake.receive([message(chat, `msg ${i}`)]);
      expect(outcome).toEqual({ accepted: true, duplicate: false });
    }
    const texts = await eventually(() => {
      const t = rig.connector.textsTo(chat);
      return t.length === 20 && t;
    });
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `eco ${i + 1} (contact): msg ${i + 1}`));
    const rows = await rig.db.prisma.inboundMessage.findMany({ where: { chatId: chat }, orderBy: { id: 'asc' } });
    const processed = rows.map((r) => r.processedAt!.getTime());
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => r.conversationId)).size).toBe(1);
  });

  it('keeps the arrival order of messages of one chat handed over all at once', async () => {
    const chat = `together-${backend}-${Date.now()}`;
    // Other chats' messages interleaved, so the batches mix chats as real traffic does.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        rig.engine.intake.receive([message(chat, `msg ${i + 1}`)]),
        rig.engine.intake.receive([message(`${chat}-other-${i}`, 'oi')]),
      ]).flat(),
    );
    const texts = await eventually(() => {
      const t = rig.connector.textsTo(chat);
      return t.length === 20 && t;
    });
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `eco ${i + 1} (contact): msg ${i + 1}`));
  });

  it('stores and answers a message posted 50 times at once exactly once', async () => {
    const chat = `dup-${backend}-${Date.now()}`;
    const same = message(chat, 'olá');
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => rig.engine.intake.receive([{ ...same }]).then((r) => r[0]!)));
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(outcomes.every((o) => o.accepted)).toBe(true);
    await eventually(() => rig.connector.textsTo(chat).length === 1);
    // And days later (Redis mark or not), still a duplicate.
    const [again] = await rig.engine.intake.receive([{ ...same }]);
    expect(again).toEqual({ accepted: true, duplicate: true });
    await rig.engine.whenIdle();
    expect(await rig.db.prisma.inboundMessage.count({ where: { chatId: chat } })).toBe(1);
    expect(rig.connector.textsTo(chat)).toEqual(['eco 1 (contact): olá']);
  });

  it('keeps later messages waiting while an extraction is in flight', async () => {
    const chat = `extract-${backend}-${Date.now()}`;
    let open!: () => void;
    extractionGate = new Promise((resolve) => (open = resolve));
    await rig.engine.intake.receive([message(chat, 'extrair Maria')]);
    await rig.engine.intake.receive([message(chat, 'depois')]);
    // Nothing to wait for: the proof is that nothing is sent while the extraction hangs.
    expect(await staysFor(() => rig.connector.textsTo(chat))).toEqual([]);
    open();
    const texts = await eventually(() => {
      const t = rig.connector.textsTo(chat);
      return t.length === 2 && t;
    });
    expect(texts).toEqual(['extraído: {"name":"Maria"}', 'eco 1 (contact): depois']);
  });

  it('retries a transient send failure and gives up on a permanent one, keeping order', async () => {
    const chat = `send-${backend}-${Date.now()}`;
    rig.connector.failNext = ['transient'];
    await rig.engine.intake.receive([message(chat, 'um')]);
    await rig.engine.intake.receive([message(chat, 'dois')]);
    const texts = await eventually(() => {
      const t = rig.connector.textsTo(chat);
      return t.length === 2 && t;
    }, 15_000);
    expect(texts).toEqual(['eco 1 (contact): um', 'eco 2 (contact): dois']);

    rig.connector.failNext = ['permanent'];
    await rig.engine.intake.receive([message(chat, 'três')]);
    await rig.engine.intake.receive([message(chat, 'quatro')]);
    await eventually(() => rig.connector.textsTo(chat).length === 3);
    expect(rig.connector.textsTo(chat)[2]).toBe('eco 4 (contact): quatro');
    const failed = await rig.db.prisma.outboundMessage.findMany({ where: { chatId: chat, status: 'failed' } });
    expect(failed.map((f) => f.text)).toEqual(['eco 3 (contact): três']);
    const metrics = await rig.registry.getSingleMetricAsString('atende_outbound_messages_total');
    expect(metrics).toMatch(/channel="test",outcome="retry"\} [1-9]/);
    expect(metrics).toMatch(/channel="test",outcome="failed"\} [1-9]/);
  });

  it('saves a contact once, however often the save is repeated', async () => {
    const chat = `save-${backend}-${Date.now()}`;
    await rig.engine.intake.receive([message(chat, 'salvar Maria Silva;11 99999-8888;apoio emocional')]);
    const [reply] = (await eventually(() => {
      const t = rig.connector.textsTo(chat);
      return t.length === 1 && t;
    })) as string[];
    const contact = await rig.db.prisma.contact.findUnique({ where: { phone: '+5511999998888' } });
    expect(contact).toMatchObject({ name: 'Maria Silva', sourceChannel: 'test', sourceChatId: chat, mode: 'contact', createdBy: 'bot' });
    expect(reply).toBe(`salvo ${contact!.protocol}`);
    const conversation = await rig.db.prisma.conversation.findFirst({ where: { chatId: chat } });
    expect(conversation).toMatchObject({ status: 'completed', contactId: contact!.id });
    // The next message starts a new conversation.
    await rig.engine.intake.receive([message(chat, 'oi de novo')]);
    await eventually(() => rig.connector.textsTo(chat).length === 2);
    expect(await rig.db.prisma.conversation.count({ where: { chatId: chat } })).toBe(2);
  });

  it('stays silent during a handoff until an attendant resumes the conversation', async () => {
    const chat = `handoff-${backend}-${Date.now()}`;
    await rig.engine.intake.receive([message(chat, 'atendente')]);
    await eventually(() => rig.connector.textsTo(chat).length === 1);
    await rig.engine.intake.receive([message(chat, 'alô?')]);
    await rig.engine.whenIdle();
    await eventually(async () => (await rig.db.prisma.inboundMessage.count({ where: { chatId: chat, processedAt: null } })) === 0);
    expect(rig.connector.textsTo(chat)).toEqual(['chamando uma pessoa']);
    const conversation = await rig.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat } });
    expect(conversation.status).toBe('handoff');
  });

  it("runs in attendant mode for a sender that is a staff member's chat identity", async () => {
    const chat = `staff-${backend}-${Date.now()}`;
    const user = await rig.db.prisma.user.create({
      data: { email: `${chat}@test.local`, role: 'attendant', passwordHash: 'x', identities: { create: [{ channel: 'test', address: chat }] } },
    });
    await rig.engine.intake.receive([message(chat, 'oi')]);
    await eventually(() => rig.connector.textsTo(chat).length === 1);
    expect(rig.connector.textsTo(chat)).toEqual(['eco 1 (attendant): oi']);
    expect(await rig.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat } })).toMatchObject({ mode: 'attendant', attendantUserId: user.id });
  });

  it('picks up messages left unprocessed by a worker that died (sweeper)', async () => {
    const chat = `orphan-${backend}-${Date.now()}`;
    // Stored as intake would, but never kicked: as if the process died right after the commit.
    await rig.db.prisma.inboundMessage.create({
      data: { channel: 'test', accountId: 'bot1', messageId: `orphan-${Date.now()}`, chatId: chat, senderId: chat, kind: 'text', text: 'perdida?', sentAt: new Date(), receivedAt: new Date(Date.now() - 10_000) },
    });
    const texts = await eventually(() => {
      const t = rig.connector.textsTo(chat);
      return t.length === 1 && t;
    }, 15_000);
    expect(texts).toEqual(['eco 1 (contact): perdida?']);
  });

  it('expires a conversation silent past the timeout, and starts a new one on the next message', async () => {
    const chat = `expiry-${backend}-${Date.now()}`;
    await rig.engine.intake.receive([message(chat, 'oi')]);
    await eventually(() => rig.connector.textsTo(chat).length === 1);
    const first = await rig.db.prisma.conversation.findFirstOrThrow({ where: { chatId: chat } });
    await rig.db.prisma.conversation.update({ where: { id: first.id }, data: { lastActivityAt: new Date(Date.now() - 3 * 3600_000) } });
    await eventually(() => rig.connector.textsTo(chat).length === 2, 15_000);
    expect(rig.connector.textsTo(chat)[1]).toBe('encerrado');
    expect(await rig.db.prisma.conversation.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({ status: 'expired' });
    await rig.engine.intake.receive([message(chat, 'voltei')]);
    await eventually(() => rig.connector.textsTo(chat).length === 3);
    expect(rig.connector.textsTo(chat)[2]).toBe('eco 1 (contact): voltei');
    expect(await rig.db.prisma.conversation.count({ where: { chatId: chat } })).toBe(2);
  });

  it('closes a conversation found idle when a message arrives, and answers in a new one', async () => {
    const chat = `late-${backend}-${Date.now()}`;
    await rig.engine.intake.receive([message(chat, 'oi')]);
    await eventually(() => rig.connector.textsTo(chat).length === 1);
    await rig.db.prisma.conversation.updateMany({ where: { chatId: chat }, data: { lastActivityAt: new Date(Date.now() - 3 * 3600_000) } });
    await rig.engine.intake.receive([message(chat, 'ainda aí?')]);
    await eventually(() => rig.connector.textsTo(chat).includes('eco 1 (contact): ainda aí?'), 15_000);
    const conversations = await rig.db.prisma.conversation.findMany({ where: { chatId: chat }, orderBy: { createdAt: 'asc' } });
    expect(conversations.map((c) => c.status)).toEqual(['expired', 'active']);
  });
});
