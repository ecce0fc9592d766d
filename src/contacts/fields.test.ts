import { describe, expect, it } from 'vitest';
import { foldForSearch, normalizeEmail, normalizeName, normalizePhone, normalizeReason } from './fields.ts';

describe('phone normalization (region BR by default)', () => {
  it.each([
    ['11 99999-8888', '+5511999998888'],
    ['(11) 99999-8888', '+5511999998888'],
    ['+55 (11) 99999-8888', '+5511999998888'],
    ['5511999998888', '+5511999998888'],
    ['011 99999 8888', '+5511999998888'],
    ['11.99999.8888', '+5511999998888'],
    ['(21) 3333-4444', '+552133334444'],
    ['+1 415 555 2671', '+14155552671'],
  ])('%s → %s', (input, e164) => {
    expect(normalizePhone(input)).toEqual({ ok: true, value: e164 });
  });

  it('explains an incomplete number (no DDD)', () => {
    expect(normalizePhone('99999-8888')).toMatchObject({ ok: false, code: 'phone_incomplete' });
  });

  it.each(['1199999888', '00 0000-0000', 'abc', '+55 11 99999-8888-777-666'])('refuses %s', (input) => {
    expect(normalizePhone(input).ok).toBe(false);
  });
});

describe('other fields', () => {
  it('lower-cases and checks e-mails', () => {
    expect(normalizeEmail(' Maria.Silva@Exemplo.COM.br ')).toEqual({ ok: true, value: 'maria.silva@exemplo.com.br' });
    for (const bad of ['maria@', 'maria@exemplo', 'maria silva@x.com', 'a..b@x.com', '@x.com']) {
      expect(normalizeEmail(bad)).toMatchObject({ ok: false, code: 'email_invalid' });
    }
  });

  it('keeps names with accents and particles, refuses digits', () => {
    expect(normalizeName('  José   da Silva  ')).toEqual({ ok: true, value: 'José da Silva' });
    expect(normalizeName("Maria D'Ávila")).toMatchObject({ ok: true });
    expect(normalizeName('Maria 2')).toMatchObject({ ok: false, code: 'name_has_digits' });
    expect(normalizeName('J')).toMatchObject({ ok: false, code: 'name_too_short' });
    // Bidi overrides and zero-width characters are stripped: what is stored is what shows.
    expect(normalizeName('Ana \u202Eavlis\u202C')).toEqual({ ok: true, value: 'Ana avlis' });
    expect(normalizeName('\u2066Maria\u2069 So\u200Buza\u200D\uFEFF')).toEqual({ ok: true, value: 'Maria Souza' });
    expect(normalizeName('\u200B\u200E\u202E')).toMatchObject({ ok: false, code: 'empty' });
    expect(normalizeReason('pagar \u202Econta\u202C já')).toEqual({ ok: true, value: 'pagar conta já' });
    expect(normalizeReason('família 👨\u200D👩\u200D👧')).toEqual({ ok: true, value: 'família 👨\u200D👩\u200D👧' });
  });

  it('caps the reason length', () => {
    expect(normalizeReason('apoio emocional')).toEqual({ ok: true, value: 'apoio emocional' });
    expect(normalizeReason('x'.repeat(1001))).toMatchObject({ ok: false, code: 'too_long' });
    expect(normalizeReason('   ')).toMatchObject({ ok: false, code: 'empty' });
  });

  it('folds accents and case for search', () => {
    expect(foldForSearch('João Conceição')).toBe('joao conceicao');
  });
});
