/**
 * Deploy targets: every workload of every spec, with its manifests read and the image
 * repositories its containers use. Built once per container (specs and manifests ship in the
 * bundle) and shared by the webhook receiver, the worker and the CLI.
 */
import path from 'node:path';
import { clip, InvalidEventError } from '../../shared/errors';
import type { LoadedSpec } from '../../shared/spec/load';
import { loadSpecs } from '../../shared/spec/load';
import type { ClusterSpec } from '../../shared/spec/schema';
import type { ImagePolicySpec, WorkloadSpec } from '../../shared/spec/workloads';
import type { ManifestObject } from './manifests';
import { containerImages, loadManifests } from './manifests';

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
 * Reads the manifests of every workload of the loaded specs.
 *
 * @example
 * const targets = await targetsOf(await loadSpecs(['examples/crypto-oms/cluster.yaml']));
 * targets[0].repositories; // ['ghcr.io/crypto-oms/order-ingestion', ...]
 */
export async function targetsOf(specs: readonly LoadedSpec[]): Promise<DeployTarget[]> {
  const targets: DeployTarget[] = [];
  for (const { file, spec } of specs) {
    for (const workload of spec.workloads) {
      const objects = await loadManifests(path.resolve(path.dirname(file), workload.manifests));
      const repositories = [...new Set(objects.flatMap(({ object }) => containerImages(object).map((image) => image.repository)))];
      targets.push({ ...clusterOf(spec), source: file, workload, objects, repositories });
    }
  }
  return targets;
}

function clusterOf(spec: ClusterSpec): Pick<DeployTarget, 'cluster' | 'region' | 'assumeRoleArn'> {
  return { cluster: spec.name, region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) };
}

let cached: { key: string; targets: Promise<DeployTarget[]> } | undefined;

/**
 * {@link targetsOf} the specs at `paths`, read once per container; a failed read is retried next time.
 *
 * @example
 * const targets = await loadTargets(['specs']);
 */
export function loadTargets(paths: readonly string[]): Promise<DeployTarget[]> {
  const key = paths.join(',');
  if (cached?.key !== key) {
    const targets = loadSpecs(paths).then(targetsOf);
    cached = { key, targets };
    targets.catch(() => {
      if (cached?.targets === targets) cached = undefined;
    });
  }
  return cached.targets;
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
 * @throws InvalidEventError naming the workloads there are.
 * @example
 * findTarget(targets, 'crypto-oms'); // the crypto-oms workload of cluster crypto-oms
 */
export function findTarget(targets: readonly DeployTarget[], workload: string, cluster?: string): DeployTarget {
  const found = targets.filter((target) => target.workload.name === workload && (cluster === undefined || target.cluster === cluster));
  const [only, second] = found;
  if (only !== undefined && second === undefined) return only;
  const known = targets.map(targetKey).join(', ') || 'none';
  const reason =
    only === undefined
      ? `no workload "${clip(workload)}"${cluster === undefined ? '' : ` on cluster ${clip(cluster)}`}; the specs have: ${known}`
      : `workload "${clip(workload)}" exists on several clusters (${found.map((target) => target.cluster).join(', ')}): name the cluster`;
  const field = only === undefined ? 'workload' : 'cluster';
  throw new InvalidEventError(reason, { context: { workload: clip(workload), cluster: cluster === undefined ? undefined : clip(cluster) }, issues: [{ field, reason }] });
}
