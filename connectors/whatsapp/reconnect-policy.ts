// What to do when the WhatsApp socket closes, by Baileys' DisconnectReason code
// (lastDisconnect.error is a Boom whose output.statusCode is the reason):
//  - 401 loggedOut, 403 forbidden: the login is gone (unlinked from the phone, or banned);
//    reconnecting with it would fail forever. Clear it and start over with a new QR.
//  - 515 restartRequired: WhatsApp asks for a fresh connection — normal right after a QR
//    scan. Reconnect at once.
//  - anything else (408 lost/timed out, 428 closed, 440 replaced, 500 bad session, 503, an
//    error without a code): reconnect with exponential backoff and jitter.
export type CloseAction = 'logged-out' | 'reconnect-now' | 'backoff';

export const REASONS: Record<number, string> = {
  401: 'loggedOut',
  403: 'forbidden',
  408: 'connectionLost',
  411: 'multideviceMismatch',
  428: 'connectionClosed',
  440: 'connectionReplaced',
  500: 'badSession',
  503: 'unavailableService',
  515: 'restartRequired',
};

export function closeAction(statusCode: number | undefined): CloseAction {
  if (statusCode === 401 || statusCode === 403) return 'logged-out';
  if (statusCode === 515) return 'reconnect-now';
  return 'backoff';
}

export function reasonName(statusCode: number | undefined): string {
  return statusCode === undefined ? 'unknown' : (REASONS[statusCode] ?? `code-${statusCode}`);
}

/** The Boom status code of a disconnect error, when it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | undefined)?.output;
  return typeof output?.statusCode === 'number' ? output.statusCode : undefined;
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

// 1 s, 2 s, 4 s … capped at 60 s: a WhatsApp outage is not hammered, a blip costs a second.
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, with jitter in
 * [50 %, 100 %] so replicas and restarts do not reconnect in step. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(exp * (0.5 + random() / 2));
}
