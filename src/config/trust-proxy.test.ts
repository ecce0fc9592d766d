import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.ts';

const trustProxyOf = (value?: string) => loadConfig({ ...(value === undefined ? {} : { TRUST_PROXY: value }) }).TRUST_PROXY;

describe('TRUST_PROXY', () => {
  it('is off unless set', () => {
    expect(trustProxyOf()).toBe(false);
    expect(trustProxyOf('')).toBe(false);
    expect(trustProxyOf('false')).toBe(false);
  });

  it('takes what Fastify accepts: true, a hop count, or IPs/CIDRs/range names', () => {
    expect(trustProxyOf('true')).toBe(true);
    expect(trustProxyOf('2')).toBe(2);
    expect(trustProxyOf('10.0.0.0/8, 127.0.0.1,::1, fd00::/8,loopback')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses anything else, naming the variable and the bad entry', () => {
    for (const [value, says] of [
      ['yes please', '"yes please" is not an IP address'],
      ['10.0.0.0/33', 'prefix length outside 0-32'],
      ['10.0.0.1,example.com', '"example.com"'],
      ['0', 'hop count between 1 and 32'],
    ] as const) {
      let error: unknown;
      try {
        trustProxyOf(value);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([{ variable: 'TRUST_PROXY', message: expect.stringContaining(says) }]);
    }
  });
});
