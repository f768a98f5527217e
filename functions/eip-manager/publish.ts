/**
 * The allow-list output: each pool's addresses published to one SSM parameter, so partners and
 * other systems read the list from one place. The value is JSON, the public IPs in numeric order
 * with their allocation ids at the same index:
 *
 *   {"publicIps":["198.51.100.7","198.51.100.9"],"allocationIds":["eipalloc-0a...","eipalloc-0b..."]}
 *
 * (an empty pool publishes empty lists). It is written only when it changes.
 */
import type { ExistingAddress } from './actions';
import { compareIps } from './members';

/** The stage a name is for when nobody says: the stack sets EKS_PILOT_STAGE to its own; the CLI reads it too. */
export const DEFAULT_STAGE = 'dev';

/** Where a pool is published: which deployment (stage) and which cluster (its Region and name). */
export interface PoolParameterScope {
  stage: string;
  region: string;
  cluster: string;
}

/**
 * The pool's parameter: stage and Region in the name, so dev and prod in one account, or two
 * clusters of one name in two Regions, never overwrite each other's allow-list.
 *
 * @example
 * poolParameterName({ stage: 'prod', region: 'sa-east-1', cluster: 'financial-move' }, 'egress');
 * // '/eks-pilot/prod/sa-east-1/financial-move/eip-pools/egress'
 */
export function poolParameterName(scope: PoolParameterScope, pool: string): string {
  return `/eks-pilot/${scope.stage}/${scope.region}/${scope.cluster}/eip-pools/${pool}`;
}

/**
 * The name before Region and stage were added. eip-manager no longer writes it (it collides) but
 * still reads it, so an address published there counts as known to partners, and leaves it in
 * place for whoever reads it until they move to {@link poolParameterName}.
 *
 * @example
 * legacyPoolParameterName('financial-move', 'egress'); // '/eks-pilot/prod/sa-east-1/financial-move/eip-pools/egress'
 */
export function legacyPoolParameterName(cluster: string, pool: string): string {
  return `/eks-pilot/${cluster}/eip-pools/${pool}`;
}

/**
 * The parameter value for a pool's addresses: stable whatever order they come in.
 *
 * @example
 * allowListValue([{ allocationId: 'eipalloc-0b', publicIp: '198.51.100.9' }]);
 * // '{"publicIps":["198.51.100.9"],"allocationIds":["eipalloc-0b"]}'
 */
export function allowListValue(addresses: readonly ExistingAddress[]): string {
  const sorted = [...addresses].sort((a, b) => compareIps(a.publicIp, b.publicIp));
  return JSON.stringify({ publicIps: sorted.map((address) => address.publicIp), allocationIds: sorted.map((address) => address.allocationId) });
}

/**
 * The allocation ids a parameter value publishes: `[]` for a parameter never written, null for a
 * value that is not eip-manager's JSON (edited by hand): then nothing counts as never published.
 *
 * @example
 * publishedAllocationIds('{"publicIps":["198.51.100.9"],"allocationIds":["eipalloc-0b"]}'); // ['eipalloc-0b']
 */
export function publishedAllocationIds(value: string | null): string[] | null {
  if (value === null) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    const ids = typeof parsed === 'object' && parsed !== null && 'allocationIds' in parsed ? parsed.allocationIds : undefined;
    return Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? ids : null;
  } catch {
    return null;
  }
}
