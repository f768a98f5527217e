/** Notes: what the plan shows a person and leaves alone (orphaned, contested addresses). */
import type { Address } from '@aws-sdk/client-ec2';
import { POOL_TAG } from '../../../shared/model/cluster-spec/runtime';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { EipAction } from '../actions';
import type { Membership } from '../members';
import { tagsOf } from '../members';
import { existingOf } from './address';
import type { PoolContext } from './types';

/**
 * Addresses tagged for a pool of this cluster that the spec no longer lists: shown, never touched.
 *
 * @example
 * orphanNotes(spec, observed.addresses, membership).map((action) => action.reason);
 * // ['203.0.113.7 is tagged for pool old-egress, which the spec does not list: left alone (...)']
 */
export function orphanNotes(spec: ClusterSpec, addresses: readonly Address[], membership: ReadonlyMap<string, Membership>): EipAction[] {
  return addresses.flatMap((address) => {
    const tags = tagsOf(address);
    const poolName = tags[POOL_TAG.pool];
    if (tags[POOL_TAG.cluster] !== spec.name || poolName === undefined || membership.has(address.AllocationId ?? '')) return [];
    const existing = existingOf(address);
    return [
      note(
        poolName,
        { kind: 'elastic-ip', name: existing.allocationId },
        `${existing.publicIp} is tagged for pool ${poolName}, which the spec does not list: left alone (eip-manager never releases an address outside its pools)`,
      ),
    ];
  });
}

/**
 * A note for each address of the pool that another pool's selector matches too.
 *
 * @example
 * contestedNotes(context).map((action) => action.reason); // ['203.0.113.7 also matches pool batch; it belongs to pool egress']
 */
export function contestedNotes(context: PoolContext): EipAction[] {
  const { pool, members, membership } = context;
  return members.flatMap((address) => {
    const others = membership.get(address.AllocationId ?? '')?.alsoClaimedBy ?? [];
    if (others.length === 0) return [];
    const existing = existingOf(address);
    return [
      note(
        pool.name,
        { kind: 'elastic-ip', name: existing.allocationId },
        `${existing.publicIp} also matches pool ${others.join(', ')}; it belongs to pool ${pool.name}`,
      ),
    ];
  });
}

/**
 * A Note: an action that sends nothing, shown in the plan with its reason.
 *
 * @example
 * note('egress', { kind: 'instance', name: 'i-0a1b' }, 'holds 203.0.113.7 while stopped: kept there').classification; // 'no-op'
 */
export function note(pool: string, target: { kind: string; name: string }, reason: string): EipAction {
  return { kind: 'Note', classification: 'no-op', pool, target, reason, changes: [] };
}
