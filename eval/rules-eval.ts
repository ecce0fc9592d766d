// The rule extractor on the labelled set, without any model (`--rules-only`, and the floors
// enforced in `npm test` by test/extraction-eval.test.ts). It reads each case exactly as the
// chat does when it reads a message: fsm/corrections.ts `salvageFields`.
import { salvageFields } from '../fsm/corrections.ts';
import type { FoundFields } from '../src/extraction/extraction-schema.ts';
import type { EvalCase } from './eval-cases.ts';
import { type FieldScore, scoreFields } from './eval-scoring.ts';
import type { FieldName } from '../src/contacts/fields.ts';

/** The floors `npm test` holds the rules to (issue 14). */
export const RULE_FLOORS: Record<FieldName, number> = { phone: 0.98, email: 0.98, name: 0.85, reason: 0.7 };

export function ruleFound(text: string): FoundFields {
  return { ...salvageFields(text).fields };
}

/** The hybrid as the chat merges it: a rule value wins, a (grounded) model value fills the rest. */
export function hybridFound(rules: FoundFields, model: FoundFields): FoundFields {
  return { ...model, ...rules };
}

export function scoreRules(cases: EvalCase[]): Record<FieldName, FieldScore> {
  return scoreFields(cases.map((c) => ({ expected: c.expect, found: ruleFound(c.text) })));
}
