// The deployment artefacts against the real app: every probe and health check points at a
// route the app has (read from a started app's route table), the Prometheus alert rules are
// well-formed and use only metrics the app exports, and the runbook documents every variable.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../src/config/env.ts';
import { routeTable } from '../src/http/auth-guard.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { containersOf, kustomizeBuild } from './helpers/kustomize.ts';
import { startSyncReceiver, type SyncReceiver } from './helpers/sync-receiver.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('deployment artefacts against the running app', () => {
  let t: TestApp;
  let receiver: SyncReceiver;
  let metricNames: Set<string>;

  beforeAll(async () => {
    receiver = await startSyncReceiver();
    // Sync and the WhatsApp channel on, so their metrics exist too (Baileys stays in standby:
    // this app runs no workers).
    t = await startTestApp({
      backend: 'pglite',
      env: { SYNC_WEBHOOK_URL: receiver.url, SYNC_WEBHOOK_SECRET: 'sync-secret-0123456789', ROLE: 'api', WHATSAPP_BAILEYS_ENABLED: 'true', WHATSAPP_BAILEYS_PRINT_QR: 'false' },
    });
    const text = (await t.atende.http.inject({ method: 'GET', url: '/metrics' })).body;
    metricNames = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('k8s probes and the Dockerfile HEALTHCHECK point at routes that exist and answer', async () => {
    const routes = routeTable(t.atende.http).map((r) => `${r.method} ${r.url}`);
    const paths = new Set<string>();
    for (const o of kustomizeBuild('k8s/overlays/example').filter((x) => x.metadata.name.startsWith('atende-'))) {
      for (const c of containersOf(o) as Json[]) for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (c[p]?.httpGet) paths.add(c[p].httpGet.path);
    }
    paths.add(/\/health\/\w+/.exec(readFileSync('Dockerfile', 'utf8'))![0]);
    expect([...paths].sort()).toEqual(['/health/live', '/health/ready']);
    for (const p of paths) {
      expect(routes).toContain(`GET ${p}`);
      const res = await t.atende.http.inject({ method: 'GET', url: p });
      expect(res.statusCode, p).toBe(200);
    }
  });

  it('the alert rules are well-formed and use only metrics the app exports', () => {
    const doc = parse(readFileSync('docs/prometheus-alerts.yml', 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.alert).toMatch(/^Atende[A-Z]\w+$/);
      expect(['warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      if (r.for) expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      // Balanced brackets: a cheap guard against a broken PromQL edit.
      for (const [open, close] of ['()', '{}', '[]']) expect(r.expr.split(open!).length, `${r.alert} ${open}${close}`).toBe(r.expr.split(close!).length);
      for (const [name] of r.expr.matchAll(/\batende_[a-z_]+/g)) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        expect(metricNames.has(name) || metricNames.has(base), `${r.alert}: ${name}`).toBe(true);
      }
    }
    // The core signals are covered.
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const m of ['atende_inbox_pending', 'atende_llm_circuit_open', 'atende_sync_total', 'atende_whatsapp_connection_state', 'atende_outbound_messages_total']) expect(exprs).toContain(m);
  });

  it('the runbook documents every variable of the config schema, and the README points at it', () => {
    const runbook = readFileSync('docs/operations.md', 'utf8');
    for (const name of Object.keys(envSchema.shape)) expect(runbook, name).toContain(`\`${name}\``);
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('## Deploy');
    expect(readme).toContain('docs/operations.md');
    expect(readme).toContain('docker compose up');
  });
});
