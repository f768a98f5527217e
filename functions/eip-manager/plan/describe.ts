/** How a pool is named to a person: what its addresses attach to, where they are published. */
import type { ElasticIpPoolSpec } from '../../../shared/model/cluster-spec/eip-pools';
import { DEFAULT_STAGE, poolParameterName } from '../publish';
import type { PoolContext } from './types';

/**
 * What a pool's addresses attach to, as a person reads it.
 *
 * @example
 * attachLabel(pool); // 'node group prod-ng', 'instances tagged role=egress', 'NAT gateway nat-0a1b...' or 'reserved for a load balancer'
 */
export function attachLabel(pool: ElasticIpPoolSpec): string {
  const target = pool.attachTo;
  if ('nodeGroup' in target) return `node group ${target.nodeGroup}`;
  if ('instanceTags' in target)
    return `instances tagged ${Object.entries(target.instanceTags)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}`;
  if ('natGatewayId' in target) return `NAT gateway ${target.natGatewayId}`;
  return `reserved for a ${target.reservedFor.replace('-', ' ')}`;
}

/**
 * The SSM parameter the pool's allow-list is published to.
 *
 * @example
 * parameterOf(context); // '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress'
 */
export function parameterOf(context: PoolContext): string {
  return poolParameterName({ stage: context.options.stage ?? DEFAULT_STAGE, region: context.spec.region, cluster: context.spec.name }, context.pool.name);
}
