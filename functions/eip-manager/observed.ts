/**
 * What eip-manager found in the account for one cluster's pools, in EC2's own shapes. Offline
 * planning observes an empty account that has not read its NAT gateways.
 */
import type { Address, Instance, NatGateway } from '@aws-sdk/client-ec2';

export interface ObservedPools {
  /** Every Elastic IP address of the Region (one DescribeAddresses). */
  addresses: Address[];
  /** Per pool that attaches to instances: the instances it targets, in every state but terminated; per NAT gateway pool with `moveFrom`: that node group's. */
  instances: Record<string, Instance[]>;
  /** The NAT gateways the pools name, by id; null when not read (offline): the plan then assumes they exist. */
  natGateways: Record<string, NatGateway> | null;
  /**
   * Per pool: the allocation ids its allow-list parameters (the current name and the name before
   * Region and stage were added) publish; null, or the pool absent, when they were not read. An
   * address never published may be released at once when it is surplus; one that may have been
   * published is never released without a person.
   */
  published?: Record<string, readonly string[] | null>;
}

export const EMPTY_ACCOUNT: ObservedPools = Object.freeze({ addresses: [], instances: {}, natGateways: null });
