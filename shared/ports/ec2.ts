/**
 * The narrow EC2 capability eip-manager works against: Elastic IP addresses, the instances and NAT
 * gateways they attach to, and the address writes. The SDK adapter in ec2.ts is the only
 * implementation that talks to AWS; tests use the fake in testing/fake-ec2.ts.
 *
 * Reads return `null` (or an empty list) for "not found". Writes take the SDK's own request shapes,
 * so a plan's request is sent as printed. A write that finds its work already done resolves
 * `{ alreadyDone: true }` (a disassociation whose association is gone, a release of an address
 * already released). EC2's refusals become the typed errors below and in shared/errors.ts, each
 * with the SDK error as `cause` and the EC2 error code in `context.code`.
 */
import type {
  Address,
  AllocateAddressCommandInput,
  AssociateAddressCommandInput,
  AssociateNatGatewayAddressCommandInput,
  CreateTagsCommandInput,
  DeleteTagsCommandInput,
  DisassociateAddressCommandInput,
  Filter,
  Instance,
  NatGateway,
  ReleaseAddressCommandInput,
} from '@aws-sdk/client-ec2';
import { UpstreamError } from '../errors';

/** Every mutating EC2 call eip-manager makes, keyed by API action, with the SDK's request type. */
export type Ec2Write =
  | { kind: 'AllocateAddress'; request: AllocateAddressCommandInput }
  | { kind: 'AssociateAddress'; request: AssociateAddressCommandInput }
  | { kind: 'AssociateNatGatewayAddress'; request: AssociateNatGatewayAddressCommandInput }
  | { kind: 'DisassociateAddress'; request: DisassociateAddressCommandInput }
  | { kind: 'ReleaseAddress'; request: ReleaseAddressCommandInput }
  | { kind: 'CreateTags'; request: CreateTagsCommandInput }
  | { kind: 'DeleteTags'; request: DeleteTagsCommandInput };

export type Ec2WriteKind = Ec2Write['kind'];

export interface Ec2WriteResult {
  /** AllocateAddress: the new address. */
  allocationId?: string;
  publicIp?: string;
  /** AssociateAddress / AssociateNatGatewayAddress: the association made. */
  associationId?: string;
  /** The call found its work done already. */
  alreadyDone?: boolean;
}

export interface Ec2Reads {
  /**
   * Every Elastic IP address of the Region (DescribeAddresses is not paginated), or those the
   * filters match (`tag:<key>`, e.g. the run's claim tag).
   */
  describeAddresses(filters?: Filter[]): Promise<Address[]>;
  /** Every instance the filters match, all pages. */
  describeInstances(filters: Filter[]): Promise<Instance[]>;
  /** One instance, or null when EC2 no longer knows it (terminated instances disappear after about an hour). */
  describeInstance(instanceId: string): Promise<Instance | null>;
  /** The NAT gateways with these ids that exist (deleted ones included while EC2 still lists them), all pages. */
  describeNatGateways(natGatewayIds: readonly string[]): Promise<NatGateway[]>;
}

export interface Ec2Writes {
  execute(write: Ec2Write): Promise<Ec2WriteResult>;
}

export type Ec2Port = Ec2Reads & Ec2Writes;

/** What an EC2 error carries in its `context`. */
export interface Ec2ErrorContext {
  action: string;
  /** The EC2 error code, e.g. `AddressLimitExceeded`. */
  code?: string;
  [key: string]: unknown;
}

/**
 * `AddressLimitExceeded`: the account's Elastic IP quota in the Region ("EC2-VPC Elastic IPs",
 * 5 by default) is used up. No retry helps; releasing addresses or a quota increase does.
 *
 * @example
 * if (error instanceof AddressLimitExceededError) logger.error('elastic IP quota reached', { region });
 */
export class AddressLimitExceededError extends UpstreamError {
  override name = 'AddressLimitExceededError';
}

/**
 * The association cannot be made as asked because the address or the target is taken:
 * `Resource.AlreadyAssociated` (with AllowReassociation false, the address is associated elsewhere,
 * or the target private IP already holds an Elastic IP) or `InvalidAllocationID.NotFound` (the
 * address was released meanwhile). The caller moves on to the next free address.
 *
 * @example
 * catch (error) { if (error instanceof AssociationConflictError) continue; }
 */
export class AssociationConflictError extends UpstreamError {
  override name = 'AssociationConflictError';
}

/**
 * The instance or network interface to associate with is gone (`InvalidInstanceID.NotFound`,
 * `InvalidNetworkInterfaceID.NotFound`): the node terminated between the plan and the call.
 *
 * @example
 * catch (error) { if (error instanceof TargetGoneError) return; }
 */
export class TargetGoneError extends UpstreamError {
  override name = 'TargetGoneError';
}

/**
 * `InvalidIPAddress.InUse`: the address to release is associated (it was free when planned).
 *
 * @example
 * catch (error) { if (error instanceof AddressInUseError) keep(address); }
 */
export class AddressInUseError extends UpstreamError {
  override name = 'AddressInUseError';
}
