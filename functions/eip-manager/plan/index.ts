/**
 * Pure planning for eip-manager: (desired pools, observed account, now) -> Plan. No SDK client, no
 * clock, no I/O. Requests are built here, so the printed plan is what apply sends (an address the
 * same plan allocates is named by its slot until EC2 has given it an id).
 *
 * Per pool, in this priority: refuse a pool that cannot be reconciled as written; take addresses
 * back from instances that are shutting down; decide what to do with addresses beyond `count`
 * (release at once those the pool allocated itself that are unattached and never published,
 * report the rest as Drifted, by id, for a person); allocate what the pool lacks, each request
 * carrying the run's claim tag; associate free addresses with targets that hold none (a spot
 * instance about to be interrupted gives its address up only to a node that would otherwise
 * wait); release what the policy allows; keep the unused-since marks that policy reads. Never:
 * reassociate an address in use elsewhere, touch an address outside the pools, release an adopted
 * address, or release under `never` an address anyone may know (attached, or published).
 */
import type { Address, Instance, NatGateway } from '@aws-sdk/client-ec2';
import type { Plan } from '../../../shared/plan/plan';
import type { ElasticIpPoolSpec } from '../../../shared/spec/eip-pools';
import { durationMs, POOL_TAG } from '../../../shared/spec/eip-pools';
import type { ClusterSpec } from '../../../shared/spec/schema';
import type { AddressRef, EipAction, ExistingAddress } from '../actions';
import { describeRef } from '../actions';
import type { Membership, TargetInterface } from '../members';
import { addressOn, membersOf, poolMembership, primaryInterface, tagsOf } from '../members';
import type { ObservedPools } from '../observed';
import { DEFAULT_STAGE, poolParameterName } from '../publish';

export interface PlanPoolsOptions {
  /** The instant the plan is made for: decides whether an unused address may be released. */
  now: Date;
  /** Instances EC2 is about to take away (spot interruption warnings): they get no address, and theirs may go to a node that waits. */
  leaving?: readonly string[];
  /** Plan only these pools (by name); default every pool of the spec. */
  pools?: readonly string[];
  /** The spec file, for the plan's heading. */
  source?: string;
  /** The stage the allow-list parameters are named for (EKS_PILOT_STAGE); default `dev`. */
  stage?: string;
  /** The run's claim: the `eks-pilot/claim` tag every AllocateAddress carries, so the run can find what EC2 really allocated. */
  claim?: string;
}

/** Where a pool's address is, as the plan found it. */
export type HeldState =
  /** On a target of the pool (a running node, the pool's NAT gateway) or, for a reserved pool, in use by the load balancer. */
  | 'attached'
  | 'free'
  /** On an instance of the pool that is shutting down: it comes back to the pool. */
  | 'returning'
  /** On a running instance that has an interruption warning. */
  | 'leaving'
  /** On an instance of the pool that is pending, stopping or stopped: kept where it is. */
  | 'parked'
  /** Associated with something that is not a target of the pool: never touched. */
  | 'elsewhere';

export interface HeldAddress extends ExistingAddress {
  state: HeldState;
  adopted: boolean;
  /** The instance, NAT gateway or network interface it is associated with. */
  attachedTo?: string;
}

/** One pool as the plan sees it: what it holds now and what the plan changes. */
export interface PoolView {
  name: string;
  count: number;
  /** What the addresses attach to, as a person reads it: `node group prod-ng`. */
  attachTo: string;
  /** The SSM parameter the pool's addresses are published to. */
  parameter: string;
  held: HeldAddress[];
  /** Addresses the plan allocates. */
  toAllocate: number;
  /** Allocation ids the plan releases. */
  toRelease: string[];
  /** Targets the pool serves: running instances, or the NAT gateway. */
  targets: number;
  /** Targets still without an address of the pool once the plan has run (the pool is smaller than its targets). */
  unserved: number;
  /** Addresses beyond `count` once the plan's releases have gone: a pool with surplus is never Converged. */
  surplus: number;
  /** The surplus addresses the plan does not release (attached, published, adopted, or maybe published): a person decides. */
  surplusKept: SurplusAddress[];
}

/** An address beyond the pool's count that eip-manager keeps, and why it cannot release it on its own. */
export interface SurplusAddress extends ExistingAddress {
  state: HeldState;
  why: string;
}

/** A plan of Elastic IP actions, with a view of each pool it covers. */
export interface EipPlan extends Plan<EipAction> {
  pools: PoolView[];
}

interface PoolPlan {
  actions: EipAction[];
  view: PoolView;
}

interface PoolContext {
  spec: ClusterSpec;
  pool: ElasticIpPoolSpec;
  members: Address[];
  membership: ReadonlyMap<string, Membership>;
  options: PlanPoolsOptions;
  /** Allocation ids the pool's allow-list publishes; null when not read (then nothing counts as never published). */
  published: ReadonlySet<string> | null;
}

/** What the plan does with the addresses beyond a pool's count. */
interface SurplusDecision {
  /** Released by this plan: allocated by the pool itself, unattached, never published. */
  releaseNow: HeldAddress[];
  /** Kept for a person to decide. */
  kept: HeldAddress[];
}

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
    if ('natGatewayId' in target) return planNatPool(context, target.natGatewayId, observed.natGateways);
    if ('reservedFor' in target) return planReservedPool(context);
    return planInstancePool(context, observed);
  });
  const orphans = options.pools === undefined ? orphanNotes(spec, observed.addresses, membership) : [];
  return { subject, actions: [...planned.flatMap((pool) => pool.actions), ...orphans], pools: planned.map((pool) => pool.view) };
}

// ---- pools that attach to instances ------------------------------------------------------------

function planInstancePool(context: PoolContext, observed: ObservedPools): PoolPlan {
  const { pool, members, membership, options } = context;
  const instances = observed.instances[pool.name] ?? [];
  const leaving = new Set(options.leaving ?? []);
  const byInstance = new Map(instances.flatMap((instance) => (instance.InstanceId === undefined ? [] : [[instance.InstanceId, instance] as const])));
  const byInterface = new Map(instances.flatMap((instance) => {
    const primary = primaryInterface(instance);
    return primary === undefined ? [] : [[primary.networkInterfaceId, instance] as const];
  }));

  const held: HeldAddress[] = [];
  const notes: EipAction[] = [...contestedNotes(context)];
  const returning: EipAction[] = [];
  const available: AddressRef[] = [];
  const freeNow: Address[] = [];
  const attachedNow: Address[] = [];
  const onLeaving: { address: Address; instanceId: string }[] = [];
  for (const address of members) {
    const existing = existingOf(address);
    const adopted = membership.get(existing.allocationId)?.adopted ?? false;
    if (address.AssociationId === undefined) {
      held.push({ ...existing, adopted, state: 'free' });
      available.push(existing);
      freeNow.push(address);
      continue;
    }
    const instance = (address.InstanceId === undefined ? undefined : byInstance.get(address.InstanceId)) ?? byInterface.get(address.NetworkInterfaceId ?? '');
    const primary = instance === undefined ? undefined : primaryInterface(instance);
    const onPrimary = primary !== undefined && primary.networkInterfaceId === address.NetworkInterfaceId && (address.PrivateIpAddress === undefined || address.PrivateIpAddress === primary.privateIp);
    if (instance === undefined || primary === undefined || !onPrimary) {
      // EC2 (and moto) may answer an empty string rather than leave a field out.
      const where = [address.InstanceId, address.NetworkInterfaceId].find((id) => id !== undefined && id !== '') ?? 'another resource';
      held.push({ ...existing, adopted, state: 'elsewhere', attachedTo: where });
      notes.push(note(pool.name, { kind: 'elastic-ip', name: existing.allocationId }, `${existing.publicIp} is associated with ${where}, not a target of pool ${pool.name}: left alone`));
      continue;
    }
    const state = instance.State?.Name ?? 'pending';
    if (state === 'running' && !leaving.has(primary.instanceId)) {
      held.push({ ...existing, adopted, state: 'attached', attachedTo: primary.instanceId });
      attachedNow.push(address);
    } else if (state === 'running') {
      held.push({ ...existing, adopted, state: 'leaving', attachedTo: primary.instanceId });
      onLeaving.push({ address, instanceId: primary.instanceId });
    } else if (state === 'shutting-down') {
      held.push({ ...existing, adopted, state: 'returning', attachedTo: primary.instanceId });
      returning.push(disassociate(pool.name, address, primary.instanceId, `instance ${primary.instanceId} is shutting down: its address returns to pool ${pool.name}`));
      available.push(existing);
      freeNow.push(address);
    } else {
      held.push({ ...existing, adopted, state: 'parked', attachedTo: primary.instanceId });
      notes.push(note(pool.name, { kind: 'instance', name: primary.instanceId }, `holds ${existing.publicIp} while ${state}: kept there`));
    }
  }

  const surplus = decideSurplus(context, held);
  const releasedNow = new Set(surplus.releaseNow.map((address) => address.allocationId));
  const keep = (candidate: { allocationId: string } | Address): boolean =>
    !releasedNow.has('allocationId' in candidate ? candidate.allocationId : (candidate.AllocationId ?? ''));
  available.splice(0, available.length, ...available.filter((ref) => 'slot' in ref || keep(ref)));
  freeNow.splice(0, freeNow.length, ...freeNow.filter(keep));

  const waiting: TargetInterface[] = [];
  let targets = 0;
  for (const instance of [...instances].sort(byLaunch)) {
    if (instance.State?.Name !== 'running' || leaving.has(instance.InstanceId ?? '')) continue;
    const primary = primaryInterface(instance);
    if (primary === undefined) {
      notes.push(note(pool.name, { kind: 'instance', name: instance.InstanceId ?? '?' }, 'EC2 reports no primary network interface yet: it gets an address on a later run'));
      continue;
    }
    targets += 1;
    const current = addressOn(observed.addresses, primary);
    if (current === undefined) waiting.push(primary);
    else if (membership.get(current.AllocationId ?? '')?.pool !== pool.name) {
      notes.push(note(pool.name, { kind: 'instance', name: primary.instanceId }, `holds ${current.PublicIp ?? '?'}, an address outside pool ${pool.name}: left alone`));
    }
  }

  const missing = Math.max(0, pool.count - members.length);
  const slots = Array.from({ length: missing }, (_, index) => `${pool.name}#${index + 1}`);
  available.push(...slots.map((slot) => ({ slot })));

  // A node about to be interrupted gives its address up only to a node that would otherwise wait.
  const reclaimed: EipAction[] = [];
  for (const { address, instanceId } of onLeaving) {
    const waiter = waiting[available.length];
    if (waiter === undefined) {
      attachedNow.push(address);
      continue;
    }
    reclaimed.push(disassociate(pool.name, address, instanceId, `instance ${instanceId} has an interruption warning and ${waiter.instanceId} waits for an address`));
    available.push(existingOf(address));
    freeNow.push(address);
  }

  const associations: EipAction[] = [];
  const used = new Set<string>();
  waiting.forEach((target, index) => {
    const ref = available[index];
    if (ref === undefined) return;
    used.add(refKey(ref));
    associations.push(associateWithInstance(pool.name, ref, target, `running instance ${target.instanceId} (${attachLabel(pool)}) has no address of pool ${pool.name}`));
  });
  const unserved = Math.max(0, waiting.length - available.length);
  if (unserved > 0) {
    notes.push(note(pool.name, { kind: 'eip-pool', name: pool.name }, `${unserved} running instance(s) of ${attachLabel(pool)} hold no address: the pool holds ${pool.count}`));
  }

  const freeAfter = freeNow.filter((address) => !used.has(address.AllocationId ?? ''));
  const attachedAfter = [...attachedNow, ...freeNow.filter((address) => used.has(address.AllocationId ?? ''))];
  const freeSlots = new Set(slots.filter((slot) => !used.has(slot)));
  const lifecycle = planLifecycle(context, freeAfter, attachedAfter, releasedNow.size);
  const surplusActions = surplusPlan(context, surplus, lifecycle);
  return {
    actions: [...adoptionMarks(context), ...returning, ...reclaimed, ...surplusActions, ...allocations(context, slots, freeSlots), ...associations, ...lifecycle, ...notes],
    view: view(context, held, slots.length, [...surplusActions, ...lifecycle], targets, unserved, surplus),
  };
}

// ---- a NAT gateway's secondary addresses -------------------------------------------------------

function planNatPool(context: PoolContext, natGatewayId: string, natGateways: ObservedPools['natGateways']): PoolPlan {
  const { spec, pool, members, membership } = context;
  const nat: NatGateway | undefined = natGateways === null ? undefined : natGateways[natGatewayId];
  const onNat = new Set(
    (nat?.NatGatewayAddresses ?? []).filter((address) => address.Status !== 'disassociating' && address.Status !== 'failed').map((address) => address.AllocationId),
  );
  const held: HeldAddress[] = [];
  const notes: EipAction[] = [...contestedNotes(context)];
  const free: Address[] = [];
  const attachedNow: Address[] = [];
  for (const address of members) {
    const existing = existingOf(address);
    const adopted = membership.get(existing.allocationId)?.adopted ?? false;
    if (onNat.has(existing.allocationId)) {
      held.push({ ...existing, adopted, state: 'attached', attachedTo: natGatewayId });
      attachedNow.push(address);
    } else if (address.AssociationId !== undefined) {
      // EC2 (and moto) may answer an empty string rather than leave a field out.
      const where = [address.InstanceId, address.NetworkInterfaceId].find((id) => id !== undefined && id !== '') ?? 'another resource';
      held.push({ ...existing, adopted, state: 'elsewhere', attachedTo: where });
      notes.push(note(pool.name, { kind: 'elastic-ip', name: existing.allocationId }, `${existing.publicIp} is associated with ${where}, not NAT gateway ${natGatewayId}: left alone`));
    } else {
      held.push({ ...existing, adopted, state: 'free' });
      free.push(address);
    }
  }

  const surplus = decideSurplus(context, held);
  const releasedNow = new Set(surplus.releaseNow.map((address) => address.allocationId));
  free.splice(0, free.length, ...free.filter((address) => !releasedNow.has(address.AllocationId ?? '')));

  const state = natGateways === null ? 'available' : (nat?.State ?? 'missing');
  const target = { kind: 'nat-gateway', name: natGatewayId };
  switch (state) {
    case 'missing':
    case 'deleting':
    case 'deleted':
    case 'failed': {
      const reason =
        state === 'missing'
          ? `NAT gateway ${natGatewayId} does not exist in ${spec.region}: point pool ${pool.name} at an existing NAT gateway`
          : `NAT gateway ${natGatewayId} is ${state}: point pool ${pool.name} at an available NAT gateway`;
      return {
        actions: [{ kind: 'Refuse', classification: 'forbidden', pool: pool.name, target, reason, changes: [] }, ...notes],
        view: view(context, held, 0, [], 1, 1, { releaseNow: [], kept: [] }),
      };
    }
    case 'pending':
    case 'available':
      break;
    default:
      throw new Error(`unknown NAT gateway state ${String(state satisfies never)}`);
  }

  const slots = Array.from({ length: Math.max(0, pool.count - members.length) }, (_, index) => `${pool.name}#${index + 1}`);
  const refs: AddressRef[] = [...free.map(existingOf), ...slots.map((slot) => ({ slot }))];
  if (state === 'pending') {
    notes.push(note(pool.name, target, `NAT gateway ${natGatewayId} is pending: its addresses are associated once it is available`));
    const lifecycle = planLifecycle(context, free, attachedNow, releasedNow.size);
    const surplusActions = surplusPlan(context, surplus, lifecycle);
    return {
      actions: [...adoptionMarks(context), ...surplusActions, ...allocations(context, slots, new Set(slots)), ...lifecycle, ...notes],
      view: view(context, held, slots.length, [...surplusActions, ...lifecycle], 1, attachedNow.length > 0 ? 0 : 1, surplus),
    };
  }
  const unread = natGateways === null ? ' (not read: offline plan)' : '';
  const associations = refs.map(
    (ref): EipAction => ({
      kind: 'AssociateNatGatewayAddress',
      classification: 'update',
      pool: pool.name,
      target,
      reason: `NAT gateway ${natGatewayId}${unread} does not hold this address of pool ${pool.name} yet`,
      changes: [{ field: 'address', to: describeRef(ref) }],
      address: ref,
      natGatewayId,
      request: { NatGatewayId: natGatewayId, AllocationIds: 'slot' in ref ? [] : [ref.allocationId] },
    }),
  );
  const lifecycle = planLifecycle(context, [], [...attachedNow, ...free], releasedNow.size);
  const surplusActions = surplusPlan(context, surplus, lifecycle);
  return {
    actions: [...adoptionMarks(context), ...surplusActions, ...allocations(context, slots, new Set()), ...associations, ...lifecycle, ...notes],
    view: view(context, held, slots.length, [...surplusActions, ...lifecycle], 1, attachedNow.length + refs.length > 0 ? 0 : 1, surplus),
  };
}

// ---- addresses held for a load balancer --------------------------------------------------------

function planReservedPool(context: PoolContext): PoolPlan {
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

// ---- allocation, release and the marks ----------------------------------------------------------

/**
 * The adoption mark on each adopted address that lacks it, before anything else the plan does with
 * the pool: the IAM role associates only addresses carrying the pool tags or this mark.
 */
function adoptionMarks(context: PoolContext): EipAction[] {
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

/** One AllocateAddress per slot, tagged with the cluster and pool (and, when it will stay unattached under afterUnused, since when). */
function allocations(context: PoolContext, slots: readonly string[], staysFree: ReadonlySet<string>): EipAction[] {
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

/**
 * Release and unused-since marks, for `afterUnused` pools only: an address the pool allocated
 * itself (never an adopted one), beyond `count`, unattached for `unusedFor`, is released, longest
 * unused first; unattached addresses without a mark get one, attached ones lose theirs.
 */
function planLifecycle(context: PoolContext, freeAfter: readonly Address[], attachedAfter: readonly Address[], releasedNow: number): EipAction[] {
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
 * Which addresses are beyond `count`: the pool keeps adopted addresses first, then published ones,
 * then attached ones, then the rest (by allocation id); whatever is left over is surplus. Surplus
 * the pool allocated itself (its tags and a run's claim tag), unattached and never published (a
 * retried AllocateAddress whose first answer was lost, say) is released now whatever the release
 * policy: nobody can know it. The rest stays, and the pool reports Drifted until a person decides.
 */
function decideSurplus(context: PoolContext, held: readonly HeldAddress[]): SurplusDecision {
  const { pool, membership, published } = context;
  if (held.length <= pool.count) return { releaseNow: [], kept: [] };
  const rank = (address: HeldAddress): number => (address.adopted ? 0 : published === null || published.has(address.allocationId) ? 1 : address.state !== 'free' ? 2 : 3);
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

/** The releases and notes of a surplus decision; addresses the release policy releases anyway are not noted. */
function surplusPlan(context: PoolContext, decision: SurplusDecision, lifecycle: readonly EipAction[]): EipAction[] {
  const { pool, members } = context;
  const holds = `pool ${pool.name} holds ${members.length} of ${pool.count}`;
  const releases = decision.releaseNow.map(
    (address): EipAction => ({
      kind: 'ReleaseAddress',
      classification: 'delete',
      pool: pool.name,
      target: { kind: 'elastic-ip', name: address.allocationId },
      reason: `surplus: ${holds}; the pool allocated it itself${claimOf(context, address.allocationId)}, it is unattached and was never published`,
      changes: [{ field: 'address', from: address.publicIp }],
      address: { allocationId: address.allocationId, publicIp: address.publicIp },
      rule: 'surplus',
      request: { AllocationId: address.allocationId },
    }),
  );
  const notes = keptSurplus(context, decision, lifecycle).map((address) =>
    note(pool.name, { kind: 'elastic-ip', name: address.allocationId }, `${address.publicIp} is beyond the pool's count (${holds}) and ${address.why}`),
  );
  return [...releases, ...notes];
}

/** The surplus addresses that stay once every release of the plan has gone, with why and what a person can do. */
function keptSurplus(context: PoolContext, decision: SurplusDecision, lifecycle: readonly EipAction[]): SurplusAddress[] {
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

// ---- notes --------------------------------------------------------------------------------------

/** Addresses tagged for a pool of this cluster that the spec no longer lists: shown, never touched. */
function orphanNotes(spec: ClusterSpec, addresses: readonly Address[], membership: ReadonlyMap<string, Membership>): EipAction[] {
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

function contestedNotes(context: PoolContext): EipAction[] {
  const { pool, members, membership } = context;
  return members.flatMap((address) => {
    const others = membership.get(address.AllocationId ?? '')?.alsoClaimedBy ?? [];
    if (others.length === 0) return [];
    const existing = existingOf(address);
    return [note(pool.name, { kind: 'elastic-ip', name: existing.allocationId }, `${existing.publicIp} also matches pool ${others.join(', ')}; it belongs to pool ${pool.name}`)];
  });
}

// ---- helpers ------------------------------------------------------------------------------------

function associateWithInstance(pool: string, ref: AddressRef, target: TargetInterface, reason: string): EipAction {
  return {
    kind: 'AssociateAddress',
    classification: 'update',
    pool,
    target: { kind: 'instance', name: target.instanceId },
    reason,
    changes: [
      { field: 'address', to: describeRef(ref) },
      { field: 'networkInterface', to: `${target.networkInterfaceId} (${target.privateIp})` },
    ],
    address: ref,
    instanceId: target.instanceId,
    // Never take an address from wherever it is now: EC2 refuses with Resource.AlreadyAssociated instead.
    request: {
      ...('slot' in ref ? {} : { AllocationId: ref.allocationId }),
      NetworkInterfaceId: target.networkInterfaceId,
      PrivateIpAddress: target.privateIp,
      AllowReassociation: false,
    },
  };
}

function disassociate(pool: string, address: Address, instanceId: string, reason: string): EipAction {
  const existing = existingOf(address);
  return {
    kind: 'DisassociateAddress',
    classification: 'update',
    pool,
    target: { kind: 'instance', name: instanceId },
    reason,
    changes: [{ field: 'address', from: describeRef(existing) }],
    address: existing,
    instanceId,
    request: { AssociationId: address.AssociationId },
  };
}

function note(pool: string, target: { kind: string; name: string }, reason: string): EipAction {
  return { kind: 'Note', classification: 'no-op', pool, target, reason, changes: [] };
}

function view(
  context: PoolContext,
  held: HeldAddress[],
  toAllocate: number,
  lifecycle: readonly EipAction[],
  targets: number,
  unserved: number,
  surplus: SurplusDecision,
): PoolView {
  const { pool } = context;
  const toRelease = lifecycle.flatMap((action) => (action.kind === 'ReleaseAddress' ? [action.address.allocationId] : []));
  return {
    name: pool.name,
    count: pool.count,
    attachTo: attachLabel(pool),
    parameter: parameterOf(context),
    held,
    toAllocate,
    toRelease,
    targets,
    unserved,
    surplus: Math.max(0, held.length - toRelease.length - pool.count),
    surplusKept: keptSurplus(context, surplus, lifecycle.filter((action) => action.kind === 'ReleaseAddress' && action.rule === 'afterUnused')),
  };
}

/**
 * What a pool's addresses attach to, as a person reads it.
 *
 * @example
 * attachLabel(pool); // 'node group prod-ng', 'instances tagged role=egress', 'NAT gateway nat-0a1b...' or 'reserved for a load balancer'
 */
export function attachLabel(pool: ElasticIpPoolSpec): string {
  const target = pool.attachTo;
  if ('nodeGroup' in target) return `node group ${target.nodeGroup}`;
  if ('instanceTags' in target) return `instances tagged ${Object.entries(target.instanceTags).map(([key, value]) => `${key}=${value}`).join(', ')}`;
  if ('natGatewayId' in target) return `NAT gateway ${target.natGatewayId}`;
  return `reserved for a ${target.reservedFor.replace('-', ' ')}`;
}

function parameterOf(context: PoolContext): string {
  return poolParameterName({ stage: context.options.stage ?? DEFAULT_STAGE, region: context.spec.region, cluster: context.spec.name }, context.pool.name);
}

function existingOf(address: Address): ExistingAddress {
  return { allocationId: address.AllocationId ?? '', publicIp: address.PublicIp ?? '' };
}

function refKey(ref: AddressRef): string {
  return 'slot' in ref ? ref.slot : ref.allocationId;
}

/** Oldest first: the node that has waited longest gets the next address. */
function byLaunch(a: Instance, b: Instance): number {
  return (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0) || (a.InstanceId ?? '').localeCompare(b.InstanceId ?? '');
}
