/**
 * Release policy `afterUnused`: an address the pool allocated itself, beyond `count` and
 * unattached for `unusedFor`, is released; the unused-since marks that rule reads are kept.
 */
import type { Address } from '@aws-sdk/client-ec2';
import type { ElasticIpPoolSpec } from '../../../shared/model/cluster-spec/eip-pools';
import { durationMs, POOL_TAG } from '../../../shared/model/cluster-spec/runtime';
import type { EipAction } from '../actions';
import type { Membership } from '../members';
import { tagsOf } from '../members';
import { existingOf } from './address';
import type { PoolContext } from './types';

/**
 * Release and unused-since marks, for `afterUnused` pools only: an address the pool allocated
 * itself (never an adopted one), beyond `count`, unattached for `unusedFor`, is released, longest
 * unused first; unattached addresses without a mark get one, attached ones lose theirs.
 *
 * @example
 * planLifecycle(context, free, attached, 0).map((action) => action.kind); // ['ReleaseAddress', 'CreateTags', 'DeleteTags']
 */
export function planLifecycle(context: PoolContext, freeAfter: readonly Address[], attachedAfter: readonly Address[], releasedNow: number): EipAction[] {
  const { pool, members, membership, options } = context;
  if (pool.release.policy === 'never' || pool.release.unusedFor === undefined) return [];
  const actions: EipAction[] = [];
  const surplus = members.length - releasedNow - pool.count;
  const releasable = freeAfter
    .flatMap((address) => {
      const since = unusedSince(address);
      return since !== undefined && mayRelease(pool, membership.get(address.AllocationId ?? ''), address, options.now) ? [{ address, since }] : [];
    })
    .sort((a, b) => a.since.getTime() - b.since.getTime() || (a.address.AllocationId ?? '').localeCompare(b.address.AllocationId ?? ''))
    .slice(0, Math.max(0, surplus));
  const released = new Set(releasable.map(({ address }) => address.AllocationId));
  for (const { address, since } of releasable) {
    const existing = existingOf(address);
    actions.push({
      kind: 'ReleaseAddress',
      classification: 'delete',
      pool: pool.name,
      target: { kind: 'elastic-ip', name: existing.allocationId },
      reason: `unattached since ${since.toISOString()}, beyond the pool's count (${members.length} of ${pool.count}); release policy afterUnused ${pool.release.unusedFor}`,
      changes: [{ field: 'address', from: existing.publicIp }],
      address: existing,
      rule: 'afterUnused',
      request: { AllocationId: existing.allocationId },
    });
  }
  for (const address of freeAfter) {
    if (released.has(address.AllocationId) || unusedSince(address) !== undefined) continue;
    const existing = existingOf(address);
    const now = options.now.toISOString();
    actions.push({
      kind: 'CreateTags',
      classification: 'update',
      pool: pool.name,
      target: { kind: 'elastic-ip', name: existing.allocationId },
      reason: 'unattached: records since when, for release policy afterUnused',
      changes: [{ field: `tags.${POOL_TAG.unusedSince}`, to: now }],
      address: existing,
      request: { Resources: [existing.allocationId], Tags: [{ Key: POOL_TAG.unusedSince, Value: now }] },
    });
  }
  for (const address of attachedAfter) {
    const mark = tagsOf(address)[POOL_TAG.unusedSince];
    if (mark === undefined) continue;
    const existing = existingOf(address);
    actions.push({
      kind: 'DeleteTags',
      classification: 'update',
      pool: pool.name,
      target: { kind: 'elastic-ip', name: existing.allocationId },
      reason: 'attached again: clears the unused-since mark',
      changes: [{ field: `tags.${POOL_TAG.unusedSince}`, from: mark }],
      address: existing,
      request: { Resources: [existing.allocationId], Tags: [{ Key: POOL_TAG.unusedSince }] },
    });
  }
  return actions;
}

/**
 * Whether the spec allows releasing this address now, whatever else is going on: the pool's policy
 * is afterUnused, the pool allocated the address itself (it is not adopted), the address is
 * unattached, and it has been so for unusedFor. Whether the pool holds more than `count` is the
 * plan's business; this is the rule the executor checks again just before a release.
 *
 * @example
 * mayRelease(pool, membership.get(address.AllocationId ?? ''), address, now); // false for any address of a `never` pool
 */
export function mayRelease(pool: ElasticIpPoolSpec, member: Membership | undefined, address: Address, now: Date): boolean {
  if (pool.release.policy !== 'afterUnused' || pool.release.unusedFor === undefined) return false;
  if (member?.pool !== pool.name || !member.allocatedByPool || member.adopted) return false;
  if (address.AssociationId !== undefined) return false;
  const since = unusedSince(address);
  return since !== undefined && now.getTime() - since.getTime() >= durationMs(pool.release.unusedFor);
}

/** The unused-since mark; undefined when absent or not a date (a hand-edited tag is re-marked, never trusted). */
function unusedSince(address: Address): Date | undefined {
  const mark = tagsOf(address)[POOL_TAG.unusedSince];
  if (mark === undefined) return undefined;
  const since = new Date(mark);
  return Number.isNaN(since.getTime()) ? undefined : since;
}
