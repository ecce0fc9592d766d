// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. One parser for every client
// that talks to a provider (Graph API, webhook receivers). Capped at an hour: a wrong or hostile
// header must not park a reply or a webhook event for days; the caller's own backoff rules it
// beyond that.
const MAX_MS = 3_600_000;

/** Milliseconds to wait, or undefined when the header is absent, unreadable or in the past. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_MS) : undefined;
}
