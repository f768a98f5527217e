/**
 * What eip-manager found in the account for one cluster's pools, in EC2's own shapes. Offline
 * planning observes an empty account that has not read its NAT gateways.
 */
import type { Address, Instance, NatGateway } from '@aws-sdk/client-ec2';

export interface ObservedPools {
  /** Every Elastic IP address of the Region (one DescribeAddresses). */
  addresses: Address[];
  /** Per pool that attaches to instances: the instances it targets, in every state but terminated. */
  instances: Record<string, Instance[]>;
  /** The NAT gateways the pools name, by id; null when not read (offline): the plan then assumes they exist. */
  natGateways: Record<string, NatGateway> | null;
}

export const EMPTY_ACCOUNT: ObservedPools = Object.freeze({ addresses: [], instances: {}, natGateways: null });
