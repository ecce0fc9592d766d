// The Cloud API channel's settings, taken from the validated app config. The channel is on
// only when the four credentials are set (src/config/env.ts already refuses a partial set).
import type { Config } from '../../src/config/env.ts';

export const WHATSAPP_CLOUD_CHANNEL = 'whatsapp-cloud';

/** How outbound calls to the Graph API behave; tests pass smaller numbers. */
export interface GraphPolicyOptions {
  /** Per attempt; the request is aborted when it passes. */
  timeoutMs: number;
  /** Attempts of one send inside the connector, the first included (transient failures only). */
  maxAttempts: number;
  /** Wait before the retry inside the connector. */
  backoffMs: number;
  /** Consecutive outage-like failures (5xx, network, timeout) that open the breaker. */
  breakerThreshold: number;
  /** How long an open breaker fails fast before letting one trial send through. */
  halfOpenAfterMs: number;
}

export interface WhatsappCloudConfig {
  token: string;
  appSecret: string;
  verifyToken: string;
  phoneNumberId: string;
  /** Graph API base with its version, e.g. https://graph.facebook.com/v23.0 (no trailing slash). */
  apiUrl: string;
  policy: GraphPolicyOptions;
}

// The OutboundSender gives one sendText 15 s: two 5 s attempts and the backoff fit in it,
// so the sender never abandons a call that is still running.
export const DEFAULT_GRAPH_POLICY: GraphPolicyOptions = {
  timeoutMs: 5_000,
  maxAttempts: 2,
  backoffMs: 500,
  breakerThreshold: 5,
  halfOpenAfterMs: 30_000,
};

/** The channel's settings, or undefined when its credentials are not configured. */
export function whatsappCloudConfig(config: Config): WhatsappCloudConfig | undefined {
  const { WHATSAPP_CLOUD_TOKEN: token, WHATSAPP_CLOUD_APP_SECRET: appSecret, WHATSAPP_CLOUD_VERIFY_TOKEN: verifyToken, WHATSAPP_CLOUD_PHONE_NUMBER_ID: phoneNumberId } = config;
  if (!token || !appSecret || !verifyToken || !phoneNumberId) return undefined;
  return { token, appSecret, verifyToken, phoneNumberId, apiUrl: config.WHATSAPP_CLOUD_API_URL.replace(/\/+$/, ''), policy: DEFAULT_GRAPH_POLICY };
}
