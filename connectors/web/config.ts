// The web chat channel's settings, taken from the validated app config.
import type { Config } from '../../src/config/env.ts';

export interface WebChannelConfig {
  /** Messages one session may post per minute. */
  messagesPerMinutePerSession: number;
  /** Requests one IP may make per minute to the web chat endpoints (sessions included). */
  requestsPerMinutePerIp: number;
  /** Sessions live a day (contact) or a work shift (attendant); then the client opens a new one. */
  contactSessionTtlSeconds: number;
  attendantSessionTtlSeconds: number;
}

export function webChannelConfig(config: Config): WebChannelConfig {
  return {
    messagesPerMinutePerSession: config.WEB_CHAT_RATE_LIMIT_PER_MIN,
    requestsPerMinutePerIp: config.WEB_CHAT_IP_RATE_LIMIT_PER_MIN,
    contactSessionTtlSeconds: 24 * 3600,
    attendantSessionTtlSeconds: 8 * 3600,
  };
}
