// One POST to the receiver, classified: delivered, worth retrying, or refused for good.
// Error texts name the status or the network failure only — never the URL (it may carry a
// token) nor the response body (a receiver may echo the contact back).
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody } from './sync-payload.ts';
import { retryAfterMs } from '../util/retry-after.ts';

export type PostOutcome = { kind: 'sent' } | { kind: 'retry'; error: string; retryAfterMs?: number } | { kind: 'failed'; error: string };

export interface WebhookPost {
  url: string;
  secret: string;
  timeoutMs: number;
  body: string;
  event: string;
  deliveryId: string;
}

function networkError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // The code (ECONNREFUSED, ENOTFOUND…), or a short message that cannot hold the URL.
  const message = e?.cause?.message;
  const reason = e?.cause?.code ?? (message && message.length <= 60 && !/[/?@]/.test(message) ? message : undefined);
  return `network error${reason ? ` (${reason})` : ''}`;
}

export async function postWebhook(post: WebhookPost): Promise<PostOutcome> {
  let res: Response;
  try {
    res = await fetch(post.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'atende-contact-sync',
        [SIGNATURE_HEADER]: signBody(post.body, post.secret),
        [EVENT_HEADER]: post.event,
        [DELIVERY_HEADER]: post.deliveryId,
      },
      body: post.body,
      // A redirect is a misconfigured URL: following it would resend personal data elsewhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(post.timeoutMs),
    });
  } catch (err) {
    return { kind: 'retry', error: networkError(err, post.timeoutMs) };
  }
  // The body is not read: nothing in it changes the outcome.
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status < 300) return { kind: 'sent' };
  const error = `receiver answered HTTP ${res.status}`;
  // 408/429 and 5xx are the receiver's momentary trouble; any other answer will not change.
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    const after = retryAfterMs(res.headers.get('retry-after'));
    return after === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs: after };
  }
  return { kind: 'failed', error };
}
