// The WhatsApp (Baileys) channel's settings, taken from the validated app config.
import type { Config } from '../../src/config/env.ts';
import { DEFAULT_LEASE, type RedisLeaseOptions } from './lease.ts';
import { type WatchdogOptions, watchdogFromMinutes } from './liveness-watchdog.ts';
import { type BackoffOptions, DEFAULT_BACKOFF } from './reconnect-policy.ts';

export interface WhatsappChannelConfig {
  /** Names the login in the database: one WhatsApp number per session. */
  session: string;
  allowGroups: boolean;
  printQr: boolean;
  backoff: BackoffOptions;
  lease: RedisLeaseOptions;
  /** Reconnect an open socket silent this long (WHATSAPP_WATCHDOG_MIN); absent: off. */
  watchdog?: WatchdogOptions;
  /** How long a stub waits for Baileys' retry before the person is asked to send again (undecryptable.ts). */
  undecryptableGraceMs?: number;
}

export function whatsappChannelConfig(config: Config): WhatsappChannelConfig {
  const watchdog = watchdogFromMinutes(config.WHATSAPP_WATCHDOG_MIN);
  return {
    session: config.WHATSAPP_BAILEYS_SESSION,
    allowGroups: config.WHATSAPP_BAILEYS_ALLOW_GROUPS,
    printQr: config.WHATSAPP_BAILEYS_PRINT_QR,
    backoff: DEFAULT_BACKOFF,
    lease: DEFAULT_LEASE,
    ...(watchdog ? { watchdog } : {}),
  };
}
