/** The two ways the plan names an address: one EC2 holds, and one a slot stands for until allocated. */
import type { Address } from '@aws-sdk/client-ec2';
import type { AddressRef, ExistingAddress } from '../actions';

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
