// The Kubernetes manifests, checked offline: every kustomization builds (resources exist and
// parse, patches hit real targets), every object is valid for its API (kubernetes-models'
// OpenAPI validators, plus a check for misspelt fields they let through), the api runs as the
// issue asks (replicas, probes, non-root, read-only root), the objects point at each other
// correctly, and every env name is one atende knows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../src/config/env.ts';
import { containersOf, type K8sObject, kustomizeBuild, parseYamlFile } from './helpers/kustomize.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MODELS: Record<string, new (data: any) => { validate(): void }> = { // eslint-disable-line @typescript-eslint/no-explicit-any
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

// kubernetes-models accepts unknown fields; a misspelt `livenesProbe` would pass it and be
// dropped by the API server. Field names are read from its compiled validators instead.
const schemaDir = path.join('node_modules', 'kubernetes-models', '_schemas');
const fieldsOf = (type: string) => new Set([...readFileSync(path.join(schemaDir, `${type}.js`), 'utf8').matchAll(/void 0!==data\.(\w+)/g)].map((m) => m[1]!));
const FIELDS = {
  container: fieldsOf('IoK8sApiCoreV1Container'),
  podSpec: fieldsOf('IoK8sApiCoreV1PodSpec'),
  probe: fieldsOf('IoK8sApiCoreV1Probe'),
  securityContext: fieldsOf('IoK8sApiCoreV1SecurityContext'),
  podSecurityContext: fieldsOf('IoK8sApiCoreV1PodSecurityContext'),
};
function unknownFields(obj: K8sObject): string[] {
  const out: string[] = [];
  const check = (value: Json | undefined, allowed: Set<string>, where: string) => {
    for (const k of Object.keys(value ?? {})) if (!allowed.has(k)) out.push(`${obj.kind}/${obj.metadata.name}: ${where}.${k}`);
  };
  const podSpec = (obj.spec as Json | undefined)?.template?.spec as Json | undefined;
  if (podSpec) {
    check(podSpec, FIELDS.podSpec, 'spec');
    check(podSpec.securityContext, FIELDS.podSecurityContext, 'securityContext');
  }
  for (const c of containersOf(obj) as Json[]) {
    check(c, FIELDS.container, c.name);
    check(c.securityContext, FIELDS.securityContext, `${c.name}.securityContext`);
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) check(c[p], FIELDS.probe, `${c.name}.${p}`);
  }
  return out;
}

const BUILDS = ['k8s/base', 'k8s/overlays/example', 'k8s/in-cluster-example', 'k8s/voice-example'];
const built = Object.fromEntries(BUILDS.map((dir) => [dir, kustomizeBuild(dir)]));
const overlay = built['k8s/overlays/example']!;
const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} missing`);
  return o as Json;
};
const appContainer = (objs: K8sObject[], name: string) => find(objs, 'Deployment', name).spec.template.spec.containers.find((c: Json) => c.name === 'atende') as Json;
const secretTemplate = parseYamlFile('k8s/base/secret.example.yaml')[0] as Json;
const envNames = Object.keys(envSchema.shape);

describe.each(BUILDS)('kustomization %s', (dir) => {
  const objects = built[dir]!;

  it('builds into objects that are valid for their API, with no misspelt fields and no duplicates', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion}/${o.kind}`).toBeDefined();
      expect(() => new Model!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
    expect(objects.flatMap(unknownFields)).toEqual([]);
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('atende');
  });

  it('wires services, ingress, HPA, PDBs and env sources to objects that exist', () => {
    const api = find(objects, 'Deployment', 'atende-api');
    const podLabels = api.spec.template.metadata.labels;
    const service = find(objects, 'Service', 'atende-api');
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(api.spec.template.spec.containers[0].ports.map((p: Json) => p.name)).toContain(service.spec.ports[0].targetPort);
    const backend = find(objects, 'Ingress', 'atende').spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).toBe('atende-api');
    expect(service.spec.ports.map((p: Json) => p.name)).toContain(backend.port.name);
    expect(find(objects, 'HorizontalPodAutoscaler', 'atende-api').spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'atende-api' });
    for (const name of ['atende-api', 'atende-worker']) {
      const pdb = find(objects, 'PodDisruptionBudget', name);
      expect(find(objects, 'Deployment', name).spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      const sources = appContainer(objects, name).envFrom as Json[];
      expect(sources.map((s) => s.configMapRef?.name ?? s.secretRef?.name)).toEqual(['atende-config', secretTemplate.metadata.name]);
    }
    const ollama = find(objects, 'StatefulSet', 'ollama');
    expect(ollama.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toMatch(/Gi$/);
    expect(ollama.spec.template.spec.containers[0].volumeMounts.map((m: Json) => m.name)).toContain(ollama.spec.volumeClaimTemplates[0].metadata.name);
    const ollamaPort = ollama.spec.template.spec.containers[0].ports[0].containerPort;
    const configMap = find(objects, 'ConfigMap', 'atende-config');
    expect(new URL(configMap.data.OLLAMA_HOST).port).toBe(String(ollamaPort));
    expect(new URL(configMap.data.OLLAMA_HOST).hostname).toBe(find(objects, 'Service', 'ollama').metadata.name);
  });

  it('mounts every volume it declares and pins every image', () => {
    for (const o of objects) {
      const podSpec = (o.spec as Json | undefined)?.template?.spec as Json | undefined;
      if (!podSpec) continue;
      const declared = new Set([...(podSpec.volumes ?? []).map((v: Json) => v.name), ...((o.spec as Json).volumeClaimTemplates ?? []).map((v: Json) => v.metadata.name)]);
      for (const c of containersOf(o) as Json[]) {
        for (const m of c.volumeMounts ?? []) expect(declared.has(m.name), `${o.metadata.name}: ${m.name}`).toBe(true);
        if (dir !== 'k8s/base') expect(c.image, `${o.metadata.name}/${c.name}`).toMatch(/:\d+(\.\d+)+[\w.-]*$/);
      }
    }
  });
});

describe('the atende workloads', () => {
  it('run at least 2 api replicas with health probes, resources and a locked-down container', () => {
    const api = find(overlay, 'Deployment', 'atende-api');
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(find(overlay, 'HorizontalPodAutoscaler', 'atende-api').spec.minReplicas).toBeGreaterThanOrEqual(2);
    for (const name of ['atende-api', 'atende-worker']) {
      const pod = find(overlay, 'Deployment', name).spec.template.spec;
      const c = appContainer(overlay, name);
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c.resources.requests).toHaveProperty('cpu');
      expect(c.resources.requests).toHaveProperty('memory');
      expect(c.resources.limits).toHaveProperty('memory');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      // A read-only root needs somewhere to write: /tmp (tsx cache) and DATA_DIR.
      const mounts = c.volumeMounts.map((m: Json) => m.mountPath);
      expect(mounts).toContain('/tmp');
      expect(mounts).toContain(find(overlay, 'ConfigMap', 'atende-config').data.DATA_DIR);
    }
    expect(appContainer(overlay, 'atende-api').env).toEqual([{ name: 'ROLE', value: 'api' }]);
    expect(appContainer(overlay, 'atende-worker').env).toEqual([{ name: 'ROLE', value: 'worker' }]);
  });

  it('use only env names atende knows, and a ConfigMap + filled Secret make a valid production config', () => {
    const data = find(overlay, 'ConfigMap', 'atende-config').data as Record<string, string>;
    const containerEnv = ['atende-api', 'atende-worker'].flatMap((n) => appContainer(overlay, n).env.map((e: Json) => e.name));
    for (const name of [...Object.keys(data), ...Object.keys(secretTemplate.stringData), ...containerEnv]) expect(envNames, name).toContain(name);
    for (const role of ['api', 'worker']) {
      const config = loadConfig({
        ...data,
        ...secretTemplate.stringData,
        ROLE: role,
        JWT_SECRET: 's'.repeat(40),
        DATABASE_URL: 'postgresql://atende:pw@db.example.internal:5432/atende',
        REDIS_URL: 'rediss://cache.example.internal:6380',
      });
      expect(config).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', ROLE: role });
    }
    // An untouched template (empty values) fails loudly instead of starting without secrets.
    expect(() => loadConfig({ ...data, ...secretTemplate.stringData })).toThrow(/JWT_SECRET/);
  });

  it('keep the Secret out of the kustomization: only a template with empty values is in git', () => {
    for (const objects of Object.values(built)) expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(() => new Secret(secretTemplate as never).validate()).not.toThrow();
    expect(Object.values(secretTemplate.stringData).every((v) => v === '')).toBe(true);
  });

  it('let only what must talk: ingress → api on the app port, atende → ollama, DNS, databases and HTTPS', () => {
    const policies = overlay.filter((o) => o.kind === 'NetworkPolicy') as Json[];
    const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const apiIngress = policies.find((p) => p.metadata.name === 'atende-api-ingress')!;
    const appPort = appContainer(overlay, 'atende-api').ports[0].containerPort;
    expect(apiIngress.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: appPort }]);
    expect(apiIngress.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
    // Nothing opens the worker to ingress traffic except metrics scraping.
    const workerLabels = find(overlay, 'Deployment', 'atende-worker').spec.template.metadata.labels;
    const selects = (p: Json, labels: Record<string, string>) => Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const workerIngress = policies.filter((p) => p.spec.policyTypes.includes('Ingress') && p.spec.ingress && selects(p, workerLabels));
    expect(workerIngress.map((p) => p.metadata.name)).toEqual(['atende-metrics-ingress']);
    // The overlay narrowed the databases to the managed network; HTTPS stays open for providers.
    const egress = policies.find((p) => p.metadata.name === 'atende-egress')!;
    const ports = egress.spec.egress.map((r: Json) => [r.to[0].ipBlock?.cidr ?? 'pods', r.ports.map((p: Json) => p.port).join(',')]);
    expect(ports).toEqual([['pods', '11434'], ['10.20.0.0/16', '5432,6379,6380'], ['0.0.0.0/0', '443']]);
  });
});

describe('the offline kustomize resolver', () => {
  const scratch = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kust-'));
    writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  X: "1"\n');
    return dir;
  };
  it('fails on a missing resource, a patch target that does not exist and a bad JSON patch path', () => {
    const dir = scratch();
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [cm.yaml, missing.yaml]\n');
    expect(() => kustomizeBuild(dir)).toThrow(/missing.yaml does not exist/);
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [cm.yaml]\npatches:\n  - target: {kind: ConfigMap, name: b}\n    patch: "[{op: replace, path: /data/X, value: \'2\'}]"\n');
    expect(() => kustomizeBuild(dir)).toThrow(/matches no resource/);
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [cm.yaml]\npatches:\n  - target: {kind: ConfigMap, name: a}\n    patch: "[{op: replace, path: /data/Y, value: \'2\'}]"\n');
    expect(() => kustomizeBuild(dir)).toThrow(/no such path/);
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: [cm.yaml]\npatches:\n  - target: {kind: ConfigMap, name: a}\n    patch: "[{op: replace, path: /data/X, value: \'2\'}]"\n');
    expect((kustomizeBuild(dir)[0] as Json).data).toEqual({ X: '2' });
  });
});
