// docker-compose.yml checked offline (no Docker engine here): valid against the Compose
// Specification's JSON schema, every image pinned, the dependencies' health gating the app,
// and — after interpolating compose.env.example the way `docker compose` does — an environment
// that atende's own config schema accepts for both roles.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../src/config/env.ts';
import { interpolate, parseEnvFile } from './helpers/compose-env.ts';

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }>; healthcheck?: { test: string[] }; volumes?: string[]; command?: string[]; restart?: string }>;
  volumes: Record<string, unknown>;
};
const example = parseEnvFile(readFileSync('compose.env.example', 'utf8'));
// What an operator fills in before the first `docker compose up`.
const filled = { ...example, POSTGRES_PASSWORD: 'pg-password-for-test', JWT_SECRET: 'j'.repeat(40), ADMIN_PASSWORD: 'admin-password-123' };

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const { $schema, ...schema } = JSON.parse(readFileSync('test/fixtures/compose-spec/compose-spec.json', 'utf8')) as { $schema: string };
    // Draft-07, ajv's default dialect; ajv knows its meta-schema by the http:// id only.
    expect($schema).toContain('draft-07');
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    // Validated as docker compose does: after YAML merge keys (<<: *anchor) are resolved.
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema is not a rubber stamp: a misspelt key fails it.
    expect(validate({ services: { api: { image: 'x', restrat: 'always' } } })).toBe(false);
  });

  it('pins every image to a version (no latest, no bare names)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const image = interpolate(service.image ?? '', filled);
      expect(image, name).toMatch(/^[\w./-]+:\d+(\.\d+)+[\w.-]*$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
    expect(interpolate(compose.services.api!.image!, {})).toBe('atende:0.1.0');
    expect(compose.services.api!.build).toBe('.');
  });

  it('runs api and worker from the same image, split by ROLE', () => {
    expect(compose.services.api!.image).toBe(compose.services.worker!.image);
    expect(compose.services.api!.environment!.ROLE).toBe('api');
    expect(compose.services.worker!.environment!.ROLE).toBe('worker');
  });

  it('gives postgres, redis and ollama healthchecks and starts the app only when they are healthy', () => {
    for (const dep of ['postgres', 'redis', 'ollama']) expect(compose.services[dep]!.healthcheck?.test.length, dep).toBeGreaterThan(0);
    for (const app of ['api', 'worker']) {
      const deps = compose.services[app]!.depends_on!;
      expect(deps.postgres).toEqual({ condition: 'service_healthy' });
      expect(deps.redis).toEqual({ condition: 'service_healthy' });
    }
    expect(compose.services.worker!.depends_on!['ollama-pull']).toEqual({ condition: 'service_completed_successfully' });
    expect(compose.services['ollama-pull']!.depends_on!.ollama).toEqual({ condition: 'service_healthy' });
    expect(compose.services['ollama-pull']!.restart).toBe('no');
    expect(compose.services['ollama-pull']!.command).toEqual(['pull', '${OLLAMA_MODEL:-llama3.1:8b}']);
  });

  it('keeps state in named volumes that are declared', () => {
    const used = Object.values(compose.services).flatMap((s) => (s.volumes ?? []).map((v) => v.split(':')[0]!));
    for (const name of ['postgres-data', 'redis-data', 'ollama-models']) expect(used).toContain(name);
    for (const name of used) expect(Object.keys(compose.volumes), name).toContain(name);
  });

  it('provides every variable the app requires in production, for both roles', () => {
    for (const role of ['api', 'worker']) {
      const env = Object.fromEntries(Object.entries(compose.services[role]!.environment!).map(([k, v]) => [k, interpolate(String(v), filled)]));
      for (const name of Object.keys(env)) expect(Object.keys(envSchema.shape), `${role}: ${name}`).toContain(name);
      const config = loadConfig(env);
      expect(config).toMatchObject({ NODE_ENV: 'production', ROLE: role, HOST: '0.0.0.0', REDIS_URL: 'redis://redis:6379', OLLAMA_HOST: 'http://ollama:11434' });
      expect(config.DATABASE_URL).toBe('postgresql://atende:pg-password-for-test@postgres:5432/atende');
      expect(config.SYNC_WEBHOOK_URL).toBeUndefined();
    }
  });

  it('refuses to start without the secrets, naming them', () => {
    const env = compose.services.api!.environment!;
    expect(() => interpolate(env.JWT_SECRET!, {})).toThrow(/JWT_SECRET/);
    expect(() => interpolate(env.DATABASE_URL!, {})).toThrow(/POSTGRES_PASSWORD/);
    expect(() => interpolate(env.ADMIN_PASSWORD!, {})).toThrow(/ADMIN_PASSWORD/);
  });

  it('compose.env.example names only variables compose or the app know', () => {
    const composeText = readFileSync('docker-compose.yml', 'utf8');
    for (const name of Object.keys(example)) expect(composeText, name).toContain(`\${${name}`);
  });
});
