// Two replicas on one PostgreSQL and one Redis: a stream ticket issued by one opens the
// stream on the other, and a handoff opened, a person's message and a staff message handled
// on one replica reach a console connected to the other. The streams poll the event log only
// every 10 s, so events arriving within 5 s came through the Redis pub/sub wake-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../fsm/catalog.ts';
import { apiOf } from './helpers/admin-api.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { createTestDatabase, REDIS_TEST_URL, type TestDatabase } from './helpers/postgres.ts';
import { openSse } from './helpers/sse-client.ts';
import { openWebChat } from './helpers/web-chat.ts';

const ENV = { OLLAMA_HOST: 'http://127.0.0.1:9', REDIS_URL: REDIS_TEST_URL };

describe('handoff inbox across two replicas (Redis pub/sub)', () => {
  let pg: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let addressB: string;

  beforeAll(async () => {
    pg = await createTestDatabase();
    a = await startTestApp({ backend: 'postgres', database: pg, env: ENV });
    b = await startTestApp({ backend: 'postgres', database: pg, env: ENV });
    addressB = await b.atende.http.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await pg?.drop();
  });

  it('a console on replica B sees what happens on replica A, with a ticket issued by A', async () => {
    const attendant = await a.tokenFor('attendant');
    const { ticket } = (await apiOf(a)('POST', '/auth/stream-ticket', attendant)).json();
    const stream = await openSse(`${addressB}/conversations/events?ticket=${ticket}`);
    expect(stream.status).toBe(200);

    const chat = await openWebChat(a.atende);
    await chat.say('oi');
    expect(await chat.say('atendente')).toEqual([catalog.handoff()]);
    const opened = await stream.waitFor((e) => e.event === 'handoff.opened', 5_000);
    const id = opened.data.conversationId as string;

    await chat.send('alguém por aí?');
    expect((await stream.waitFor((e) => e.event === 'message.inbound' && e.data.conversationId === id, 5_000)).data.text).toBe('alguém por aí?');

    expect((await apiOf(a)('POST', `/conversations/${id}/messages`, attendant, { messageId: 'r-1', text: 'Estou aqui!' })).statusCode).toBe(202);
    await stream.waitFor((e) => e.event === 'message.staff' && e.data.conversationId === id, 5_000);
    await chat.waitReplies(3);
    expect((await chat.replies()).at(-1)).toBe('Estou aqui!');
    stream.close();
  });
});
