/**
 * Pure facts about addresses and targets that the plan and the executor share: which pool an
 * address belongs to, which instances a pool serves, and where an address sits. No I/O.
 */
import type { Address, Filter, Instance } from '@aws-sdk/client-ec2';
import type { ElasticIpPoolSpec } from '../../shared/model/cluster-spec/eip-pools';
import { NODE_GROUP_TAG, POOL_TAG } from '../../shared/model/cluster-spec/runtime';

/** How an address came to belong to a pool. */
export interface Membership {
  pool: string;
  /** Brought in by `adopt` (allocation id or tags): never released, whatever the policy. */
  adopted: boolean;
  /** Carries this cluster's and pool's eks-pilot tags: the pool allocated it. */
  allocatedByPool: boolean;
  /** Other pools that also claim the address (it stays with `pool`). */
  alsoClaimedBy: string[];
}

/** An instance's primary network interface and its primary private IP: where a pool address goes. */
export interface TargetInterface {
  instanceId: string;
  networkInterfaceId: string;
  privateIp: string;
}

/** Instances in these states can hold an address; terminated ones have dropped theirs already. */
export const LIVE_INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] as const;

/**
 * The pool every address belongs to, by allocation id; addresses in no pool are absent. An
 * allocation id the spec adopts wins, then this cluster's pool tags, then adoption by tags, each
 * in spec order.
 *
 * @example
 * const members = poolMembership('financial-move', spec.elasticIpPools, addresses);
 * members.get('eipalloc-0a1b2c3d4e5f60718')?.pool; // 'egress'
 */
export function poolMembership(cluster: string, pools: readonly ElasticIpPoolSpec[], addresses: readonly Address[]): Map<string, Membership> {
  const found = new Map<string, Membership>();
  for (const address of addresses) {
    const allocationId = address.AllocationId;
    if (allocationId === undefined) continue;
    const tags = tagsOf(address);
    const byId = pools.filter((pool) => pool.adopt.allocationIds.includes(allocationId));
    const byOurTags = tags[POOL_TAG.cluster] === cluster ? pools.filter((pool) => tags[POOL_TAG.pool] === pool.name) : [];
    const byAdoptTags = pools.filter((pool) => Object.keys(pool.adopt.tags).length > 0 && matchesTags(tags, pool.adopt.tags));
    const claims = [...new Set([...byId, ...byOurTags, ...byAdoptTags].map((pool) => pool.name))];
    const [owner] = claims;
    if (owner === undefined) continue;
    found.set(allocationId, {
      pool: owner,
      adopted: [...byId, ...byAdoptTags].some((pool) => pool.name === owner),
      allocatedByPool: byOurTags.some((pool) => pool.name === owner),
      alsoClaimedBy: claims.slice(1),
    });
  }
  return found;
}

/**
 * The addresses of one pool, sorted by allocation id.
 *
 * @example
 * membersOf('egress', poolMembership('financial-move', spec.elasticIpPools, addresses), addresses);
 */
export function membersOf(pool: string, membership: ReadonlyMap<string, Membership>, addresses: readonly Address[]): Address[] {
  return addresses
    .filter((address) => address.AllocationId !== undefined && membership.get(address.AllocationId)?.pool === pool)
    .sort((a, b) => (a.AllocationId ?? '').localeCompare(b.AllocationId ?? ''));
}

/**
 * The DescribeInstances filters of a pool that attaches to instances (undefined for the other
 * kinds): its node group's or its tags, in every state that can hold an address.
 *
 * @example
 * instanceFilters('financial-move', pool); // [{ Name: 'tag:eks:cluster-name', Values: ['financial-move'] }, ...]
 */
export function instanceFilters(cluster: string, pool: ElasticIpPoolSpec): Filter[] | undefined {
  const states: Filter = { Name: 'instance-state-name', Values: [...LIVE_INSTANCE_STATES] };
  const target = pool.attachTo;
  if ('nodeGroup' in target) {
    return [{ Name: `tag:${NODE_GROUP_TAG.cluster}`, Values: [cluster] }, { Name: `tag:${NODE_GROUP_TAG.nodeGroup}`, Values: [target.nodeGroup] }, states];
  }
  if ('instanceTags' in target) {
    return [...Object.entries(target.instanceTags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })), states];
  }
  return undefined;
}

/**
 * The DescribeInstances filters of the nodes a NAT gateway pool moves its addresses from
 * (`attachTo.moveFrom.nodeGroup`); undefined for any other pool.
 *
 * @example
 * moveFromFilters('financial-move', egress); // the filters of node group prod-ng, as instanceFilters gives them
 */
export function moveFromFilters(cluster: string, pool: ElasticIpPoolSpec): Filter[] | undefined {
  const target = pool.attachTo;
  if (!('natGatewayId' in target) || target.moveFrom === undefined) return undefined;
  return instanceFilters(cluster, { ...pool, attachTo: { nodeGroup: target.moveFrom.nodeGroup } });
}

/**
 * Whether an instance is one a pool attaches to, by its tags (what {@link instanceFilters} asks EC2).
 *
 * @example
 * instanceMatchesPool('financial-move', egress, instance); // true for a node of prod-ng
 */
export function instanceMatchesPool(cluster: string, pool: ElasticIpPoolSpec, instance: Instance): boolean {
  const tags = tagsOf(instance);
  const target = pool.attachTo;
  if ('nodeGroup' in target) return tags[NODE_GROUP_TAG.cluster] === cluster && tags[NODE_GROUP_TAG.nodeGroup] === target.nodeGroup;
  if ('instanceTags' in target) return matchesTags(tags, target.instanceTags);
  return false;
}

/**
 * The primary network interface (device index 0) and its primary private IP; undefined when EC2
 * has not reported one yet. An EKS node carries more interfaces (the VPC CNI adds them), so
 * associations name this one rather than the instance.
 *
 * @example
 * primaryInterface(instance); // { instanceId: 'i-0a…', networkInterfaceId: 'eni-0b…', privateIp: '10.0.1.5' }
 */
export function primaryInterface(instance: Instance): TargetInterface | undefined {
  const eni = instance.NetworkInterfaces?.find((candidate) => candidate.Attachment?.DeviceIndex === 0);
  const privateIp = eni?.PrivateIpAddresses?.find((ip) => ip.Primary)?.PrivateIpAddress ?? eni?.PrivateIpAddress;
  if (instance.InstanceId === undefined || eni?.NetworkInterfaceId === undefined || privateIp === undefined) return undefined;
  return { instanceId: instance.InstanceId, networkInterfaceId: eni.NetworkInterfaceId, privateIp };
}

/**
 * The Elastic IP on a target's primary private IP, whoever's it is.
 *
 * @example
 * addressOn(addresses, primaryInterface(instance)!)?.PublicIp; // '198.51.100.7' or undefined
 */
export function addressOn(addresses: readonly Address[], target: TargetInterface): Address | undefined {
  return addresses.find(
    (address) =>
      address.AssociationId !== undefined &&
      address.NetworkInterfaceId === target.networkInterfaceId &&
      (address.PrivateIpAddress === undefined || address.PrivateIpAddress === target.privateIp),
  );
}

/**
 * Tags as a record (EC2 hands them back as a list of Key/Value pairs).
 *
 * @example
 * tagsOf({ Tags: [{ Key: 'eks-pilot/pool', Value: 'egress' }] }); // { 'eks-pilot/pool': 'egress' }
 */
export function tagsOf(resource: { Tags?: { Key?: string | undefined; Value?: string | undefined }[] | undefined }): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of resource.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

function matchesTags(tags: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([key, value]) => tags[key] === value);
}

/**
 * `198.51.100.7` before `198.51.100.10`: addresses sort as numbers, the way people read an allow-list.
 *
 * @example
 * ['198.51.100.10', '198.51.100.7'].sort(compareIps); // ['198.51.100.7', '198.51.100.10']
 */
export function compareIps(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < 4; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.localeCompare(b);
}
