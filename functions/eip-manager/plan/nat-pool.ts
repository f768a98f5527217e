/**
 * A pool of a NAT gateway's secondary addresses: each free address (and each one the plan
 * allocates) is associated with the gateway once it is available; a gateway that is missing,
 * deleted or failed is refused.
 */
import type { Address, NatGateway } from '@aws-sdk/client-ec2';
import type { AddressRef, EipAction } from '../actions';
import { describeRef } from '../actions';
import type { ObservedPools } from '../observed';
import { existingOf } from './address';
import { adoptionMarks } from './adoption';
import { allocations } from './allocation';
import { contestedNotes, note } from './notes';
import { planLifecycle } from './release';
import { decideSurplus, surplusPlan } from './surplus';
import type { HeldAddress, PoolContext, PoolPlan } from './types';
import { view } from './view';

/**
 * Plans a pool of a NAT gateway's secondary addresses; `natGateways` null means not read (an offline plan).
 *
 * @example
 * planNatPool(context, 'nat-0a1b2c3d4e5f60718', observed.natGateways).actions.map((action) => action.kind);
 * // ['AllocateAddress', 'AssociateNatGatewayAddress'] for an available gateway that lacks its one address
 */
export function planNatPool(context: PoolContext, natGatewayId: string, natGateways: ObservedPools['natGateways']): PoolPlan {
  const { spec, pool, members, membership } = context;
  const nat: NatGateway | undefined = natGateways === null ? undefined : natGateways[natGatewayId];
  const onNat = new Set(
    (nat?.NatGatewayAddresses ?? [])
      .filter((address) => address.Status !== 'disassociating' && address.Status !== 'failed')
      .map((address) => address.AllocationId),
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
      notes.push(
        note(
          pool.name,
          { kind: 'elastic-ip', name: existing.allocationId },
          `${existing.publicIp} is associated with ${where}, not NAT gateway ${natGatewayId}: left alone`,
        ),
      );
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
  const associations = refs.map((ref): EipAction => ({
    kind: 'AssociateNatGatewayAddress',
    classification: 'update',
    pool: pool.name,
    target,
    reason: `NAT gateway ${natGatewayId}${unread} does not hold this address of pool ${pool.name} yet`,
    changes: [{ field: 'address', to: describeRef(ref) }],
    address: ref,
    natGatewayId,
    request: { NatGatewayId: natGatewayId, AllocationIds: 'slot' in ref ? [] : [ref.allocationId] },
  }));
  const lifecycle = planLifecycle(context, [], [...attachedNow, ...free], releasedNow.size);
  const surplusActions = surplusPlan(context, surplus, lifecycle);
  return {
    actions: [...adoptionMarks(context), ...surplusActions, ...allocations(context, slots, new Set()), ...associations, ...lifecycle, ...notes],
    view: view(context, held, slots.length, [...surplusActions, ...lifecycle], 1, attachedNow.length + refs.length > 0 ? 0 : 1, surplus),
  };
}
