/**
 * Deploy targets: every workload of every spec, with its manifests read and the image
 * repositories its containers use. Built once per container (specs and manifests ship in the
 * bundle) and shared by the webhook receiver, the worker and the CLI.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EksPilotError } from '../../../shared/errors';
import { clip, InvalidEventError, SpecError } from '../../../shared/errors';
import type { LoadedSpec } from '../../../shared/model/cluster-spec/load';
import { loadSpecsSettled, specIssueAt } from '../../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ImagePolicySpec, WorkloadSpec } from '../../../shared/model/cluster-spec/workloads';
import type { EnvironmentGate } from '../../../shared/model/cluster-spec/environments';
import { workloadSpecError } from '../../../shared/model/cluster-spec/workload-checks';
import type { ManifestObject } from './manifests';
import { BrokenWorkloadError } from './errors';
import { containerImages, loadManifests, ManifestError } from './manifests';

/** One workload of one cluster, ready to render. */
export interface DeployTarget {
  cluster: string;
  region: string;
  assumeRoleArn?: string;
  /** The spec file, for messages. */
  source: string;
  workload: WorkloadSpec;
  objects: ManifestObject[];
  /** Image repositories the manifests' containers and init containers use. */
  repositories: string[];
  /** What gates its releases: the spec's entry for the workload's environment (absent: none). */
  gate?: EnvironmentGate;
}

/**
 * Cluster and workload: the SQS message group and the log key.
 *
 * @example
 * targetKey(target); // 'crypto-oms/crypto-oms'
 */
export function targetKey(target: Pick<DeployTarget, 'cluster'> & { workload: Pick<WorkloadSpec, 'name'> }): string {
  return `${target.cluster}/${target.workload.name}`;
}

/**
 * A workload (or a whole spec file) that cannot be deployed: its spec or its manifests are broken.
 * It is reported and skipped; every other workload keeps deploying.
 */
export interface BrokenWorkload {
  /** The spec file. */
  source: string;
  /** Undefined when the spec file itself does not validate. */
  cluster?: string;
  workload?: string;
  /** The repositories its policies name (empty when the spec could not be read): which pushes it would have taken. */
  repositories: string[];
  /** What is wrong, with file and line. */
  reason: string;
  error: EksPilotError;
}

/** Every workload of the specs: the ones ready to deploy and the broken ones. */
export interface Fleet {
  targets: DeployTarget[];
  broken: BrokenWorkload[];
}

/**
 * Reads the manifests of every workload of the loaded specs; a workload whose manifests folder is
 * missing (a SpecError at its `manifests` field) or whose manifests cannot be used (a ManifestError)
 * is broken, and the others are unaffected.
 *
 * @example
 * const { targets, broken } = await fleetOf(await loadSpecs(['examples/crypto-oms/cluster.yaml']));
 */
export async function fleetOf(specs: readonly LoadedSpec[]): Promise<Fleet> {
  const targets: DeployTarget[] = [];
  const broken: BrokenWorkload[] = [];
  for (const { file, spec } of specs) {
    for (const [index, workload] of spec.workloads.entries()) {
      const folder = path.resolve(path.dirname(file), workload.manifests);
      const where = { source: file, cluster: spec.name, workload: workload.name, repositories: workload.images.map((image) => image.repository) };
      if (!(await isFolder(folder))) {
        const error = new SpecError([
          specIssueAt(
            await readFile(file, 'utf8'),
            file,
            ['workloads', index, 'manifests'],
            `no manifests folder ${workload.manifests} next to the spec (${folder})`,
          ),
        ]);
        broken.push({ ...where, reason: error.message, error });
        continue;
      }
      try {
        const objects = await loadManifests(folder);
        const specError = await workloadSpecError(file, spec, index, objects);
        if (specError !== undefined) {
          broken.push({ ...where, reason: specError.message, error: specError });
          continue;
        }
        if (!workload.literalSecrets) refuseLiteralSecrets(folder, objects);
        const repositories = [...new Set(objects.flatMap(({ object }) => containerImages(object).map((image) => image.repository)))];
        const gate = spec.environments.find((environment) => environment.name === workload.environment);
        targets.push({ ...clusterOf(spec), source: file, workload, objects, repositories, ...(gate === undefined ? {} : { gate }) });
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        broken.push({ ...where, reason: error.message, error });
      }
    }
  }
  return { targets, broken };
}

/**
 * Reads the manifests of every workload of the loaded specs; for the CLI, which stops at the first broken one.
 *
 * @throws SpecError or ManifestError of the first broken workload.
 * @example
 * const targets = await targetsOf(await loadSpecs(['examples/crypto-oms/cluster.yaml']));
 * targets[0].repositories; // ['ghcr.io/crypto-oms/order-ingestion', ...]
 */
export async function targetsOf(specs: readonly LoadedSpec[]): Promise<DeployTarget[]> {
  const { targets, broken } = await fleetOf(specs);
  const [first] = broken;
  if (first !== undefined) throw first.error;
  return targets;
}

/**
 * Refuses Secret manifests that carry values: credentials belong in AWS (the workload's `secrets`),
 * and a placeholder applied with `force` would clobber the real ones. Names file, line and keys, never a value.
 */
function refuseLiteralSecrets(folder: string, objects: readonly ManifestObject[]): void {
  const problems = objects.flatMap(({ object, file, line }) => {
    if (object.kind !== 'Secret') return [];
    const keys = [...Object.keys(asRecord(object.data)), ...Object.keys(asRecord(object.stringData))];
    return keys.length === 0
      ? []
      : [
          `${file}:${line}: Secret ${object.metadata.namespace ?? ''}/${object.metadata.name} has literal values (keys ${keys.join(', ')}): source them from AWS with the workload's \`secrets\`, or set literalSecrets: true`,
        ];
  });
  if (problems.length > 0) throw new ManifestError(`the manifests in ${folder} cannot be applied:\n${problems.join('\n')}`, { context: { folder, problems } });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

async function isFolder(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch {
    return false;
  }
}

function clusterOf(spec: ClusterSpec): Pick<DeployTarget, 'cluster' | 'region' | 'assumeRoleArn'> {
  return { cluster: spec.name, region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) };
}

let cached: { key: string; fleet: Promise<Fleet> } | undefined;

/**
 * {@link fleetOf} the specs at `paths`, read once per container; a failed read is retried next
 * time. A spec file that does not validate makes its workloads broken, not the fleet.
 *
 * @example
 * const { targets, broken } = await loadFleet(['specs']);
 */
export function loadFleet(paths: readonly string[]): Promise<Fleet> {
  const key = paths.join(',');
  if (cached?.key !== key) {
    const fleet = loadSpecsSettled(paths).then(async ({ loaded, failed }) => {
      const { targets, broken } = await fleetOf(loaded);
      return { targets, broken: [...failed.map(({ file, error }) => ({ source: file, repositories: [], reason: error.message, error })), ...broken] };
    });
    cached = { key, fleet };
    fleet.catch(() => {
      if (cached?.fleet === fleet) cached = undefined;
    });
  }
  return cached.fleet;
}

/** A workload that takes pushes of a repository: its policy and the target. */
export interface RepositoryMatch {
  target: DeployTarget;
  policy: ImagePolicySpec;
}

/**
 * The workloads that deploy a repository: a policy names it and a container of the manifests uses
 * it. A policy whose repository no container uses is reported, not matched.
 *
 * @example
 * const { matched, unused } = matchRepository(targets, 'ghcr.io/crypto-oms/order-ingestion');
 */
export function matchRepository(targets: readonly DeployTarget[], repository: string): { matched: RepositoryMatch[]; unused: DeployTarget[] } {
  const matched: RepositoryMatch[] = [];
  const unused: DeployTarget[] = [];
  for (const target of targets) {
    const policy = target.workload.images.find((image) => image.repository === repository);
    if (policy === undefined) continue;
    if (target.repositories.includes(repository)) matched.push({ target, policy });
    else unused.push(target);
  }
  return { matched, unused };
}

/**
 * The one target a manual invoke names: by workload name, and by cluster when the name is not
 * unique across the specs.
 *
 * @throws InvalidEventError naming the workloads there are; BrokenWorkloadError for a broken one.
 * @example
 * findTarget(targets, 'crypto-oms'); // the crypto-oms workload of cluster crypto-oms
 */
export function findTarget(targets: readonly DeployTarget[], workload: string, cluster?: string, broken: readonly BrokenWorkload[] = []): DeployTarget {
  const found = targets.filter((target) => target.workload.name === workload && (cluster === undefined || target.cluster === cluster));
  const [only, second] = found;
  if (only !== undefined && second === undefined) return only;
  const brokenOne = only === undefined ? broken.find((item) => item.workload === workload && (cluster === undefined || item.cluster === cluster)) : undefined;
  if (brokenOne !== undefined) {
    const reason = `workload ${brokenOne.cluster ?? '?'}/${brokenOne.workload ?? '?'} is broken and skipped until its spec is fixed: ${clip(brokenOne.reason, 800)}`;
    throw new BrokenWorkloadError(reason, {
      cause: brokenOne.error,
      context: { workload: clip(workload), cluster: brokenOne.cluster },
      issues: [{ field: 'workload', reason }],
    });
  }
  const known = targets.map(targetKey).join(', ') || 'none';
  const reason =
    only === undefined
      ? `no workload "${clip(workload)}"${cluster === undefined ? '' : ` on cluster ${clip(cluster)}`}; the specs have: ${known}`
      : `workload "${clip(workload)}" exists on several clusters (${found.map((target) => target.cluster).join(', ')}): name the cluster`;
  const field = only === undefined ? 'workload' : 'cluster';
  throw new InvalidEventError(reason, {
    context: { workload: clip(workload), cluster: cluster === undefined ? undefined : clip(cluster) },
    issues: [{ field, reason }],
  });
}
