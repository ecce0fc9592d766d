// Cloud API, outbound side: one text reply → POST {api}/{phone-number-id}/messages.
// Resilience with cockatiel, composed as retry( breaker( timeout( call ) ) ), so every attempt
// counts towards the breaker and an outage opens it quickly; later sends then fail fast (as
// transient, so the OutboundSender reschedules them) instead of each waiting for a timeout.
// A 4xx is permanent (the same request will fail the same way) unless its Graph code says
// "rate limit" or "try later"; 429s go back to the OutboundSender with Retry-After.
// https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ConstantBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { ConnectorSendError, type SendOptions, type SendReceipt } from '../types.ts';
import { WHATSAPP_CLOUD_CHANNEL, type WhatsappCloudConfig } from './config.ts';
import { GraphCallError, postGraphMessage } from './graph-client.ts';
import { buttonMessageBody } from './interactive.ts';
import type { WhatsappCloudMetrics } from './metrics.ts';
import { LruMap } from '../../src/util/lru-map.ts';

/** WhatsApp's limit for a text body, in characters. */
export const MAX_BODY_CHARS = 4096;
// Replies already accepted by Meta, by idempotency key: a resend of the same reply (the
// "sent" mark failed after the call) returns the first receipt instead of a second message.
// The Cloud API has no idempotency key of its own; this covers the common case in-process.
const REMEMBERED_SENDS = 1000;

const isOutage = (err: unknown) => err instanceof TaskCancelledError || (err instanceof GraphCallError && err.outage);

/** The recipient field: a wa_id (digits) goes in `to`; a chat keyed by a business-scoped user
 * id (BSUID, "BR.1349…") in `recipient`, the field Meta added for BSUIDs in 2026. */
export function recipientOf(chatId: string): { to: string } | { recipient: string } {
  return /^\d+$/.test(chatId) ? { to: chatId } : { recipient: chatId };
}

/** Texts over the limit are cut at a word boundary with "…": one reply stays one message
 * (one provider id, one status), and bot replies are far shorter than this anyway. */
export function fitBody(text: string): string {
  const chars = [...text];
  if (chars.length <= MAX_BODY_CHARS) return text;
  const head = chars.slice(0, MAX_BODY_CHARS - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${space > head.length - 200 ? head.slice(0, space) : head}…`;
}

export function textMessageBody(chatId: string, text: string) {
  return { messaging_product: 'whatsapp', recipient_type: 'individual', ...recipientOf(chatId), type: 'text', text: { preview_url: false, body: fitBody(text) } };
}

export class GraphSender {
  private readonly breaker;
  private readonly policy;
  private readonly sent = new LruMap<string, SendReceipt>(REMEMBERED_SENDS);

  constructor(
    private readonly config: WhatsappCloudConfig,
    private readonly metrics: WhatsappCloudMetrics,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    const o = config.policy;
    this.breaker = circuitBreaker(handleWhen(isOutage), { halfOpenAfter: o.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breakerThreshold) });
    // Only outages are retried here, and once by default: a rate limit is retried later by
    // the OutboundSender, and the whole call must fit in its 15 s budget.
    const retries = retry(handleWhen(isOutage), { maxAttempts: Math.max(o.maxAttempts - 1, 0), backoff: new ConstantBackoff(o.backoffMs) });
    this.policy = wrap(retries, this.breaker, timeout(o.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }));
  }

  get circuitOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  async sendText(chatId: string, text: string, idempotencyKey: string, options?: SendOptions): Promise<SendReceipt> {
    const remembered = this.sent.get(idempotencyKey);
    if (remembered) return remembered;
    const url = `${this.config.apiUrl}/${this.config.phoneNumberId}/messages`;
    const body = buttonMessageBody(recipientOf(chatId), text, options?.options) ?? textMessageBody(chatId, text);
    try {
      const result = await this.policy.execute(({ signal }) => postGraphMessage(url, this.config.token, body, signal, this.fetchImpl));
      const receipt: SendReceipt = result.id ? { providerMessageId: result.id } : {};
      this.remember(idempotencyKey, receipt);
      this.metrics.sends.inc({ outcome: 'sent' });
      return receipt;
    } catch (err) {
      throw this.toSendError(err);
    }
  }

  private toSendError(err: unknown): ConnectorSendError {
    if (err instanceof BrokenCircuitError) {
      this.metrics.sends.inc({ outcome: 'circuit_open' });
      return new ConnectorSendError(WHATSAPP_CLOUD_CHANNEL, 'circuit-open', 'the Graph API kept failing; sends are paused for a while', true, this.config.policy.halfOpenAfterMs);
    }
    if (err instanceof TaskCancelledError) {
      this.metrics.sends.inc({ outcome: 'transient' });
      return new ConnectorSendError(WHATSAPP_CLOUD_CHANNEL, 'timeout', `the Graph API did not answer within ${this.config.policy.timeoutMs} ms`, true);
    }
    if (err instanceof GraphCallError) {
      this.metrics.sends.inc({ outcome: err.transient ? 'transient' : 'permanent' });
      return new ConnectorSendError(WHATSAPP_CLOUD_CHANNEL, err.code, err.message, err.transient, err.retryAfterMs);
    }
    this.metrics.sends.inc({ outcome: 'transient' });
    return new ConnectorSendError(WHATSAPP_CLOUD_CHANNEL, 'unexpected', (err as Error).message.slice(0, 200), true);
  }

  private remember(key: string, receipt: SendReceipt) {
    this.sent.set(key, receipt);
  }
}
