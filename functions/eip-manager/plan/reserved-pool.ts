/**
 * A pool reserved for a load balancer: eip-manager allocates and keeps its addresses, and never
 * associates them (the load balancer does).
 */
import { existingOf } from './address';
import { adoptionMarks } from './adoption';
import { allocations } from './allocation';
import { contestedNotes } from './notes';
import { planLifecycle } from './release';
import { decideSurplus, surplusPlan } from './surplus';
import type { HeldAddress, PoolContext, PoolPlan } from './types';
import { view } from './view';

/**
 * Plans a pool reserved for a load balancer: allocations, surplus and release, no association.
 *
 * @example
 * planReservedPool(context).view.toAllocate; // 2 for a pool of count 2 that holds none
 */
export function planReservedPool(context: PoolContext): PoolPlan {
  const { pool, members, membership } = context;
  const held = members.map((address): HeldAddress => {
    const existing = existingOf(address);
    const adopted = membership.get(existing.allocationId)?.adopted ?? false;
    const where = address.NetworkInterfaceId ?? address.InstanceId;
    return address.AssociationId === undefined
      ? { ...existing, adopted, state: 'free' }
      : { ...existing, adopted, state: 'attached', ...(where === undefined ? {} : { attachedTo: where }) };
  });
  const slots = Array.from({ length: Math.max(0, pool.count - members.length) }, (_, index) => `${pool.name}#${index + 1}`);
  const surplus = decideSurplus(context, held);
  const releasedNow = new Set(surplus.releaseNow.map((address) => address.allocationId));
  const free = members.filter((address) => address.AssociationId === undefined && !releasedNow.has(address.AllocationId ?? ''));
  const inUse = members.filter((address) => address.AssociationId !== undefined);
  const lifecycle = planLifecycle(context, free, inUse, releasedNow.size);
  const surplusActions = surplusPlan(context, surplus, lifecycle);
  return {
    actions: [...adoptionMarks(context), ...surplusActions, ...allocations(context, slots, new Set(slots)), ...lifecycle, ...contestedNotes(context)],
    view: view(context, held, slots.length, [...surplusActions, ...lifecycle], 0, 0, surplus),
  };
}
