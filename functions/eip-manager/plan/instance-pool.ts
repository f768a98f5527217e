/**
 * A pool that attaches to instances (a node group's, or instances with given tags): addresses come
 * back from instances that are shutting down, free addresses go to running instances that hold
 * none (oldest first), and an instance with an interruption warning gives its address up only to a
 * node that would otherwise wait.
 */
import type { Address, Instance } from '@aws-sdk/client-ec2';
import type { AddressRef, EipAction } from '../actions';
import { describeRef } from '../actions';
import type { TargetInterface } from '../members';
import { addressOn, primaryInterface } from '../members';
import type { ObservedPools } from '../observed';
import { existingOf, offInstance, refKey } from './address';
import { adoptionMarks } from './adoption';
import { allocations } from './allocation';
import { attachLabel } from './describe';
import { contestedNotes, note } from './notes';
import { planLifecycle } from './release';
import { decideSurplus, surplusPlan } from './surplus';
import type { HeldAddress, PoolContext, PoolPlan } from './types';
import { view } from './view';

/**
 * Plans a pool whose addresses attach to instances.
 *
 * @example
 * planInstancePool(context, observed).actions.map((action) => action.kind);
 * // ['AllocateAddress', 'AssociateAddress'] for a pool of one address and one running node that holds none
 */
export function planInstancePool(context: PoolContext, observed: ObservedPools): PoolPlan {
  const { pool, members, membership, options } = context;
  const instances = observed.instances[pool.name] ?? [];
  const leaving = new Set(options.leaving ?? []);
  const byInstance = new Map(instances.flatMap((instance) => (instance.InstanceId === undefined ? [] : [[instance.InstanceId, instance] as const])));
  const byInterface = new Map(
    instances.flatMap((instance) => {
      const primary = primaryInterface(instance);
      return primary === undefined ? [] : [[primary.networkInterfaceId, instance] as const];
    }),
  );

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
    const onPrimary =
      primary !== undefined &&
      primary.networkInterfaceId === address.NetworkInterfaceId &&
      (address.PrivateIpAddress === undefined || address.PrivateIpAddress === primary.privateIp);
    if (instance === undefined || primary === undefined || !onPrimary) {
      // EC2 (and moto) may answer an empty string rather than leave a field out.
      const where = [address.InstanceId, address.NetworkInterfaceId].find((id) => id !== undefined && id !== '') ?? 'another resource';
      held.push({ ...existing, adopted, state: 'elsewhere', attachedTo: where });
      notes.push(
        note(
          pool.name,
          { kind: 'elastic-ip', name: existing.allocationId },
          `${existing.publicIp} is associated with ${where}, not a target of pool ${pool.name}: left alone`,
        ),
      );
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
      returning.push(
        offInstance(pool.name, address, primary.instanceId, `instance ${primary.instanceId} is shutting down: its address returns to pool ${pool.name}`),
      );
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
      notes.push(
        note(
          pool.name,
          { kind: 'instance', name: instance.InstanceId ?? '?' },
          'EC2 reports no primary network interface yet: it gets an address on a later run',
        ),
      );
      continue;
    }
    targets += 1;
    const current = addressOn(observed.addresses, primary);
    if (current === undefined) waiting.push(primary);
    else if (membership.get(current.AllocationId ?? '')?.pool !== pool.name) {
      notes.push(
        note(pool.name, { kind: 'instance', name: primary.instanceId }, `holds ${current.PublicIp ?? '?'}, an address outside pool ${pool.name}: left alone`),
      );
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
    reclaimed.push(
      offInstance(pool.name, address, instanceId, `instance ${instanceId} has an interruption warning and ${waiter.instanceId} waits for an address`),
    );
    available.push(existingOf(address));
    freeNow.push(address);
  }

  const associations: EipAction[] = [];
  const used = new Set<string>();
  waiting.forEach((target, index) => {
    const ref = available[index];
    if (ref === undefined) return;
    used.add(refKey(ref));
    associations.push(
      associateWithInstance(pool.name, ref, target, `running instance ${target.instanceId} (${attachLabel(pool)}) has no address of pool ${pool.name}`),
    );
  });
  const unserved = Math.max(0, waiting.length - available.length);
  if (unserved > 0) {
    notes.push(
      note(
        pool.name,
        { kind: 'eip-pool', name: pool.name },
        `${unserved} running instance(s) of ${attachLabel(pool)} hold no address: the pool holds ${pool.count}`,
      ),
    );
  }

  const freeAfter = freeNow.filter((address) => !used.has(address.AllocationId ?? ''));
  const attachedAfter = [...attachedNow, ...freeNow.filter((address) => used.has(address.AllocationId ?? ''))];
  const freeSlots = new Set(slots.filter((slot) => !used.has(slot)));
  const lifecycle = planLifecycle(context, freeAfter, attachedAfter, releasedNow.size);
  const surplusActions = surplusPlan(context, surplus, lifecycle);
  return {
    actions: [
      ...adoptionMarks(context),
      ...returning,
      ...reclaimed,
      ...surplusActions,
      ...allocations(context, slots, freeSlots),
      ...associations,
      ...lifecycle,
      ...notes,
    ],
    view: view(context, held, slots.length, [...surplusActions, ...lifecycle], targets, unserved, surplus),
  };
}

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

/** Oldest first: the node that has waited longest gets the next address. */
function byLaunch(a: Instance, b: Instance): number {
  return (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0) || (a.InstanceId ?? '').localeCompare(b.InstanceId ?? '');
}
