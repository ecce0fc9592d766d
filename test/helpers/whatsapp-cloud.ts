// Talking to atende as Meta does: signed webhook POSTs in the documented payload shape
// (connectors/whatsapp-cloud/fixtures/), and a WhatsApp user whose bot replies are read from
// the fake Graph API (test/helpers/fake-graph.ts).
import type { LightMyRequestResponse } from 'fastify';
import type { Atende } from '../../src/app.ts';
import { signatureOf } from '../../connectors/whatsapp-cloud/signature.ts';
import type { FakeGraph } from './fake-graph.ts';

export const CLOUD = {
  token: 'EAAGm0PX4ZCpsBA-test-token',
  appSecret: 'cloud-app-secret-0123456789abcdef',
  verifyToken: 'meu-token-de-verificacao',
  phoneNumberId: '106540352242922',
  wabaId: '102290129340398',
};

/** The env that turns the channel on, its Graph calls going to `graphUrl`. */
export const cloudEnv = (graphUrl: string): Record<string, string> => ({
  WHATSAPP_CLOUD_TOKEN: CLOUD.token,
  WHATSAPP_CLOUD_APP_SECRET: CLOUD.appSecret,
  WHATSAPP_CLOUD_VERIFY_TOKEN: CLOUD.verifyToken,
  WHATSAPP_CLOUD_PHONE_NUMBER_ID: CLOUD.phoneNumberId,
  WHATSAPP_CLOUD_API_URL: graphUrl,
});

/** Posts a body to the webhook, signed with the app secret unless a signature is given. */
export function postWebhook(atende: Atende, body: unknown, options: { signature?: string | null; secret?: string } = {}): Promise<LightMyRequestResponse> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signature = options.signature === undefined ? signatureOf(raw, options.secret ?? CLOUD.appSecret) : options.signature;
  return atende.http.inject({
    method: 'POST',
    url: '/webhooks/whatsapp-cloud',
    headers: { 'content-type': 'application/json', ...(signature !== null ? { 'x-hub-signature-256': signature } : {}) },
    payload: raw,
  });
}

const envelope = (value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: CLOUD.wabaId, changes: [{ value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: CLOUD.phoneNumberId }, ...value }, field: 'messages' }] }],
});

export interface CloudSender {
  /** wa_id (phone digits) — absent for a username user known only by BSUID. */
  waId?: string;
  /** business-scoped user id. */
  userId?: string;
  name: string;
}

export function textWebhook(from: CloudSender, id: string, text: string, at = new Date()) {
  return envelope({
    contacts: [{ profile: { name: from.name }, ...(from.waId ? { wa_id: from.waId } : {}), ...(from.userId ? { user_id: from.userId } : {}) }],
    messages: [{ ...(from.waId ? { from: from.waId } : {}), ...(from.userId ? { from_user_id: from.userId } : {}), id, timestamp: String(Math.floor(at.getTime() / 1000)), type: 'text', text: { body: text } }],
  });
}

export function statusWebhook(statuses: { id: string; status: string; at: Date; recipient?: string; error?: { code: number; title: string } }[]) {
  return envelope({
    statuses: statuses.map((s) => ({
      id: s.id,
      status: s.status,
      timestamp: String(Math.floor(s.at.getTime() / 1000)),
      recipient_id: s.recipient ?? '5511988887777',
      ...(s.error ? { errors: [{ ...s.error, message: s.error.title, error_data: { details: s.error.title } }] } : {}),
    })),
  });
}

export interface CloudChat {
  /** Bodies of the Graph requests addressed to this chat, in order. */
  requests(): Record<string, unknown>[];
  replies(): string[];
  /** Posts a text (a fresh wamid unless given) and returns the 200 body. */
  send(text: string, wamid?: string): Promise<{ messages: number; duplicates: number; statuses: number }>;
  /** Sends, waits for at least one reply and for the pipeline to go idle; returns the new replies. */
  say(text: string, timeoutMs?: number): Promise<string[]>;
}

let seq = 0;

export function cloudChat(atende: Atende, graph: FakeGraph, from: CloudSender): CloudChat {
  const mine = (body: unknown) => {
    const b = body as { to?: string; recipient?: string };
    return from.userId ? b.recipient === from.userId : b.to === from.waId;
  };
  const requests = () => graph.requests.map((r) => r.body as Record<string, unknown>).filter(mine);
  // A reply with options is an interactive button message: its text is the body's.
  const replies = () => requests().map((b) => (b.type === 'interactive' ? (b.interactive as { body: { text: string } }).body.text : (b.text as { body: string }).body));
  const send = async (text: string, wamid = `wamid.HBgNTEST${Date.now()}${++seq}FQIAEhgUM0FFNTVCQzgxQzNBQUExQzUwMEMA`) => {
    const res = await postWebhook(atende, textWebhook(from, wamid, text));
    if (res.statusCode !== 200) throw new Error(`webhook: ${res.statusCode} ${res.body}`);
    return res.json<{ messages: number; duplicates: number; statuses: number }>();
  };
  return {
    requests,
    replies,
    send,
    async say(text, timeoutMs = 15_000) {
      const before = replies().length;
      await send(text);
      const deadline = Date.now() + timeoutMs;
      while (replies().length <= before) {
        if (Date.now() > deadline) throw new Error(`no reply to ${JSON.stringify(text)}; replies so far: ${JSON.stringify(replies())}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      await atende.conversations.whenIdle();
      return replies().slice(before);
    },
  };
}
