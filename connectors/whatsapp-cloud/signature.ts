// Meta signs every webhook POST with the app secret: X-Hub-Signature-256 is "sha256=" + the
// hex HMAC-SHA256 of the raw body bytes. It must be checked on those exact bytes, before any
// parsing, and compared in constant time.
// https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-f]{64})$/i;

export function signatureOf(body: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export function hasValidSignature(body: Buffer, header: string | string[] | undefined, appSecret: string): boolean {
  if (typeof header !== 'string') return false;
  const given = HEADER.exec(header.trim());
  if (!given) return false;
  const expected = createHmac('sha256', appSecret).update(body).digest();
  return timingSafeEqual(Buffer.from(given[1]!.toLowerCase(), 'hex'), expected);
}
