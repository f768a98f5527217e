/**
 * Platform components, pure once read: each cluster's `platform` section with its manifests loaded
 * and checked (every image pinned to a version or a digest), rendered in the order the API server
 * needs (every Namespace of every component first, then the CustomResourceDefinitions, then
 * cluster-scoped RBAC, then what refers to them), labelled with the component. deploy-worker applies them before any workload.
 */
import path from 'node:path';
import type { LoadedSpec } from '../../../shared/model/cluster-spec/load';
import { loadSpecsSettled } from '../../../shared/model/cluster-spec/load';
import { PLATFORM_LABEL } from '../../../shared/model/cluster-spec/runtime';
import type { PlatformComponentSpec } from '../../../shared/model/cluster-spec/platform';
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import { parseImageRef } from './images';
import type { ManifestObject } from './manifests';
import { containerImages, loadManifests, ManifestError } from './manifests';
import { APPLY_RANK, MANAGED_BY } from './render';

/** One component of a cluster's platform, with its manifests read. */
export interface PlatformComponent {
  spec: PlatformComponentSpec;
  objects: ManifestObject[];
}

/** A cluster's platform, ready to apply: where the cluster is, the role to apply as, the components in spec order. */
export interface PlatformTarget {
  cluster: string;
  region: string;
  /** The spec's cross-account role, for DescribeCluster. */
  assumeRoleArn?: string;
  /** The role the token is signed as: the one whose access entry is cluster-scoped. */
  roleArn: string;
  source: string;
  components: PlatformComponent[];
}

/** A platform that cannot be applied (a missing folder, an unusable or unpinned manifest): reported, its workloads still deploy. */
export interface BrokenPlatform {
  source: string;
  cluster: string;
  component: string;
  reason: string;
  error: ManifestError;
}

/**
 * Apply order of platform objects: the workloads' order (Namespace first) with the kinds only the
 * platform applies fitted in: CustomResourceDefinitions right after the Namespaces (before any
 * object of the kinds they define), RBAC next to service accounts (a binding names its role and
 * account), the IngressClass with the controllers, the admission webhooks last (they point at a
 * Service whose pods must be running).
 */
export const PLATFORM_RANK: Readonly<Record<string, number>> = {
  ...APPLY_RANK,
  CustomResourceDefinition: 0.5,
  ClusterRole: 1,
  Role: 1,
  ClusterRoleBinding: 1.5,
  RoleBinding: 1.5,
  IngressClassParams: 2.9, // before the IngressClass that names it
  IngressClass: 3,
  MutatingWebhookConfiguration: 6,
  ValidatingWebhookConfiguration: 6,
};

/**
 * Reads the platform of every loaded spec that has one.
 *
 * @example
 * const { platforms, broken } = await platformsOf(await loadSpecs(['examples/kianax/cluster.yaml']));
 * platforms[0].components.map((component) => component.spec.name); // ['namespaces', 'cluster-autoscaler']
 */
export async function platformsOf(specs: readonly LoadedSpec[]): Promise<{ platforms: PlatformTarget[]; broken: BrokenPlatform[] }> {
  const platforms: PlatformTarget[] = [];
  const broken: BrokenPlatform[] = [];
  for (const { file, spec } of specs) {
    if (spec.platform === undefined) continue;
    const components: PlatformComponent[] = [];
    let ok = true;
    for (const component of spec.platform.components) {
      const folder = path.resolve(path.dirname(file), component.manifests);
      try {
        const objects = await loadManifests(folder);
        const problems = unpinnedImages(objects);
        if (problems.length > 0) {
          throw new ManifestError(`the manifests in ${folder} cannot be applied:\n${problems.join('\n')}`, { context: { folder, problems } });
        }
        components.push({ spec: component, objects });
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        broken.push({ source: file, cluster: spec.name, component: component.name, reason: error.message, error });
        ok = false;
      }
    }
    // A platform applies whole or not at all: half of it (namespaces without their controllers) misleads.
    if (!ok) continue;
    platforms.push({
      cluster: spec.name,
      region: spec.region,
      ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}),
      roleArn: spec.platform.roleArn,
      source: file,
      components,
    });
  }
  return { platforms, broken };
}

/**
 * Every container image of the objects that is not pinned: no tag and no digest, or the tag
 * `latest` without a digest. Each as `file:line: Kind ns/name container <name>: ...`.
 *
 * @example
 * unpinnedImages([{ object: deployment, file: 'ca.yaml', line: 12 }]);
 * // ['ca.yaml:12: Deployment kube-system/cluster-autoscaler container cluster-autoscaler: image registry.k8s.io/autoscaling/cluster-autoscaler is not ...']
 */
export function unpinnedImages(objects: readonly ManifestObject[]): string[] {
  return objects.flatMap(({ object, file, line }) =>
    containerImages(object).flatMap((container) => {
      const ref = parseImageRef(container.image);
      const pinned = ref.digest !== undefined || (ref.tag !== undefined && ref.tag !== 'latest');
      if (pinned) return [];
      const where = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      return [
        `${file}:${line}: ${where} container ${container.container}: image ${container.image} is not pinned: name a released version (:v1.2.3) or a digest (@sha256:...)`,
      ];
    }),
  );
}

/**
 * The objects of a platform in apply order, each labelled with its component and as eks-pilot's.
 * Stable: within one rank, components in spec order and objects in manifest order.
 *
 * @example
 * renderPlatform(platform).map((object) => object.kind); // ['Namespace', 'Namespace', 'ServiceAccount', 'ClusterRole', ...]
 */
export function renderPlatform(platform: Pick<PlatformTarget, 'components'>): KubernetesObject[] {
  const ranked = platform.components.flatMap((component) =>
    component.objects.map(({ object }) => {
      const copy = structuredClone(object);
      copy.metadata.labels = { ...copy.metadata.labels, [PLATFORM_LABEL]: component.spec.name, [MANAGED_BY.key]: MANAGED_BY.value };
      return copy;
    }),
  );
  return ranked
    .map((object, index) => ({ object, index, rank: PLATFORM_RANK[object.kind] ?? 4 }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((item) => item.object);
}

let cached: { key: string; platforms: Promise<{ platforms: PlatformTarget[]; broken: BrokenPlatform[] }> } | undefined;

/**
 * {@link platformsOf} the specs at `paths`, read once per container; a failed read is retried next
 * time. A spec that does not validate has no platform here (its workloads report it).
 *
 * @example
 * const { platforms } = await loadPlatforms(['specs']);
 */
export function loadPlatforms(paths: readonly string[]): Promise<{ platforms: PlatformTarget[]; broken: BrokenPlatform[] }> {
  const key = paths.join(',');
  if (cached?.key !== key) {
    const platforms = loadSpecsSettled(paths).then(({ loaded }) => platformsOf(loaded));
    cached = { key, platforms };
    platforms.catch(() => {
      if (cached?.platforms === platforms) cached = undefined;
    });
  }
  return cached.platforms;
}
