/** Adopted addresses: the mark that lets the IAM role associate them (and keeps them from release). */
import { POOL_TAG } from '../../../shared/model/cluster-spec/runtime';
import type { EipAction } from '../actions';
import { tagsOf } from '../members';
import { existingOf } from './address';
import type { PoolContext } from './types';

/**
 * The adoption mark on each adopted address that lacks it, before anything else the plan does with
 * the pool: the IAM role associates only addresses carrying the pool tags or this mark.
 *
 * @example
 * adoptionMarks(context).map((action) => action.request.Tags); // [[{ Key: 'eks-pilot/adopted-by', Value: 'financial-move/egress' }]]
 */
export function adoptionMarks(context: PoolContext): EipAction[] {
  const { spec, pool, members, membership } = context;
  const mark = `${spec.name}/${pool.name}`;
  return members.flatMap((address): EipAction[] => {
    const member = membership.get(address.AllocationId ?? '');
    if (member?.adopted !== true || member.allocatedByPool || tagsOf(address)[POOL_TAG.adoptedBy] === mark) return [];
    const existing = existingOf(address);
    return [
      {
        kind: 'CreateTags',
        classification: 'update',
        pool: pool.name,
        target: { kind: 'elastic-ip', name: existing.allocationId },
        reason: `adopted by pool ${pool.name}: marks it so the role may associate it (and never releases it)`,
        changes: [{ field: `tags.${POOL_TAG.adoptedBy}`, to: mark }],
        address: existing,
        request: { Resources: [existing.allocationId], Tags: [{ Key: POOL_TAG.adoptedBy, Value: mark }] },
      },
    ];
  });
}
