// Scores extraction predictions against labels, per field: a right value is a true positive;
// a value where none was expected, or a wrong one, is a false positive; an expected value not
// returned (or wrong) is a false negative — so a wrong value costs both precision and recall.
import { FIELD_NAMES, type FieldName, foldForSearch } from '../src/contacts/fields.ts';
import type { FoundFields } from '../src/extraction/extraction-schema.ts';
import type { EvalCase } from './eval-cases.ts';

export interface FieldScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** Is `predicted` the right answer for `field` of this case? (Only called with a value.) */
export function matches(field: FieldName, predicted: string, expected: EvalCase['expect']): boolean {
  if (field === 'reason') return expected.reason?.some((word) => foldForSearch(predicted).includes(foldForSearch(word))) ?? false;
  const want = expected[field];
  return want !== null && squash(predicted) === squash(want);
}

export function scoreFields(results: { expected: EvalCase['expect']; found: FoundFields }[]): Record<FieldName, FieldScore> {
  const out = {} as Record<FieldName, FieldScore>;
  for (const field of FIELD_NAMES) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { expected, found } of results) {
      const predicted = found[field];
      const wanted = expected[field] !== null;
      if (predicted === undefined) {
        if (wanted) fn++;
      } else if (matches(field, predicted, expected)) {
        tp++;
      } else {
        fp++;
        if (wanted) fn++;
      }
    }
    const precision = tp + fp ? tp / (tp + fp) : 1;
    const recall = tp + fn ? tp / (tp + fn) : 1;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    out[field] = { tp, fp, fn, precision, recall, f1 };
  }
  return out;
}

/** Nearest-rank percentile of a list of numbers (0 < p ≤ 100). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
