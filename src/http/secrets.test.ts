import { describe, expect, it } from 'vitest';
import { secretsEqual } from './secrets.ts';

describe('secretsEqual', () => {
  it('accepts only the same secret, whatever the lengths and types given', () => {
    expect(secretsEqual('s3cret-token', 's3cret-token')).toBe(true);
    for (const given of ['s3cret-toke', 's3cret-token!', 'S3CRET-TOKEN', '', undefined, null, 42, ['s3cret-token']]) {
      expect(secretsEqual(given, 's3cret-token'), String(given)).toBe(false);
    }
  });
});
