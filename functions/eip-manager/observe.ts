/**
 * Reads what the plan needs and no more: one DescribeAddresses for the Region, one filtered
 * DescribeInstances per pool that attaches to instances (or moves its addresses off a node group), and one DescribeNatGateways for the NAT
 * gateways the pools name; and, in apply mode, each pool's allow-list, so the plan knows which
 * addresses may be known to partners. A converged account costs these reads only.
 */
import type { Ec2Reads } from '../../shared/ports/ec2';
import type { ElasticIpPoolSpec } from '../../shared/model/cluster-spec/eip-pools';
import { instanceFilters, moveFromFilters } from './members';
import type { ObservedPools } from './observed';

/** The allocation ids a pool's allow-list publishes (null when it could not be read). */
export type PublishedReader = (pool: ElasticIpPoolSpec) => Promise<readonly string[] | null>;

/**
 * The EC2 reads a converged apply of these pools costs: DescribeAddresses, DescribeNatGateways when
 * a pool names a NAT gateway, one DescribeInstances per pool that attaches to instances or moves
 * its addresses off a node group (`moveFrom`). What the
 * fan-out budgets a cluster's run at (the allow-lists are SSM's, in the function's own account).
 *
 * @example
 * readsOf('financial-move', spec.elasticIpPools); // 3
 */
export function readsOf(cluster: string, pools: readonly ElasticIpPoolSpec[]): number {
  const nat = pools.some((pool) => 'natGatewayId' in pool.attachTo) ? 1 : 0;
  return 1 + nat + pools.filter((pool) => (instanceFilters(cluster, pool) ?? moveFromFilters(cluster, pool)) !== undefined).length;
}

/**
 * @example
 * const observed = await observe(ec2, 'financial-move', spec.elasticIpPools);
 */
export async function observe(ec2: Ec2Reads, cluster: string, pools: readonly ElasticIpPoolSpec[], published?: PublishedReader): Promise<ObservedPools> {
  const natGatewayIds = [...new Set(pools.flatMap((pool) => ('natGatewayId' in pool.attachTo ? [pool.attachTo.natGatewayId] : [])))];
  const instancePools = pools.flatMap((pool) => {
    const filters = instanceFilters(cluster, pool) ?? moveFromFilters(cluster, pool);
    return filters === undefined ? [] : [{ pool: pool.name, filters }];
  });
  const [addresses, natGateways, instances, lists] = await Promise.all([
    ec2.describeAddresses(),
    ec2.describeNatGateways(natGatewayIds),
    Promise.all(instancePools.map(async ({ pool, filters }) => [pool, await ec2.describeInstances(filters)] as const)),
    published === undefined ? Promise.resolve(undefined) : Promise.all(pools.map(async (pool) => [pool.name, await published(pool)] as const)),
  ]);
  return {
    addresses,
    ...(lists === undefined ? {} : { published: Object.fromEntries(lists) }),
    instances: Object.fromEntries(instances),
    natGateways: Object.fromEntries(natGateways.flatMap((nat) => (nat.NatGatewayId === undefined ? [] : [[nat.NatGatewayId, nat] as const]))),
  };
}
