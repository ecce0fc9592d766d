// The evaluation data set and its scoring (the evaluation itself needs a real Ollama and runs
// with `npm run eval:extraction`). Labels must be what the validation path can produce, or
// the numbers would blame the model for the labels' mistakes.
import { describe, expect, it } from 'vitest';
import { loadEvalCases } from '../eval/eval-cases.ts';
import { percentile, scoreFields } from '../eval/eval-scoring.ts';
import { normalizeEmail, normalizeName, normalizePhone } from '../src/contacts/fields.ts';

const cases = loadEvalCases();

describe('extraction evaluation data set', () => {
  it('has at least 80 cases with unique ids covering every required kind', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const tags = new Set(cases.flatMap((c) => c.tags.map((t) => t.split(':')[0])));
    for (const kind of ['complete', 'partial', 'particles', 'accents', 'phone', 'email', 'noise', 'typos', 'two-people', 'no-data', 'injection']) {
      expect(tags, kind).toContain(kind);
    }
    const phoneFormats = cases.flatMap((c) => c.tags).filter((t) => t.startsWith('phone:'));
    expect(new Set(phoneFormats).size).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.tags.includes('injection')).length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s has labels the validation path can produce', (_id, c) => {
    const { name, phone, email } = c.expect;
    if (name !== null) {
      expect(normalizeName(name)).toEqual({ ok: true, value: name });
      expect(c.text.toLowerCase()).toContain(name.toLowerCase());
    }
    if (phone !== null) {
      expect(normalizePhone(phone)).toEqual({ ok: true, value: phone });
      expect(c.text.replace(/\D/g, '')).toContain(phone.slice(3));
    }
    if (email !== null) {
      expect(normalizeEmail(email)).toEqual({ ok: true, value: email });
      expect(c.text.toLowerCase()).toContain(email);
    }
  });
});

describe('evaluation scoring', () => {
  const expected = { name: 'Ana Souza', phone: '+5511987654321', email: null, reason: ['consulta'] };

  it('counts right values, wrong values and misses per field', () => {
    const scores = scoreFields([
      { expected, found: { name: 'ana  souza', phone: '+5511987654321', reason: 'marcar consulta' } },
      { expected, found: { name: 'Ana', email: 'x@y.com', reason: 'boleto' } },
      { expected: { name: null, phone: null, email: null, reason: null }, found: {} },
    ]);
    expect(scores.name).toMatchObject({ tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(scores.phone).toMatchObject({ tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5 });
    expect(scores.email).toMatchObject({ tp: 0, fp: 1, fn: 0, precision: 0, recall: 1 });
    expect(scores.reason).toMatchObject({ tp: 1, fp: 1, fn: 1 });
  });

  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([7], 99)).toBe(7);
  });
});
