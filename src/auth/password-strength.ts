// Password strength by estimate, not by rules: zxcvbn (the @zxcvbn-ts port) guesses how many
// tries an attacker needs, knowing common passwords, English and Brazilian Portuguese words
// and names, keyboard patterns, dates, repeats and l33t — and the account's own e-mail and
// name. A score of 3 ("safely unguessable") is required: ~10^8 guesses or more, which with
// scrypt (passwords.ts) is out of reach offline. Building the dictionaries takes ~100 ms, so
// the checker is made once per app (composition root), on its first use — not at import,
// not at every start (most starts never set a password).
import { type ZxcvbnResult, ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as common } from '@zxcvbn-ts/language-common';
import { dictionary as english, translations } from '@zxcvbn-ts/language-en';
import { dictionary as portuguese } from '@zxcvbn-ts/language-pt-br';

export const MIN_SCORE = 3;
// The estimate's cost grows steeply with length (up to ~0.5 s at 40 characters of keyboard-like
// patterns, seconds at 200): only the start is estimated. Forty characters that are hard to
// guess make a password hard to guess, whatever follows.
const ESTIMATED_LENGTH = 40;

export interface PasswordVerdict {
  ok: boolean;
  /** Why it is refused, for the API's problem detail (English, like the other messages). */
  reason?: string;
}

export interface PasswordPolicy {
  /** `related`: the account's e-mail, name… — a password built from them is weak. */
  check(password: string, related?: (string | null | undefined)[]): PasswordVerdict;
}

export function createPasswordPolicy(): PasswordPolicy {
  let estimator: ZxcvbnFactory | undefined;
  const estimate = (password: string, inputs: string[]) =>
    (estimator ??= new ZxcvbnFactory({ dictionary: { ...common, ...english, ...portuguese }, graphs: adjacencyGraphs, translations })).check(password, inputs);
  const explain = (result: ZxcvbnResult) => {
    const why = result.feedback.warning || 'it would be guessed too easily';
    const hint = result.feedback.suggestions[0];
    return `too weak: ${why.replace(/\.$/, '')}${hint ? `. ${hint.replace(/\.$/, '')}` : ''}. Prefer a long phrase of unrelated words`;
  };
  return {
    check(password, related = []) {
      // "joana.silva@x.com" also counts as joana, silva and joanasilva.
      const inputs = related
        .filter((v): v is string => !!v)
        .flatMap((v) => {
          const lower = v.toLowerCase();
          const local = lower.split('@')[0]!;
          return [lower, local, local.replace(/[^\p{L}\p{N}]/gu, ''), lower.replace(/\s+/g, ''), ...lower.split(/[@.\s_+-]+/).filter((p) => p.length > 2)];
        });
      const result = estimate(password.slice(0, ESTIMATED_LENGTH), [...new Set(inputs)]);
      return result.score >= MIN_SCORE ? { ok: true } : { ok: false, reason: explain(result) };
    },
  };
}
