/**
 * Step 5 of provision's plan: the Kubernetes version, one minor version per step, node groups
 * caught up with the control plane before it moves again.
 */
import type { Cluster } from '@aws-sdk/client-eks';
import type { TargetId } from '../../../shared/model/plan/plan';
import { targetId } from '../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import type { ObservedState } from '../observed';

/**
 * One minor version per step. Before the control plane moves, every node group catches up with it
 * (AWS's upgrade guidance; EKS itself tolerates kubelets a few versions behind), so a lagging node
 * group's update comes first.
 *
 * @example
 * planControlPlaneVersion({ ...spec, version: '1.32' }, { ...cluster, version: '1.30' }, observed).map((action) => action.request);
 * // [{ name: 'kianax', version: '1.31' }]: one minor step, after any node group still on 1.29
 */
export function planControlPlaneVersion(spec: ClusterSpec, cluster: Cluster, observed: ObservedState): ProvisionAction[] {
  const current = minor(cluster.version);
  if (current === undefined || minor(spec.version) <= current) return [];
  const lagging = Object.values(observed.nodeGroups)
    .filter((group) => (minor(group.version) ?? current) < current)
    .map((group): TargetId => `nodegroup/${group.nodegroupName ?? ''}`);
  const next = `1.${current + 1}`;
  const remaining = minor(spec.version) - current;
  return [
    {
      kind: 'UpdateClusterVersion',
      classification: 'update',
      target: { kind: 'cluster', name: spec.name },
      reason:
        remaining > 1
          ? `Kubernetes ${cluster.version ?? '?'} -> ${spec.version} goes one minor version per step (${remaining} steps)`
          : 'Kubernetes version differs from the spec',
      changes: [{ field: 'version', from: cluster.version, to: next }],
      request: { name: spec.name, version: next },
      ...(lagging.length > 0 ? { after: lagging } : {}),
    },
  ];
}

/**
 * A node group's version update must run before the control-plane step that waits for it, and so
 * waits for the cluster only while something else is pending on it (else the two would wait for
 * each other).
 *
 * @example
 * orderVersionSteps(actions).map((action) => action.kind);
 * // [..., 'UpdateNodegroupVersion', 'UpdateClusterVersion', ...]: the lagging group's step just before the one that waits for it
 */
export function orderVersionSteps(actions: ProvisionAction[]): ProvisionAction[] {
  const upgrade = actions.find((action) => action.kind === 'UpdateClusterVersion');
  if (!upgrade?.after) return actions;
  const waitedFor = new Set<string>(upgrade.after);
  const first = actions.filter(
    (action): action is Extract<ProvisionAction, { kind: 'UpdateNodegroupVersion' }> =>
      action.kind === 'UpdateNodegroupVersion' && waitedFor.has(`nodegroup/${action.target.name}`),
  );
  const firstSet = new Set<ProvisionAction>(first);
  const rest = actions.filter((action) => !firstSet.has(action));
  const at = rest.indexOf(upgrade);
  const cluster = targetId(upgrade.target);
  const clusterBusyBefore = rest.slice(0, at).some((action) => targetId(action.target) === cluster);
  const moved = first.map((action): ProvisionAction => {
    if (clusterBusyBefore) return action;
    const { after = [], ...step } = action;
    const others = after.filter((id) => id !== cluster);
    return others.length > 0 ? { ...step, after: others } : step;
  });
  return [...rest.slice(0, at), ...moved, ...rest.slice(at)];
}

/**
 * "1.31" -> 31.
 *
 * @example
 * minor('1.31'); // 31
 * minor(undefined); // undefined
 */
export function minor(version: string): number;
export function minor(version: string | undefined): number | undefined;
export function minor(version: string | undefined): number | undefined {
  const match = /^1\.(\d+)/.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}
