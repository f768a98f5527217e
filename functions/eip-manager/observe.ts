/**
 * Reads what the plan needs and no more: one DescribeAddresses for the Region, one filtered
 * DescribeInstances per pool that attaches to instances, and one DescribeNatGateways for the NAT
 * gateways the pools name. A converged account costs these reads only.
 */
import type { Ec2Reads } from '../../shared/aws/ec2-port';
import type { ElasticIpPoolSpec } from '../../shared/spec/eip-pools';
import { instanceFilters } from './members';
import type { ObservedPools } from './observed';

/**
 * @example
 * const observed = await observe(ec2, 'financial-move', spec.elasticIpPools);
 */
export async function observe(ec2: Ec2Reads, cluster: string, pools: readonly ElasticIpPoolSpec[]): Promise<ObservedPools> {
  const natGatewayIds = [...new Set(pools.flatMap((pool) => ('natGatewayId' in pool.attachTo ? [pool.attachTo.natGatewayId] : [])))];
  const instancePools = pools.flatMap((pool) => {
    const filters = instanceFilters(cluster, pool);
    return filters === undefined ? [] : [{ pool: pool.name, filters }];
  });
  const [addresses, natGateways, instances] = await Promise.all([
    ec2.describeAddresses(),
    ec2.describeNatGateways(natGatewayIds),
    Promise.all(instancePools.map(async ({ pool, filters }) => [pool, await ec2.describeInstances(filters)] as const)),
  ]);
  return {
    addresses,
    instances: Object.fromEntries(instances),
    natGateways: Object.fromEntries(natGateways.flatMap((nat) => (nat.NatGatewayId === undefined ? [] : [[nat.NatGatewayId, nat] as const]))),
  };
}
