import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.ts';

describe('withDeadline', () => {
  it('passes the result or the failure of a call that ends in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('refused')), 1_000, () => new Error('late'))).rejects.toThrow('refused');
  });

  it('rejects with the given error when the call hangs', async () => {
    await expect(withDeadline(new Promise(() => {}), 20, () => new Error('took over 20 ms'))).rejects.toThrow('took over 20 ms');
  });
});
