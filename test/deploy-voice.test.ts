// The optional transcription service, checked offline: in compose behind the "voice" profile
// (off unless asked for), in Kubernetes as k8s/voice-example; both pinned, the model pulled
// once, and atende's config pointing at the service's real port and path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/env.ts';
import { containersOf, type K8sObject, kustomizeBuild } from './helpers/kustomize.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('voice notes deployment', () => {
  it('compose: whisper and its model pull only with --profile voice, pinned, TRANSCRIPTION_URL off by default', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Json;
    const { whisper, 'whisper-pull': pull, api, worker } = compose.services;
    expect(whisper.profiles).toEqual(['voice']);
    expect(pull.profiles).toEqual(['voice']);
    expect(whisper.image).toMatch(/^ghcr\.io\/speaches-ai\/speaches:\d+\.\d+\.\d+-cpu$/);
    expect(pull.depends_on.whisper).toEqual({ condition: 'service_healthy' });
    expect(pull.command.at(-1)).toBe('http://whisper:8000/v1/models/${TRANSCRIPTION_MODEL:-Systran/faster-whisper-small}');
    for (const app of [api, worker]) {
      expect(app.environment.TRANSCRIPTION_URL).toBe('${TRANSCRIPTION_URL:-}');
      // The app never waits for an optional service.
      expect(Object.keys(app.depends_on)).not.toContain('whisper');
    }
    expect(Object.keys(compose.volumes)).toContain('whisper-models');
  });

  it('k8s: the voice example points atende at the whisper Service, which selects the server on its port', () => {
    const objects = kustomizeBuild('k8s/voice-example');
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as Json;
    const data = find('ConfigMap', 'atende-config').data as Record<string, string>;
    const config = loadConfig({ ...data, ROLE: 'worker', JWT_SECRET: 's'.repeat(40), DATABASE_URL: 'postgresql://a:b@db:5432/a' });
    expect(config.TRANSCRIPTION_URL).toBe('http://whisper:8000/v1');

    const service = find('Service', 'whisper');
    const server = find('StatefulSet', 'whisper');
    expect(server.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    const [container] = containersOf(server as K8sObject) as Json[];
    expect(container!.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http' }]);
    const pull = containersOf(find('Job', 'whisper-pull') as K8sObject)[0] as Json;
    expect(pull.args.at(-1)).toBe(`http://whisper:8000/v1/models/${data.TRANSCRIPTION_MODEL}`);

    // atende may reach whisper; whisper accepts atende and the pull job only.
    const ingress = find('NetworkPolicy', 'whisper-ingress');
    expect(ingress.spec.ingress[0].from.map((f: Json) => f.podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['atende', 'whisper-pull']);
    expect(find('NetworkPolicy', 'atende-egress-whisper').spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 8000 }]);
  });
});
