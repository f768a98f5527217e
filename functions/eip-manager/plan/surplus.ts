/**
 * Addresses beyond a pool's count: those nobody can know (allocated by the pool itself, claimed by
 * a run, unattached, never published) are released at once; the rest are kept and reported, with
 * what a person can do.
 */
import type { Address } from '@aws-sdk/client-ec2';
import { POOL_TAG } from '../../../shared/model/cluster-spec/runtime';
import type { EipAction } from '../actions';
import type { Membership } from '../members';
import { tagsOf } from '../members';
import { parameterOf } from './describe';
import { note } from './notes';
import type { HeldAddress, PoolContext, SurplusAddress, SurplusDecision } from './types';

/**
 * Which addresses are beyond `count`: the pool keeps adopted addresses first, then published ones,
 * then attached ones, then the rest (by allocation id); whatever is left over is surplus. Surplus
 * the pool allocated itself (its tags and a run's claim tag), unattached and never published (a
 * retried AllocateAddress whose first answer was lost, say) is released now whatever the release
 * policy: nobody can know it. The rest stays, and the pool reports Drifted until a person decides.
 *
 * @example
 * decideSurplus(context, held).releaseNow.map((address) => address.allocationId); // ['eipalloc-0b2...'] for a retried allocation's twin
 */
export function decideSurplus(context: PoolContext, held: readonly HeldAddress[]): SurplusDecision {
  const { pool, membership, published } = context;
  if (held.length <= pool.count) return { releaseNow: [], kept: [] };
  const rank = (address: HeldAddress): number =>
    address.adopted ? 0 : published === null || published.has(address.allocationId) ? 1 : address.state !== 'free' ? 2 : 3;
  const beyond = [...held].sort((a, b) => rank(a) - rank(b) || a.allocationId.localeCompare(b.allocationId)).slice(pool.count);
  // The claim tag proves a run of eip-manager allocated it (older addresses may be known some other way).
  const claimed = new Set(context.members.flatMap((member) => (tagsOf(member)[POOL_TAG.claim] === undefined ? [] : [member.AllocationId ?? ''])));
  const releaseNow = beyond.filter(
    (address) =>
      address.state === 'free' &&
      !address.adopted &&
      membership.get(address.allocationId)?.allocatedByPool === true &&
      claimed.has(address.allocationId) &&
      published !== null &&
      !published.has(address.allocationId),
  );
  const released = new Set(releaseNow.map((address) => address.allocationId));
  return { releaseNow, kept: beyond.filter((address) => !released.has(address.allocationId)) };
}

/**
 * The releases and notes of a surplus decision; addresses the release policy releases anyway are not noted.
 *
 * @example
 * surplusPlan(context, decision, lifecycle).map((action) => action.kind); // ['ReleaseAddress', 'Note']
 */
export function surplusPlan(context: PoolContext, decision: SurplusDecision, lifecycle: readonly EipAction[]): EipAction[] {
  const { pool, members } = context;
  const holds = `pool ${pool.name} holds ${members.length} of ${pool.count}`;
  const releases = decision.releaseNow.map((address): EipAction => ({
    kind: 'ReleaseAddress',
    classification: 'delete',
    pool: pool.name,
    target: { kind: 'elastic-ip', name: address.allocationId },
    reason: `surplus: ${holds}; the pool allocated it itself${claimOf(context, address.allocationId)}, it is unattached and was never published`,
    changes: [{ field: 'address', from: address.publicIp }],
    address: { allocationId: address.allocationId, publicIp: address.publicIp },
    rule: 'surplus',
    request: { AllocationId: address.allocationId },
  }));
  const notes = keptSurplus(context, decision, lifecycle).map((address) =>
    note(pool.name, { kind: 'elastic-ip', name: address.allocationId }, `${address.publicIp} is beyond the pool's count (${holds}) and ${address.why}`),
  );
  return [...releases, ...notes];
}

/**
 * The surplus addresses that stay once every release of the plan has gone, with why and what a person can do.
 *
 * @example
 * keptSurplus(context, decision, []).map((address) => address.why); // ['is adopted: eip-manager never releases it on its own. ...']
 */
export function keptSurplus(context: PoolContext, decision: SurplusDecision, lifecycle: readonly EipAction[]): SurplusAddress[] {
  const { pool, members, membership, published } = context;
  const releasedLater = new Set(lifecycle.flatMap((action) => (action.kind === 'ReleaseAddress' ? [action.address.allocationId] : [])));
  const remaining = Math.max(0, members.length - decision.releaseNow.length - releasedLater.size - pool.count);
  const parameter = parameterOf(context);
  return decision.kept
    .filter((address) => !releasedLater.has(address.allocationId))
    .slice(0, remaining)
    .map((address) => {
      const what = address.adopted
        ? 'is adopted'
        : published === null
          ? 'may be published (its allow-list was not read)'
          : published.has(address.allocationId)
            ? `is published in ${parameter}`
            : address.state === 'free'
              ? 'was not allocated by the pool'
              : `is attached to ${address.attachedTo ?? 'a target'}`;
      const detach = address.state === 'free' ? '' : ' and disassociate it';
      const allocatedByPool = membership.get(address.allocationId)?.allocatedByPool === true;
      const why =
        `${what}: eip-manager never releases it on its own. Raise count to ${members.length - decision.releaseNow.length} to keep it, ` +
        `or take it off partners' allow-lists${detach}, then release it by hand (aws ec2 release-address --allocation-id ${address.allocationId})` +
        (allocatedByPool ? '' : ' or stop adopting it');
      return { allocationId: address.allocationId, publicIp: address.publicIp, state: address.state, why };
    });
}

function claimOf(context: PoolContext, allocationId: string): string {
  const address = context.members.find((member) => member.AllocationId === allocationId);
  const claim = address === undefined ? undefined : tagsOf(address)[POOL_TAG.claim];
  return claim === undefined ? '' : ` (claim ${claim})`;
}

/**
 * Whether a surplus release planned by {@link planPools} still holds on a fresh read: the address
 * is still the pool's own (its tags, not adopted) and unattached. Publication is the plan's
 * business: the run publishes only after its writes, and holds the pool's lease meanwhile.
 *
 * @example
 * maySurplusRelease('egress', membership.get(address.AllocationId ?? ''), address); // false once it is attached
 */
export function maySurplusRelease(pool: string, member: Membership | undefined, address: Address): boolean {
  return member?.pool === pool && member.allocatedByPool && !member.adopted && address.AssociationId === undefined;
}
