/**
 * A workload's manifests: every `*.yaml`/`*.yml` in its folder, multi-document files included, in
 * file-name order. Each object is checked before anything is sent: a kind the Kubernetes layer
 * cannot map, or an object without a name or namespace, is reported with its file and line.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EksPilotError, formatSpecIssue } from '../../../shared/errors';
import { resourceFor } from '../../../shared/ports/kubernetes-resources';
import { MANIFEST_LIMITS, parseYamlDocuments } from '../../../shared/model/cluster-spec/load';
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import { parseImageRef } from './images';

/** The kinds whose pods deploy sets images on. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** The kinds whose rollout deploy watches (Jobs and CronJobs have no rollout). */
export const ROLLOUT_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

/** A manifest that cannot be used, located in its file. */
export class ManifestError extends EksPilotError {
  override name = 'ManifestError';
}

/** One object of a manifests folder and where it came from. */
export interface ManifestObject {
  object: KubernetesObject;
  file: string;
  line: number;
}

/**
 * Reads a manifests folder.
 *
 * @throws ManifestError naming the file and line of every unusable document.
 * @example
 * const objects = await loadManifests('examples/crypto-oms/manifests');
 * objects.map(({ object }) => object.kind); // ['Namespace', 'ConfigMap', ...]
 */
export async function loadManifests(folder: string): Promise<ManifestObject[]> {
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new ManifestError(`cannot read the manifests folder ${folder}`, { cause: error, context: { folder } });
  }
  const objects: ManifestObject[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    // The spec's limits and walk: size, UTF-8, syntax, duplicate and reserved keys, depth, aliases.
    const { documents, issues } = parseYamlDocuments(await readFile(file), file, MANIFEST_LIMITS);
    problems.push(...issues.map(formatSpecIssue));
    for (const { value, line } of documents) {
      if (value === null || value === undefined) continue;
      const problem = checkObject(value);
      if (problem !== undefined) problems.push(`${file}:${line}: ${problem}`);
      else objects.push({ object: value as KubernetesObject, file, line });
    }
  }
  if (problems.length > 0) {
    throw new ManifestError(`the manifests in ${folder} cannot be applied:\n${problems.join('\n')}`, { context: { folder, problems } });
  }
  return objects;
}

function checkObject(value: unknown): string | undefined {
  if (!isRecord(value)) return 'a document that is not a Kubernetes object';
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return 'an object without apiVersion and kind';
  let namespaced: boolean;
  try {
    const resource = resourceFor(apiVersion, kind);
    if (resource.readOnly) return `eks-pilot only reads ${kind} objects (to validate a cluster); a manifest cannot create one`;
    namespaced = resource.namespaced;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return `a ${kind} without metadata.name`;
  if (namespaced && (typeof metadata.namespace !== 'string' || metadata.namespace === '')) {
    return `${kind} ${metadata.name} has no metadata.namespace (deploy never guesses one)`;
  }
  return undefined;
}

/**
 * Whether an object is one of the {@link WORKLOAD_KINDS}.
 *
 * @example
 * isWorkloadKind('CronJob'); // true
 */
export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return (WORKLOAD_KINDS as readonly string[]).includes(kind);
}

/**
 * The pod spec of a workload object: `spec.template.spec`, or `spec.jobTemplate.spec.template.spec` for a CronJob.
 *
 * @example
 * podSpecOf(cronJob)?.containers; // the CronJob's containers
 */
export function podSpecOf(object: KubernetesObject): Record<string, unknown> | undefined {
  if (!isWorkloadKind(object.kind)) return undefined;
  const spec = record(object.spec);
  const template = object.kind === 'CronJob' ? record(record(record(spec?.jobTemplate)?.spec)?.template) : record(spec?.template);
  return record(template?.spec);
}

/** One container of a workload object and its image. */
export interface ContainerImage {
  container: string;
  init: boolean;
  image: string;
  repository: string;
}

/**
 * The containers and init containers of a workload object with their images.
 *
 * @example
 * containerImages(deployment); // [{ container: 'web', init: false, image: 'ghcr.io/acme/web:v1', repository: 'ghcr.io/acme/web' }]
 */
export function containerImages(object: KubernetesObject): ContainerImage[] {
  const pod = podSpecOf(object);
  if (pod === undefined) return [];
  const out: ContainerImage[] = [];
  for (const [key, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    const list = pod[key];
    if (!Array.isArray(list)) continue;
    for (const item of list as unknown[]) {
      const container = record(item);
      if (typeof container?.image !== 'string') continue;
      out.push({
        container: typeof container.name === 'string' ? container.name : '?',
        init,
        image: container.image,
        repository: parseImageRef(container.image).repository,
      });
    }
  }
  return out;
}

/**
 * How logs and reports name an object.
 *
 * @example
 * describeObject(deployment); // 'Deployment crypto-oms/order-ingestion'
 */
export function describeObject(object: KubernetesObject): string {
  return `${object.kind} ${object.metadata.namespace === undefined ? '' : `${object.metadata.namespace}/`}${object.metadata.name}`;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
