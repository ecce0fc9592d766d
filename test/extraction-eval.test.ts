// The evaluation data set and its scoring, and the rule extractor held to its floors on it
// (`npm run eval:extraction -- --rules-only` prints the same numbers; the model's evaluation
// needs a real Ollama). Labels must be what the validation path can produce, or the numbers
// would blame the extractor for the labels' mistakes.
import { describe, expect, it } from 'vitest';
import { loadEvalCases } from '../eval/eval-cases.ts';
import { percentile, scoreFields } from '../eval/eval-scoring.ts';
import { RULE_FLOORS, scoreRules } from '../eval/rules-eval.ts';
import { FIELD_NAMES, normalizeEmail, normalizeName, normalizePhone } from '../src/contacts/fields.ts';
import { spokenDigitsToText } from '../src/extraction/rules/spoken-digits.ts';

const cases = loadEvalCases();

describe('extraction evaluation data set', () => {
  it('has at least 200 cases with unique ids covering every required kind', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const tags = new Set(cases.flatMap((c) => c.tags.map((t) => t.split(':')[0])));
    for (const kind of ['complete', 'partial', 'particles', 'accents', 'phone', 'email', 'noise', 'typos', 'informal', 'voice', 'two-people', 'no-data', 'injection']) {
      expect(tags, kind).toContain(kind);
    }
    const phoneFormats = cases.flatMap((c) => c.tags).filter((t) => t.startsWith('phone:'));
    expect(new Set(phoneFormats).size).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.tags.includes('injection')).length).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.tags.includes('voice')).length).toBeGreaterThanOrEqual(10);
    expect(cases.filter((c) => c.tags.includes('two-people')).length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s has labels the validation path can produce', (_id, c) => {
    const { name, phone, email } = c.expect;
    if (name !== null) {
      expect(normalizeName(name)).toEqual({ ok: true, value: name });
      expect(c.text.toLowerCase()).toContain(name.toLowerCase());
    }
    if (phone !== null) {
      expect(normalizePhone(phone)).toEqual({ ok: true, value: phone });
      // Typed, or spelled out in a voice transcript ("onze nove oito…").
      expect([c.text, spokenDigitsToText(c.text)].some((t) => t.replace(/\D/g, '').includes(phone.slice(3)))).toBe(true);
    }
    if (email !== null) {
      expect(normalizeEmail(email)).toEqual({ ok: true, value: email });
      expect(c.text.toLowerCase()).toContain(email);
    }
  });
});

describe('the rule extractor on the labelled set, without any model (issue 14)', () => {
  const scores = scoreRules(cases);
  it.each(FIELD_NAMES.map((field) => [field, RULE_FLOORS[field]] as const))('%s F1 is at least %s', (field, floor) => {
    expect(scores[field].f1, JSON.stringify(scores[field])).toBeGreaterThanOrEqual(floor);
  });

  it('never takes a phone or e-mail from an order to the bot', () => {
    const injections = cases.filter((c) => c.tags.includes('injection'));
    const injected = scoreRules(injections);
    expect(injected.phone.fp).toBe(0);
    expect(injected.email.fp).toBe(0);
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
