// The WhatsApp (Baileys) channel's settings, taken from the validated app config.
import type { Config } from '../../src/config/env.ts';
import { DEFAULT_LEASE, type RedisLeaseOptions } from './lease.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from './reconnect-policy.ts';

export interface WhatsappChannelConfig {
  /** Names the login in the database: one WhatsApp number per session. */
  session: string;
  allowGroups: boolean;
  printQr: boolean;
  backoff: BackoffOptions;
  lease: RedisLeaseOptions;
}

export function whatsappChannelConfig(config: Config): WhatsappChannelConfig {
  return {
    session: config.WHATSAPP_BAILEYS_SESSION,
    allowGroups: config.WHATSAPP_BAILEYS_ALLOW_GROUPS,
    printQr: config.WHATSAPP_BAILEYS_PRINT_QR,
    backoff: DEFAULT_BACKOFF,
    lease: DEFAULT_LEASE,
  };
}
