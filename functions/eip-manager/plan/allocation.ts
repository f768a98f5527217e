/** Allocation: what a pool lacks, each request carrying the cluster, pool and the run's claim tags. */
import { POOL_TAG } from '../../../shared/model/cluster-spec/runtime';
import type { EipAction } from '../actions';
import type { PoolContext } from './types';

/**
 * One AllocateAddress per slot, tagged with the cluster and pool (and, when it will stay unattached under afterUnused, since when).
 *
 * @example
 * allocations(context, ['egress#1'], new Set()).map((action) => action.slot); // ['egress#1']
 */
export function allocations(context: PoolContext, slots: readonly string[], staysFree: ReadonlySet<string>): EipAction[] {
  const { spec, pool, members, options } = context;
  return slots.map((slot) => {
    const tags: Record<string, string> = {
      ...pool.tags,
      [POOL_TAG.cluster]: spec.name,
      [POOL_TAG.pool]: pool.name,
      ...(pool.release.policy === 'afterUnused' && staysFree.has(slot) ? { [POOL_TAG.unusedSince]: options.now.toISOString() } : {}),
      // In the request itself: AllocateAddress has no client token, so a retried call can allocate twice; the claim finds both.
      ...(options.claim === undefined ? {} : { [POOL_TAG.claim]: options.claim }),
    };
    return {
      kind: 'AllocateAddress',
      classification: 'create',
      pool: pool.name,
      slot,
      target: { kind: 'eip-pool', name: pool.name },
      reason: `pool ${pool.name} holds ${members.length} of ${pool.count} addresses`,
      changes: [{ field: 'address', to: `new (${slot})` }],
      request: {
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
      },
    };
  });
}
