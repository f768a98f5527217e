/**
 * A pool of a NAT gateway's secondary addresses: each free address (and each one the plan
 * allocates) is associated with the gateway once it is available; a gateway that is missing,
 * deleted or failed is refused. With `moveFrom`, an address of the pool still on a node of that
 * group is taken off it and associated with the gateway: the same address, so an allow-list
 * stays true. An association EC2 reports `failed` (past the gateway's address quota, say) is
 * noted with EC2's message; the address stays in the pool.
 */
import type { Address, Instance, NatGateway } from '@aws-sdk/client-ec2';
import type { AddressRef, EipAction } from '../actions';
import { describeRef } from '../actions';
import { primaryInterface } from '../members';
import type { ObservedPools } from '../observed';
import { existingOf, offInstance } from './address';
import { adoptionMarks } from './adoption';
import { allocations } from './allocation';
import { contestedNotes, note } from './notes';
import { planLifecycle } from './release';
import { decideSurplus, surplusPlan } from './surplus';
import type { HeldAddress, PoolContext, PoolPlan } from './types';
import { view } from './view';

/**
 * Plans a pool of a NAT gateway's secondary addresses; `natGateways` null means not read (an offline
 * plan). `movingFrom` holds the nodes of the pool's `moveFrom` node group (empty without one).
 *
 * @example
 * planNatPool(context, 'nat-0a1b2c3d4e5f60718', observed.natGateways, []).actions.map((action) => action.kind);
 * // ['AllocateAddress', 'AssociateNatGatewayAddress'] for an available gateway that lacks its one address
 */
export function planNatPool(context: PoolContext, natGatewayId: string, natGateways: ObservedPools['natGateways'], movingFrom: readonly Instance[]): PoolPlan {
  const { spec, pool, members, membership } = context;
  const nat: NatGateway | undefined = natGateways === null ? undefined : natGateways[natGatewayId];
  const onNat = new Set(
    (nat?.NatGatewayAddresses ?? [])
      .filter((address) => address.Status !== 'disassociating' && address.Status !== 'failed')
      .map((address) => address.AllocationId),
  );
  const nodes = new Map(
    movingFrom.flatMap((instance) => {
      const primary = primaryInterface(instance);
      return primary === undefined ? [] : [[primary.networkInterfaceId, primary] as const];
    }),
  );
  const held: HeldAddress[] = [];
  const failures = gatewayNotes(context, natGatewayId, nat);
  const notes: EipAction[] = [...contestedNotes(context), ...failures];
  const failed = (poolView: PoolPlan['view']): PoolPlan['view'] =>
    failures.length === 0 ? poolView : { ...poolView, associationFailures: failures.map((action) => action.reason) };
  const free: Address[] = [];
  const attachedNow: Address[] = [];
  const onNodes: { address: Address; instanceId: string }[] = [];
  for (const address of members) {
    const existing = existingOf(address);
    const adopted = membership.get(existing.allocationId)?.adopted ?? false;
    const node = nodes.get(address.NetworkInterfaceId ?? '');
    if (onNat.has(existing.allocationId)) {
      held.push({ ...existing, adopted, state: 'attached', attachedTo: natGatewayId });
      attachedNow.push(address);
    } else if (
      address.AssociationId !== undefined &&
      node !== undefined &&
      (address.PrivateIpAddress === undefined || address.PrivateIpAddress === node.privateIp)
    ) {
      held.push({ ...existing, adopted, state: 'moving', attachedTo: node.instanceId });
      onNodes.push({ address, instanceId: node.instanceId });
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
        // Nothing moves to a gateway that cannot take it: an address on a node stays there.
        view: view(
          context,
          held.map((address) => (address.state === 'moving' ? { ...address, state: 'elsewhere' } : address)),
          0,
          [],
          1,
          1,
          { releaseNow: [], kept: [] },
        ),
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
    attachedNow.push(...onNodes.map(({ address }) => address));
    const lifecycle = planLifecycle(context, free, attachedNow, releasedNow.size);
    const surplusActions = surplusPlan(context, surplus, lifecycle);
    return {
      actions: [...adoptionMarks(context), ...surplusActions, ...allocations(context, slots, new Set(slots)), ...lifecycle, ...notes],
      view: failed(view(context, held, slots.length, [...surplusActions, ...lifecycle], 1, attachedNow.length > 0 ? 0 : 1, surplus)),
    };
  }
  const unread = natGateways === null ? ' (not read: offline plan)' : '';
  // Off the node first, then onto the gateway: EC2 associates an address that is associated nowhere.
  // Off a node of the `moveFrom` group, on its way to the gateway.
  const moves = onNodes.map(({ address, instanceId }) =>
    offInstance(
      pool.name,
      address,
      instanceId,
      `pool ${pool.name} moves from the nodes to NAT gateway ${natGatewayId}: the same address goes on the gateway next`,
      `NAT gateway ${natGatewayId}`,
    ),
  );
  refs.unshift(...onNodes.map(({ address }) => existingOf(address)));
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
  const lifecycle = planLifecycle(context, [], [...attachedNow, ...onNodes.map(({ address }) => address), ...free], releasedNow.size);
  const surplusActions = surplusPlan(context, surplus, lifecycle);
  return {
    actions: [...adoptionMarks(context), ...moves, ...surplusActions, ...allocations(context, slots, new Set()), ...associations, ...lifecycle, ...notes],
    view: failed(view(context, held, slots.length, [...surplusActions, ...lifecycle], 1, attachedNow.length + refs.length > 0 ? 0 : 1, surplus)),
  };
}

/** The pool's addresses whose association with the gateway failed, with EC2's message (NatGatewayAddress.FailureMessage). */
function gatewayNotes(context: PoolContext, natGatewayId: string, nat: NatGateway | undefined): EipAction[] {
  const { pool, members } = context;
  const ours = new Set(members.map((address) => address.AllocationId));
  const target = { kind: 'nat-gateway', name: natGatewayId };
  return (nat?.NatGatewayAddresses ?? [])
    .filter((address) => address.Status === 'failed' && ours.has(address.AllocationId))
    .map((address) =>
      note(
        pool.name,
        target,
        `could not associate ${address.PublicIp ?? address.AllocationId ?? '?'}: ${address.FailureMessage ?? 'EC2 gave no reason'}; it stays in pool ${pool.name}, associated nowhere`,
      ),
    );
}
