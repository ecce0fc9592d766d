// Cloud API "lido" + "digitando…": one POST /{phone-number-id}/messages marks the inbound
// message read and shows the typing indicator (it stays up to 25 s or until the reply).
// https://developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators
// A courtesy: any failure is swallowed (false) so the indicator never fails a turn.
import type { ChannelPresence } from '../types.ts';
import { postGraphMessage } from './graph-client.ts';

export function readWithTypingBody(messageId: string): Record<string, unknown> {
  return { messaging_product: 'whatsapp', status: 'read', message_id: messageId, typing_indicator: { type: 'text' } };
}

export interface CloudPresenceConfig {
  apiUrl: string;
  phoneNumberId: string;
  token: string;
  timeoutMs: number;
}

export class CloudPresence {
  constructor(
    private readonly config: CloudPresenceConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async readAndTyping(messageId: string): Promise<boolean> {
    const url = `${this.config.apiUrl}/${this.config.phoneNumberId}/messages`;
    try {
      await postGraphMessage(url, this.config.token, readWithTypingBody(messageId), AbortSignal.timeout(this.config.timeoutMs), this.fetchImpl);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The connector's presence hook: one call per turn, on the newest message (reading it marks the
 * earlier ones of a burst read too). Nothing to stop: the reply takes the indicator down.
 */
export function cloudTurnPresence(presence: CloudPresence): ChannelPresence {
  return {
    turnStarted({ messageIds }, outcome) {
      const newest = messageIds.at(-1);
      if (newest) void presence.readAndTyping(newest).then(outcome);
      return { stop: () => {} };
    },
  };
}
