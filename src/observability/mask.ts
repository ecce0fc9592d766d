// Personal data never reaches a log line as-is (LGPD): e-mails and phone-like digit runs are
// masked inside any string, and fields that hold free text about a person are replaced.
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*\.([A-Za-z]{2,})/g;
// 8+ digits, optionally with +, spaces, dots, dashes or parentheses between them.
const PHONE = /\+?\(?\d(?:[\s().-]*\d){7,}/g;

/** "maria@exemplo.com" → "m***@e***.com"; "+55 11 99999-8888" → "***88". */
export function maskString(input: string): string {
  return input
    .replace(EMAIL, (_m, user: string, domain: string, tld: string) => `${user}***@${domain}***.${tld}`)
    .replace(PHONE, (m) => `***${m.replace(/\D/g, '').slice(-2)}`);
}

/** Keys whose values are personal free text or secrets: replaced whole. */
const HIDDEN_KEYS = new Set([
  'name',
  'reason',
  'text',
  'password',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'authorization',
  'cookie',
  'secret',
  'body',
]);

export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  // Class instances (errors, requests, replies) are left to pino's serializers, which mask
  // what they emit; walking them here would drop their prototype getters.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = HIDDEN_KEYS.has(key) && v != null ? '[masked]' : maskDeep(v, depth + 1);
  }
  return out;
}
