import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, retiredVariables } from './env.ts';

describe('loadConfig', () => {
  it('runs embedded with nothing configured', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', DATA_DIR: './data', ROLE: 'all', OLLAMA_MODEL: 'llama3.1:8b', LLM_TIMEOUT_MS: 30_000 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('names retired variables that are still set, and says why they do nothing', () => {
    expect(retiredVariables({ DEDUPE_TTL_S: '172800' })).toEqual([{ variable: 'DEDUPE_TTL_S', message: expect.stringMatching(/^DEDUPE_TTL_S is no longer used: .*database key/) }]);
    expect(retiredVariables({ DEDUPE_TTL_S: '' })).toEqual([]);
    expect(retiredVariables({})).toEqual([]);
  });

  it('treats empty variables (as in a copied .env.example) as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable and what it expects', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x/y', WHATSAPP_BAILEYS_ENABLED: 'maybe', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'WHATSAPP_BAILEYS_ENABLED']);
      expect(problems.find((p) => p.variable === 'PORT')?.message).toMatch(/whole number between 0 and 65535/);
      expect(problems.find((p) => p.variable === 'DATABASE_URL')?.message).toMatch(/postgres/);
    }
  });

  it('requires JWT_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).NODE_ENV).toBe('production');
  });

  it('requires ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.co' })).toThrow(/ADMIN_PASSWORD/);
  });

  it('a bad value stops the server with exit code 1 and a message naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH, PORT: 'not-a-port', DATA_DIR: '/tmp/atende-never-created' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT: expected a whole number between 0 and 65535');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
