/** The two ways the plan names an address: one EC2 holds, and one a slot stands for until allocated. */
import type { Address } from '@aws-sdk/client-ec2';
import type { AddressRef, EipAction, ExistingAddress } from '../actions';
import { describeRef } from '../actions';

/**
 * An address EC2 reports, as the plan names it.
 *
 * @example
 * existingOf({ AllocationId: 'eipalloc-0a1b', PublicIp: '203.0.113.7' }); // { allocationId: 'eipalloc-0a1b', publicIp: '203.0.113.7' }
 */
export function existingOf(address: Address): ExistingAddress {
  return { allocationId: address.AllocationId ?? '', publicIp: address.PublicIp ?? '' };
}

/**
 * The key of an address the plan uses: its slot until EC2 has given it an allocation id.
 *
 * @example
 * refKey({ slot: 'egress#1' }); // 'egress#1'
 */
export function refKey(ref: AddressRef): string {
  return 'slot' in ref ? ref.slot : ref.allocationId;
}

/**
 * The DisassociateAddress that takes a pool's address off an instance, saying why and, when it
 * goes on somewhere next, where.
 *
 * @example
 * offInstance('egress', address, 'i-0a1b', 'instance i-0a1b is shutting down: its address returns to pool egress');
 */
export function offInstance(pool: string, address: Address, instanceId: string, reason: string, next?: string): EipAction {
  const existing = existingOf(address);
  return {
    kind: 'DisassociateAddress',
    classification: 'update',
    pool,
    target: { kind: 'instance', name: instanceId },
    reason,
    changes: [{ field: 'address', from: describeRef(existing), ...(next === undefined ? {} : { to: next }) }],
    address: existing,
    instanceId,
    request: { AssociationId: address.AssociationId },
  };
}
