// Message bursts end to end (issue 15 part 5), on PGlite and PostgreSQL: messages a person sends
// in quick succession to an idle chat are answered as ONE turn — one extraction over the joined
// text, one reply — with every row marked processed in that turn's commit; a message after the
// window gets its own turn; BURST_WINDOW_MS=0 answers every message on its own. The acks are
// not delayed (each POST answers 202 at once). The commit of a burst is all or nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { BACKENDS, startTestApp, type TestApp } from './helpers/app.ts';
import { behave, type FakeOllama, startFakeOllama } from './helpers/fake-ollama.ts';
import { staysFor } from './helpers/quiet.ts';
import { openWebChat, type WebChat } from './helpers/web-chat.ts';

const WINDOW_MS = 700;
const FAST_LLM = { LLM_TIMEOUT_MS: '2000', LLM_MAX_ATTEMPTS: '1', LLM_BREAKER_THRESHOLD: '100' };
const MARIA = { name: 'Maria Silva', phone: '(11) 98765-4321', email: null, reason: 'apoio emocional' };

async function pastConsent(chat: WebChat) {
  expect(await chat.say('oi')).toEqual([catalog.greetingConsent()]);
  expect(await chat.say('sim')).toEqual([catalog.intro('contact')]);
}

describe.each(BACKENDS)('message bursts (%s)', (backend) => {
  let fake: FakeOllama;
  let t: TestApp;
  let off: TestApp;
  const versionOf = async (app: TestApp, chatId: string) =>
    (await app.atende.db.prisma.conversation.findFirstOrThrow({ where: { channel: 'web', chatId }, orderBy: { createdAt: 'desc' } })).version;
  const rowsOf = (app: TestApp, chatId: string) =>
    app.atende.db.prisma.inboundMessage.findMany({ where: { channel: 'web', chatId }, orderBy: { id: 'asc' }, select: { text: true, processedAt: true, conversationId: true } });

  beforeAll(async () => {
    fake = await startFakeOllama({ fallback: behave.json(MARIA) });
    [t, off] = await Promise.all([
      startTestApp({ backend, env: { OLLAMA_HOST: fake.url, ...FAST_LLM, BURST_WINDOW_MS: String(WINDOW_MS) } }),
      startTestApp({ backend, env: { OLLAMA_HOST: fake.url, ...FAST_LLM, BURST_WINDOW_MS: '0' } }),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await off?.close();
    await fake?.close();
  });

  it('three messages inside the window: one extraction over the joined text, one reply, one commit; a fourth after it: its own turn', async () => {
    const chat = await openWebChat(t.atende);
    await pastConsent(chat);
    const version = await versionOf(t, chat.chatId);
    const extractions = fake.chatRequests().length;

    for (const text of ['Maria Silva', '(11) 98765-4321', 'apoio emocional']) {
      const started = performance.now();
      expect(await chat.send(text)).toEqual({ accepted: true, duplicate: false });
      // The ack does not wait for the window.
      expect(performance.now() - started).toBeLessThan(WINDOW_MS);
    }
    await chat.waitReplies(3);
    await t.atende.conversations.whenIdle();
    expect((await chat.replies()).slice(2)).toEqual([catalog.question('email', 'contact')]);
    expect(await versionOf(t, chat.chatId)).toBe(version + 1);

    const calls = fake.chatRequests().slice(extractions);
    expect(calls).toHaveLength(1);
    const user = (calls[0]!.body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === 'user')!;
    expect(user.content).toContain('Maria Silva\n(11) 98765-4321\napoio emocional');

    // Every row of the burst was marked in the same commit, and joined the conversation.
    const burst = (await rowsOf(t, chat.chatId)).slice(2);
    expect(burst.map((r) => r.text)).toEqual(['Maria Silva', '(11) 98765-4321', 'apoio emocional']);
    expect(new Set(burst.map((r) => r.processedAt?.toISOString())).size).toBe(1);
    expect(burst[0]!.processedAt).not.toBeNull();
    expect(new Set(burst.map((r) => r.conversationId)).size).toBe(1);

    // Sent after the burst was answered, so after its window: a turn of its own.
    const summary = await chat.say('pular');
    expect(summary.join('\n')).toContain('• Nome: Maria Silva');
    expect(await versionOf(t, chat.chatId)).toBe(version + 2);
    expect(fake.chatRequests().slice(extractions)).toHaveLength(1);
    expect(await staysFor(async () => (await chat.replies()).length)).toBe(4);
  });

  it('with BURST_WINDOW_MS=0 every message is its own turn', async () => {
    const chat = await openWebChat(off.atende);
    await pastConsent(chat);
    const version = await versionOf(off, chat.chatId);
    for (const text of ['Maria Silva', '(11) 98765-4321', 'apoio emocional']) await chat.send(text);
    await chat.waitReplies(5);
    await off.atende.conversations.whenIdle();
    expect(await versionOf(off, chat.chatId)).toBe(version + 3);
    expect((await rowsOf(off, chat.chatId)).every((r) => r.processedAt)).toBe(true);
  });

  it('commits a burst all or nothing: a row already processed makes the turn stale and marks none of the others', async () => {
    const { inbox, conversations } = t.atende.conversations.repositories;
    const chat = { channel: 'web', accountId: 'web', chatId: `burst-commit-${backend}` };
    const message = (id: string, text: string) => ({ ...chat, messageId: id, sender: { id: chat.chatId }, text, kind: 'text' as const, timestamp: new Date() });
    const ids = [...(await inbox.insertNew([message('b1', 'oi'), message('b2', 'Maria'), message('b3', 'Silva')])).values()].sort((a, b) => (a < b ? -1 : 1));
    const at = new Date();
    const turn = (id: string) => ({
      chat,
      inboxId: ids[0]!,
      burstIds: ids.slice(1),
      conversation: { id, mode: 'contact' as const, senderId: chat.chatId, attendantUserId: null, createdAt: at },
      snapshot: { value: 'test' },
      status: 'active',
      at,
      activityAt: at,
      replies: [{ key: `${id}:r1`, text: 'ok' }],
    });
    await inbox.markProcessed(ids[2]!, at, 'taken elsewhere');
    expect(await conversations.commitTurn(turn('00000000-0000-4000-8000-000000000001'))).toBe('stale');
    expect((await inbox.isProcessed(ids[0]!)) || (await inbox.isProcessed(ids[1]!))).toBe(false);
    expect(await conversations.latestConversation(chat)).toBeNull();

    const fresh = [...(await inbox.insertNew([message('b4', 'oi'), message('b5', 'Maria')])).values()].sort((a, b) => (a < b ? -1 : 1));
    const replies = await conversations.commitTurn({ ...turn('00000000-0000-4000-8000-000000000002'), inboxId: fresh[0]!, burstIds: fresh.slice(1) });
    expect(replies).toEqual([expect.objectContaining({ key: '00000000-0000-4000-8000-000000000002:r1', text: 'ok' })]);
    expect(await Promise.all(fresh.map((id) => inbox.isProcessed(id)))).toEqual([true, true]);
  });
});
