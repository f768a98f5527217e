/**
 * Rendering, pure: a workload's manifests with the release's images pinned in, labelled as deploy's,
 * without `spec.replicas` where an autoscaler owns it, sorted in the order the API server needs them.
 * No I/O, no clock: the same rendering drives apply, the dry run of the drift check and the plan.
 */
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import { OWNER_LABEL } from '../../../shared/model/cluster-spec/runtime';
import type { PinnedImage } from './images';
import { parseImageRef, pinnedRef } from './images';
import type { ManifestObject } from './manifests';
import { describeObject, isWorkloadKind, podSpecOf } from './manifests';

/** The one field manager deploy applies with (server-side apply, `force`: deploy owns these fields). */
export const FIELD_MANAGER = 'eks-pilot-deploy';

/**
 * How deploy applies: its field manager, `force` (deploy owns these fields) and strict field
 * validation, so a misspelt field is refused instead of silently dropped.
 */
export const APPLY_OPTIONS = { fieldManager: FIELD_MANAGER, force: true, fieldValidation: 'Strict' } as const;

/** Set on every object deploy applies, next to {@link OWNER_LABEL}. */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'eks-pilot' } as const;

/**
 * Apply order: what others refer to goes first. Namespace; ServiceAccount, ConfigMap, Secret;
 * Service; workloads; HPA, PDB (and KEDA's ScaledObject); Ingress, NetworkPolicy.
 */
export const APPLY_RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  ServiceAccount: 1,
  ConfigMap: 1,
  Secret: 1,
  Service: 2,
  Deployment: 3,
  StatefulSet: 3,
  DaemonSet: 3,
  Job: 3,
  CronJob: 3,
  HorizontalPodAutoscaler: 4,
  PodDisruptionBudget: 4,
  ScaledObject: 4,
  Ingress: 5,
  NetworkPolicy: 5,
};

/** One container whose image the rendering changes from what the manifest says. */
export interface ImageChange {
  object: string;
  container: string;
  from: string;
  to: string;
}

export interface RenderedWorkload {
  /** In apply order; within one rank, in manifest order. */
  objects: KubernetesObject[];
  images: ImageChange[];
  /** Workload objects an HPA or ScaledObject scales: rendered without `spec.replicas`. */
  autoscaled: string[];
}

/**
 * Renders a workload for a release. `images` maps repository to the pinned image to run; a
 * container whose repository is not in it keeps its manifest image.
 *
 * @example
 * const { objects } = renderWorkload('crypto-oms', manifests, { 'ghcr.io/crypto-oms/order-ingestion': { repository, tag: 'v1.1.0', digest } });
 * objects[0].kind; // 'Namespace'
 */
export function renderWorkload(workload: string, manifests: readonly ManifestObject[], images: Readonly<Record<string, PinnedImage>>): RenderedWorkload {
  const scaled = autoscaledTargets(manifests.map(({ object }) => object));
  const changes: ImageChange[] = [];
  const autoscaled: string[] = [];
  const rendered = manifests.map(({ object }, index) => {
    const copy = structuredClone(object);
    copy.metadata.labels = { ...copy.metadata.labels, [OWNER_LABEL]: workload, [MANAGED_BY.key]: MANAGED_BY.value };
    if (isWorkloadKind(copy.kind)) {
      const key = `${copy.kind}/${copy.metadata.namespace ?? ''}/${copy.metadata.name}`;
      const spec = copy.spec as Record<string, unknown> | undefined;
      if (scaled.has(key) && spec !== undefined) {
        // The autoscaler owns replicas; applying a value would fight it on every deploy.
        delete spec.replicas;
        autoscaled.push(describeObject(copy));
      }
      changes.push(...pinImages(copy, images));
    }
    return { object: copy, index };
  });
  rendered.sort((a, b) => rank(a.object.kind) - rank(b.object.kind) || a.index - b.index);
  return { objects: rendered.map((item) => item.object), images: changes, autoscaled };
}

function rank(kind: string): number {
  return APPLY_RANK[kind] ?? 4;
}

/** `Kind/namespace/name` of every workload an HPA or a KEDA ScaledObject in the manifests scales. */
function autoscaledTargets(objects: readonly KubernetesObject[]): Set<string> {
  const targets = new Set<string>();
  for (const object of objects) {
    if (object.kind !== 'HorizontalPodAutoscaler' && object.kind !== 'ScaledObject') continue;
    const ref = (object.spec as { scaleTargetRef?: { kind?: unknown; name?: unknown } } | undefined)?.scaleTargetRef;
    if (typeof ref?.name !== 'string') continue;
    // KEDA's scaleTargetRef.kind defaults to Deployment.
    const kind = typeof ref.kind === 'string' ? ref.kind : 'Deployment';
    targets.add(`${kind}/${object.metadata.namespace ?? ''}/${ref.name}`);
  }
  return targets;
}

function pinImages(object: KubernetesObject, images: Readonly<Record<string, PinnedImage>>): ImageChange[] {
  const pod = podSpecOf(object);
  if (pod === undefined) return [];
  const changes: ImageChange[] = [];
  for (const key of ['initContainers', 'containers'] as const) {
    const list = pod[key];
    if (!Array.isArray(list)) continue;
    for (const container of list as Record<string, unknown>[]) {
      if (typeof container.image !== 'string') continue;
      const pinned = images[parseImageRef(container.image).repository];
      if (pinned === undefined) continue;
      const to = pinnedRef(pinned);
      if (to !== container.image) changes.push({ object: describeObject(object), container: String(container.name), from: container.image, to });
      container.image = to;
    }
  }
  return changes;
}
