// What PostgreSQL text cannot hold: NUL (refused outright — one in a multi-row INSERT failed
// the whole batch, issue 10) and lone UTF-16 surrogates (no UTF-8 encoding; drivers silently
// turn them into U+FFFD, so what was stored would differ from what was checked), and a
// leading U+FEFF, which the embedded PGlite's UTF-8 decoder drops as a byte-order mark (an id
// starting with one came back as another id; fuzzing found it).

/** A surrogate half without its partner (the regexes work on UTF-16 code units: no u flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex -- finding NUL is this regex's job
const UNSTORABLE = /^\uFEFF|\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Drops NUL and replaces lone surrogates with U+FFFD (what a UTF-8 encoder would write). */
export function toStorableText(value: string): string {
  return isStorableText(value) ? value : value.replace(/^\uFEFF+/, '').replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * JSON for a jsonb column: PostgreSQL's jsonb refuses `\u0000` and lone-surrogate escapes
 * anywhere, so keys and string values are cleaned like text.
 */
export function toStorableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return toStorableText(v);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.every(isStorableText)) return v;
    return Object.fromEntries(keys.map((k) => [toStorableText(k), (v as Record<string, unknown>)[k]]));
  });
}
