/**
 * Pruning, opt-in per workload, carried out: the objects that carry the workload's ownership label
 * in its namespaces are read here, {@link planPrune} (model/plan.ts) decides which left the
 * manifests, and `prune` deletes them.
 */
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import { KubernetesNotFoundError } from '../../../shared/ports/kubernetes-errors';
import { KNOWN_KINDS } from '../../../shared/ports/kubernetes-resources';
import { OWNER_LABEL } from '../../../shared/model/cluster-spec/runtime';
import { isTransient } from './apply';
import { describeObject } from '../model/manifests';
import type { PruneAction } from '../model/plan';
import type { RenderedWorkload } from '../model/render';
import type { DeployTarget } from '../model/targets';

/**
 * Every object with the workload's ownership label in the rendering's namespaces, as the cluster
 * holds it: what {@link planPrune} chooses the deletes from.
 *
 * @example
 * const deletes = planPrune(await ownedObjects(k8s, target, rendered), rendered, target.workload.name);
 */
export async function ownedObjects(k8s: KubernetesPort, target: DeployTarget, rendered: RenderedWorkload): Promise<KubernetesObject[]> {
  const namespaces = [...new Set(rendered.objects.flatMap((object) => (object.metadata.namespace === undefined ? [] : [object.metadata.namespace])))];
  const selector = `${OWNER_LABEL}=${target.workload.name}`;
  const owned: KubernetesObject[] = [];
  for (const namespace of namespaces) {
    for (const type of KNOWN_KINDS.filter((known) => known.namespaced && known.platformOnly !== true)) {
      const apiVersion = rendered.objects.find((object) => object.kind === type.kind)?.apiVersion ?? defaultVersion(type.group);
      try {
        owned.push(...(await k8s.list(apiVersion, type.kind, namespace, selector)));
      } catch (error) {
        // A kind the cluster does not serve (KEDA not installed) has nothing to prune.
        if (error instanceof KubernetesNotFoundError) continue;
        throw error;
      }
    }
  }
  return owned;
}

/** What a prune did: the objects deleted (one already gone counts), and every delete it could not do, with why. */
export interface PruneResult {
  pruned: string[];
  failed: { object: string; reason: string }[];
}

/**
 * Carries out a prune's deletes. A delete the API server refuses (a 403, a finalizer's webhook saying no) is
 * reported in `failed` and the others go on; a transient failure is thrown, so the message is retried.
 *
 * @example
 * const { pruned, failed } = await prune(k8s, planPrune(await ownedObjects(k8s, target, rendered), rendered, target.workload.name));
 * // pruned: ['ConfigMap crypto-oms/old-config']
 */
export async function prune(k8s: KubernetesPort, deletes: readonly PruneAction[]): Promise<PruneResult> {
  const result: PruneResult = { pruned: [], failed: [] };
  for (const { object: orphan } of deletes) {
    try {
      await k8s.delete(orphan.apiVersion, orphan.kind, orphan.metadata.namespace, orphan.metadata.name);
      result.pruned.push(describeObject(orphan));
    } catch (error) {
      if (isTransient(error)) throw error;
      result.failed.push({ object: describeObject(orphan), reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/**
 * How a prune's failures read in a report: `ConfigMap shop/old: <why>`.
 *
 * @example
 * notPruned(result); // ['ConfigMap crypto-oms/old-config: ... forbids us to delete ...']
 */
export function notPruned(result: PruneResult): string[] {
  return result.failed.map((item) => `${item.object}: ${item.reason}`);
}

function defaultVersion(group: string): string {
  const versions: Record<string, string> = {
    '': 'v1',
    apps: 'apps/v1',
    batch: 'batch/v1',
    autoscaling: 'autoscaling/v2',
    policy: 'policy/v1',
    'networking.k8s.io': 'networking.k8s.io/v1',
    'keda.sh': 'keda.sh/v1alpha1',
  };
  return versions[group] ?? `${group}/v1`;
}
