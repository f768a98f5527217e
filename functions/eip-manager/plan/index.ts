/**
 * Pure planning for eip-manager: (desired pools, observed account, now) -> Plan. No SDK client, no
 * clock, no I/O. Requests are built here, so the printed plan is what apply sends (an address the
 * same plan allocates is named by its slot until EC2 has given it an id).
 *
 * Per pool, in this priority: refuse a pool that cannot be reconciled as written; take addresses
 * back from instances that are shutting down (and, for a NAT gateway pool with `moveFrom`, from the
 * nodes it moves off); decide what to do with addresses beyond `count`
 * (release at once those the pool allocated itself that are unattached and never published,
 * report the rest as Drifted, by id, for a person); allocate what the pool lacks, each request
 * carrying the run's claim tag; associate free addresses with targets that hold none (a spot
 * instance about to be interrupted gives its address up only to a node that would otherwise
 * wait); release what the policy allows; keep the unused-since marks that policy reads. Never:
 * reassociate an address in use elsewhere, touch an address outside the pools, release an adopted
 * address, or release under `never` an address anyone may know (attached, or published).
 *
 * This file holds that order over the pools; each kind of pool has its file beside it
 * (instance-pool, nat-pool, reserved-pool), and so has each kind of decision they share
 * (adoption, allocation, surplus, release, notes), with the types in types.ts.
 */
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { membersOf, poolMembership } from '../members';
import type { ObservedPools } from '../observed';
import { planInstancePool } from './instance-pool';
import { planNatPool } from './nat-pool';
import { orphanNotes } from './notes';
import { planReservedPool } from './reserved-pool';
import type { EipPlan, PlanPoolsOptions, PoolContext } from './types';

export { attachLabel } from './describe';
export { mayRelease } from './release';
export { maySurplusRelease } from './surplus';
export type { EipPlan, HeldAddress, HeldState, PlanPoolsOptions, PoolView, SurplusAddress } from './types';

/**
 * Plans the spec's Elastic IP pools.
 *
 * @example
 * const plan = planPools(spec, EMPTY_ACCOUNT, { now: new Date(), source: 'examples/financial-move/cluster.yaml' });
 * plan.actions.map((action) => action.kind); // ['AllocateAddress', 'AllocateAddress', ...]
 * plan.pools.map((pool) => pool.parameter); // ['/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress', ...]
 */
export function planPools(spec: ClusterSpec, observed: ObservedPools, options: PlanPoolsOptions): EipPlan {
  const subject = { cluster: spec.name, region: spec.region, ...(options.source === undefined ? {} : { source: options.source }) };
  // Ownership is decided over every pool of the spec, so a partial plan never claims another pool's address.
  const membership = poolMembership(spec.name, spec.elasticIpPools, observed.addresses);
  const selected = options.pools === undefined ? spec.elasticIpPools : spec.elasticIpPools.filter((pool) => options.pools?.includes(pool.name));
  const planned = selected.map((pool) => {
    const listed = observed.published?.[pool.name];
    const published = listed === undefined || listed === null ? null : new Set(listed);
    const context: PoolContext = { spec, pool, members: membersOf(pool.name, membership, observed.addresses), membership, options, published };
    const target = pool.attachTo;
    if ('natGatewayId' in target) return planNatPool(context, target.natGatewayId, observed.natGateways, observed.instances[pool.name] ?? []);
    if ('reservedFor' in target) return planReservedPool(context);
    return planInstancePool(context, observed);
  });
  const orphans = options.pools === undefined ? orphanNotes(spec, observed.addresses, membership) : [];
  return { subject, actions: [...planned.flatMap((pool) => pool.actions), ...orphans], pools: planned.map((pool) => pool.view) };
}
