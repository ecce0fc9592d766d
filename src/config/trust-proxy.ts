// TRUST_PROXY: whose X-Forwarded-For the server believes, i.e. where request.ip (login and
// web chat rate limits, audit entries) comes from. Off by default: a client talking straight
// to the server could otherwise pick any address it likes. Behind an ingress or a load
// balancer, name it — by hop count or by address — rather than `true`, which believes anyone.
import { isIP } from 'node:net';

/** What Fastify's `trustProxy` option takes. */
export type TrustProxy = boolean | number | string[];

// proxy-addr's names for common private ranges (Fastify hands the list to proxy-addr).
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** undefined when `entry` is a valid address, CIDR or range name; else why not. */
function entryProblem(entry: string): string | undefined {
  if (NAMED_RANGES.has(entry)) return undefined;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return `"${entry}" is not an IP address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits ? undefined : `"${entry}" has a prefix length outside 0-${bits}`;
}

/**
 * "false"/"" → false; "true" → true (every hop: only when nothing but the proxy can reach
 * the server); "1" → trust one hop; "10.0.0.0/8, 127.0.0.1" → trust those addresses.
 */
export function parseTrustProxy(value: string): { value: TrustProxy } | { error: string } {
  const v = value.trim();
  if (v === '' || v === 'false') return { value: false };
  if (v === 'true') return { value: true };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops >= 1 && hops <= 32 ? { value: hops } : { error: 'expected a hop count between 1 and 32' };
  }
  const entries = v.split(',').map((e) => e.trim());
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem) return { error: `${problem}; expected false, true, a hop count, or a comma list of IPs/CIDRs (e.g. 10.0.0.0/8,127.0.0.1)` };
  }
  return { value: entries };
}
