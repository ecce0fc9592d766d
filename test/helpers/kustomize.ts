// A small offline stand-in for `kustomize build` (no kubectl, no cluster here): resolves
// `resources` (files with one or more YAML documents, or directories with their own
// kustomization), then applies `namespace`, `labels`, `images` and `patches` (strategic-merge
// files or inline JSON6902 with a target). It is strict where kustomize is: a missing resource,
// a patch whose target does not exist, or a JSON patch path that does not resolve is an error.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

type Json = Record<string, unknown>;

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'IngressClass']);

export function parseYamlFile(file: string): Json[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as Json;
  }).filter((d) => d !== null && d !== undefined);
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

function matches(obj: K8sObject, target: { group?: string; version?: string; kind?: string; name?: string }) {
  return (
    (target.kind === undefined || obj.kind === target.kind) &&
    (target.name === undefined || obj.metadata.name === target.name) &&
    (target.group === undefined || groupOf(obj.apiVersion) === target.group) &&
    (target.version === undefined || obj.apiVersion.split('/').pop() === target.version)
  );
}

const MERGE_KEYS = new Set(['containers', 'initContainers', 'env', 'volumes', 'volumeMounts', 'ports']);

/** Strategic merge, simplified: maps merge, lists of named items merge by name, other lists are replaced. */
export function strategicMerge(base: unknown, patch: unknown, key = ''): unknown {
  if (Array.isArray(patch)) {
    if (!MERGE_KEYS.has(key) || !Array.isArray(base)) return patch;
    const out = [...(base as Json[])];
    for (const item of patch as Json[]) {
      const i = out.findIndex((b) => b.name === item.name);
      if (i >= 0) out[i] = strategicMerge(out[i], item) as Json;
      else out.push(item);
    }
    return out;
  }
  if (patch && typeof patch === 'object') {
    const out: Json = { ...((base && typeof base === 'object' ? base : {}) as Json) };
    for (const [k, v] of Object.entries(patch as Json)) out[k] = v === null ? undefined : strategicMerge(out[k], v, k);
    return out;
  }
  return patch;
}

function pointer(obj: unknown, p: string): { parent: Json | unknown[]; key: string } {
  const parts = p.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = obj;
  for (const part of parts.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(part)] : (node as Json | undefined)?.[part];
    if (node === undefined || node === null) throw new Error(`JSON patch path ${p} does not exist`);
  }
  return { parent: node as Json, key: parts[parts.length - 1]! };
}

export function applyJsonPatch(obj: Json, ops: { op: string; path: string; value?: unknown }[]): void {
  for (const op of ops) {
    const { parent, key } = pointer(obj, op.path);
    const exists = Array.isArray(parent) ? Number(key) < parent.length : key in parent;
    if (op.op === 'replace' || op.op === 'remove') {
      if (!exists) throw new Error(`JSON patch ${op.op} ${op.path}: no such path`);
      if (op.op === 'replace') (parent as Json)[key] = op.value;
      else if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete (parent as Json)[key];
    } else if (op.op === 'add') {
      if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, op.value);
      else (parent as Json)[key] = op.value;
    } else throw new Error(`JSON patch op ${op.op} is not supported here`);
  }
}

function podSpecsOf(obj: K8sObject): Json[] {
  const spec = obj.spec as Json | undefined;
  const template = (spec?.template as Json | undefined)?.spec as Json | undefined;
  return template ? [template] : [];
}

export function containersOf(obj: K8sObject): Json[] {
  return podSpecsOf(obj).flatMap((s) => [...((s.initContainers as Json[]) ?? []), ...((s.containers as Json[]) ?? [])]);
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path?: string; patch?: string; target?: { group?: string; version?: string; kind?: string; name?: string } }[];
}

/** Builds the kustomization in `dir` into the list of objects kustomize would output. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const k = parseYamlFile(file)[0] as Kustomization;
  const known = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'patches']);
  for (const field of Object.keys(k)) if (!known.has(field)) throw new Error(`${file}: field ${field} is not supported by this resolver`);

  const objects: K8sObject[] = [];
  for (const res of k.resources ?? []) {
    const p = path.resolve(dir, res);
    if (!existsSync(p)) throw new Error(`${file}: resource ${res} does not exist`);
    if (statSync(p).isDirectory()) objects.push(...kustomizeBuild(p));
    else {
      for (const doc of parseYamlFile(p)) {
        const o = doc as K8sObject;
        if (!o.apiVersion || !o.kind || !o.metadata?.name) throw new Error(`${p}: a document lacks apiVersion, kind or metadata.name`);
        objects.push(o);
      }
    }
  }

  for (const patch of k.patches ?? []) {
    if (patch.path) {
      const p = path.resolve(dir, patch.path);
      if (!existsSync(p)) throw new Error(`${file}: patch ${patch.path} does not exist`);
      for (const doc of parseYamlFile(p) as K8sObject[]) {
        const i = objects.findIndex((o) => o.kind === doc.kind && o.metadata.name === doc.metadata?.name && groupOf(o.apiVersion) === groupOf(doc.apiVersion));
        if (i < 0) throw new Error(`${file}: patch ${patch.path} targets ${doc.kind}/${doc.metadata?.name}, which is not among the resources`);
        objects[i] = strategicMerge(objects[i], doc) as K8sObject;
      }
    } else if (patch.patch && patch.target) {
      const targets = objects.filter((o) => matches(o, patch.target!));
      if (!targets.length) throw new Error(`${file}: patch target ${JSON.stringify(patch.target)} matches no resource`);
      const ops = parseAllDocuments(patch.patch)[0]!.toJS() as { op: string; path: string; value?: unknown }[];
      for (const t of targets) applyJsonPatch(t as unknown as Json, ops);
    } else throw new Error(`${file}: a patch needs a path, or an inline patch with a target`);
  }

  for (const o of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    for (const c of containersOf(o)) {
      const [name, tag] = String(c.image).split(/:(?=[^/]*$)/);
      const rule = (k.images ?? []).find((im) => im.name === name);
      if (rule) c.image = `${rule.newName ?? name}:${rule.newTag ?? tag ?? 'latest'}`;
    }
  }
  return objects;
}
