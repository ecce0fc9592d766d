// Constant-time comparison of a secret someone presented (bearer token, webhook secret,
// verify token) with the configured one. Both are hashed first: equal lengths for
// timingSafeEqual, so neither the secret's length nor a matching prefix shows in the timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** False for anything but a non-empty string equal to `expected`. */
export function secretsEqual(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || !given) return false;
  return timingSafeEqual(digest(given), digest(expected));
}
