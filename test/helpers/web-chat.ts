// A web chat client for tests: opens a session on an app (inject) and talks to the bot,
// waiting for the bot's replies the way a chat client would (reading after a cursor).
import type { Atende } from '../../src/app.ts';

export interface WebChat {
  chatId: string;
  token: string;
  mode: string;
  /** Posts a message; returns the 202 body. */
  send(text: string, messageId?: string): Promise<{ accepted: boolean; duplicate: boolean }>;
  /** All replies so far. */
  replies(): Promise<string[]>;
  /** Waits until at least `count` replies arrived in total; returns the new ones since `seen`. */
  waitReplies(count: number, timeoutMs?: number): Promise<string[]>;
  /** Sends a message and waits until the bot went quiet; returns its replies to it. */
  say(text: string, timeoutMs?: number): Promise<string[]>;
}

let seq = 0;

export async function openWebChat(atende: Atende, accessToken?: string): Promise<WebChat> {
  const res = await atende.http.inject({ method: 'POST', url: '/channels/web/sessions', headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });
  if (res.statusCode !== 201) throw new Error(`session: ${res.statusCode} ${res.body}`);
  const { chatId, token, mode } = res.json<{ chatId: string; token: string; mode: string }>();
  const auth = { authorization: `Bearer ${token}` };
  const replies = async () => {
    const list = await atende.http.inject({ url: `/channels/web/chats/${chatId}/messages?after=0&limit=200`, headers: auth });
    return list.json<{ messages: { text: string }[] }>().messages.map((m) => m.text);
  };
  const waitReplies = async (count: number, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await replies();
      if (all.length >= count) return all;
      if (Date.now() > deadline) throw new Error(`expected ${count} replies, got ${all.length}: ${JSON.stringify(all)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const send = async (text: string, messageId = `t${++seq}`) => {
    const post = await atende.http.inject({ method: 'POST', url: '/channels/web/messages', headers: auth, payload: { messageId, text } });
    if (post.statusCode !== 202) throw new Error(`post: ${post.statusCode} ${post.body}`);
    return post.json<{ accepted: boolean; duplicate: boolean }>();
  };
  return {
    chatId,
    token,
    mode,
    send,
    replies,
    waitReplies,
    async say(text, timeoutMs = 15_000) {
      const before = (await replies()).length;
      await send(text);
      // The bot answers every message with at least one reply unless in a handoff; then
      // wait for the pipeline to go idle so multi-reply turns are complete.
      await waitReplies(before + 1, timeoutMs);
      await atende.conversations.whenIdle();
      return (await replies()).slice(before);
    },
  };
}
