/**
 * Step 3 of provision's plan: a cluster that is being created or updated is waited for; one that
 * is being deleted or has failed is refused, for a person to look at.
 */
import type { Cluster } from '@aws-sdk/client-eks';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import type { ObservedState } from '../observed';

/**
 * A Wait or a Refuse for a cluster that is not ACTIVE, by its status; none for an ACTIVE one.
 *
 * @example
 * waitForCluster(spec, { ...cluster, status: 'UPDATING' }, observed).map((action) => action.reason);
 * // ['cluster is UPDATING: VersionUpdate 1a2b3c4d-...'], naming each update EKS lists as InProgress
 */
export function waitForCluster(spec: ClusterSpec, cluster: Cluster, observed: ObservedState): ProvisionAction[] {
  const target = { kind: 'cluster', name: spec.name };
  const status = cluster.status ?? 'ACTIVE';
  switch (status) {
    case 'ACTIVE':
      return [];
    case 'CREATING':
    case 'PENDING':
    case 'UPDATING': {
      const updates = observed.updatesInProgress
        .filter((update) => update.status === 'InProgress')
        .map((update) => `${update.type ?? 'update'} ${update.id ?? ''}`.trim());
      const detail = updates.length > 0 ? `: ${updates.join(', ')}` : '';
      return [{ kind: 'Wait', classification: 'no-op', target, reason: `cluster is ${status}${detail}`, changes: [] }];
    }
    case 'DELETING':
    case 'FAILED':
      return [{ kind: 'Refuse', classification: 'forbidden', target, reason: `cluster is ${status}; a person must look before provision acts`, changes: [] }];
    default:
      throw new Error(`unknown cluster status ${String(status satisfies never)}`);
  }
}
