// Password strength by estimate, not by rules: zxcvbn (the @zxcvbn-ts port) guesses how many
// tries an attacker needs, knowing common passwords, English and Brazilian Portuguese words
// and names, keyboard patterns, dates, repeats and l33t — and the account's own e-mail and
// name. A score of 3 ("safely unguessable") is required: ~10^8 guesses or more, which with
// scrypt (passwords.ts) is out of reach offline. The dictionaries weigh ~28 MB of heap and
// take ~100 ms to build, so they are imported and the checker made on the first password set
// in this process — not at import, not at every start (most processes never set a password,
// and an idle server should not carry them).
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';

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
  check(password: string, related?: (string | null | undefined)[]): Promise<PasswordVerdict>;
}

async function loadEstimator(): Promise<ZxcvbnFactory> {
  const [{ ZxcvbnFactory }, { adjacencyGraphs, dictionary: common }, { dictionary: english, translations }, { dictionary: portuguese }] = await Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
    import('@zxcvbn-ts/language-pt-br'),
  ]);
  return new ZxcvbnFactory({ dictionary: { ...common, ...english, ...portuguese }, graphs: adjacencyGraphs, translations });
}

export function createPasswordPolicy(): PasswordPolicy {
  let estimator: Promise<ZxcvbnFactory> | undefined;
  const estimate = async (password: string, inputs: string[]) => (await (estimator ??= loadEstimator())).check(password, inputs);
  const explain = (result: ZxcvbnResult) => {
    const why = result.feedback.warning || 'it would be guessed too easily';
    const hint = result.feedback.suggestions[0];
    return `too weak: ${why.replace(/\.$/, '')}${hint ? `. ${hint.replace(/\.$/, '')}` : ''}. Prefer a long phrase of unrelated words`;
  };
  return {
    async check(password, related = []) {
      // "joana.silva@x.com" also counts as joana, silva and joanasilva.
      const inputs = related
        .filter((v): v is string => !!v)
        .flatMap((v) => {
          const lower = v.toLowerCase();
          const local = lower.split('@')[0]!;
          return [lower, local, local.replace(/[^\p{L}\p{N}]/gu, ''), lower.replace(/\s+/g, ''), ...lower.split(/[@.\s_+-]+/).filter((p) => p.length > 2)];
        });
      const result = await estimate(password.slice(0, ESTIMATED_LENGTH), [...new Set(inputs)]);
      return result.score >= MIN_SCORE ? { ok: true } : { ok: false, reason: explain(result) };
    },
  };
}
