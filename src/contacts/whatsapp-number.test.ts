import { describe, expect, it } from 'vitest';
import { phoneOfWhatsappId } from './whatsapp-number.ts';

describe('phoneOfWhatsappId', () => {
  it('restores the 9th digit of old Brazilian mobile ids', () => {
    expect(phoneOfWhatsappId('551199998888')).toBe('+5511999998888');
    expect(phoneOfWhatsappId('5511999998888')).toBe('+5511999998888');
    // A landline (starts with 2-5) has 8 digits and stays as is.
    expect(phoneOfWhatsappId('551133334444')).toBe('+551133334444');
    expect(phoneOfWhatsappId('16505551234')).toBe('+16505551234');
  });

  it('is undefined for what is no international number', () => {
    for (const id of ['', '0551199998888', '1234567', '1234567890123456', '55119999a888']) expect(phoneOfWhatsappId(id), id).toBeUndefined();
  });
});
