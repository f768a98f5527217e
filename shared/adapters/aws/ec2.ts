import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AssociateNatGatewayAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DisassociateAddressCommand,
  EC2Client,
  EC2ServiceException,
  ReleaseAddressCommand,
  paginateDescribeInstances,
  paginateDescribeNatGateways,
} from '@aws-sdk/client-ec2';
import type { Address, Filter, Instance, NatGateway } from '@aws-sdk/client-ec2';
import { EksPilotError, RequestRejectedError, ThrottledError, UpstreamError } from '../../errors';
import { awsClient } from './clients';
import { isThrottling } from './throttling';
import type { Ec2Port, Ec2Write, Ec2WriteKind, Ec2WriteResult } from '../../ports/ec2';
import { AddressInUseError, AddressLimitExceededError, AssociationConflictError, TargetGoneError } from '../../ports/ec2';

/** Every EC2 API action the adapter calls, as named in CloudTrail and in error messages. */
type Ec2Action = Ec2WriteKind | 'DescribeAddresses' | 'DescribeInstances' | 'DescribeNatGateways';

/**
 * EC2 error codes the adapter tells apart (EC2 API reference, "Error codes for the Amazon EC2 API",
 * and the SDK's own docs for ReleaseAddress and NatGateway.FailureCode). EC2 models no exception
 * classes: the SDK throws an EC2ServiceException whose `name` is the code.
 */
const CODE = {
  addressLimit: 'AddressLimitExceeded',
  alreadyAssociated: 'Resource.AlreadyAssociated',
  addressInUse: 'InvalidIPAddress.InUse',
  allocationNotFound: 'InvalidAllocationID.NotFound',
  associationNotFound: 'InvalidAssociationID.NotFound',
  instanceNotFound: 'InvalidInstanceID.NotFound',
  interfaceNotFound: 'InvalidNetworkInterfaceID.NotFound',
  throttled: 'RequestLimitExceeded',
} as const;

/** The request itself is wrong, or EC2 refuses it for good: a person must look. */
const REJECTED = new Set([
  'InvalidParameter',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'InvalidInstanceID.Malformed',
  'InvalidAllocationID.Malformed',
  'InvalidNatGatewayID.NotFound',
  'NatGatewayNotFound',
  'Gateway.NotAttached',
  'InvalidAddress.Locked',
  'InvalidAddress.PtrSet',
  'UnauthorizedOperation',
  'AuthFailure',
]);

/**
 * {@link Ec2Port} over the AWS SDK v3 EC2 client: reads follow every page and answer `null` or `[]`
 * for "not found"; writes send the plan's request as is and turn EC2's error codes into the typed
 * errors of ec2-port.ts and shared/errors.ts.
 *
 * @example
 * import { EC2Client } from '@aws-sdk/client-ec2';
 *
 * const ec2 = new Ec2Adapter(new EC2Client({ region: 'sa-east-1' }));
 * const addresses = await ec2.describeAddresses();
 * const { allocationId, publicIp } = await ec2.execute({ kind: 'AllocateAddress', request: { Domain: 'vpc' } });
 */
export class Ec2Adapter implements Ec2Port {
  private readonly client: EC2Client;

  constructor(client: EC2Client) {
    this.client = client;
  }

  async describeAddresses(filters?: Filter[]): Promise<Address[]> {
    const input = filters === undefined || filters.length === 0 ? {} : { Filters: filters.map((filter) => ({ ...filter })) };
    const output = await this.call('DescribeAddresses', () => this.client.send(new DescribeAddressesCommand(input)));
    return output.Addresses ?? [];
  }

  async describeInstances(filters: Filter[]): Promise<Instance[]> {
    return this.call('DescribeInstances', async () => {
      const found: Instance[] = [];
      // A copy of the filters: the paginator writes NextToken into the input it is given.
      for await (const page of paginateDescribeInstances({ client: this.client }, { Filters: filters.map((filter) => ({ ...filter })), MaxResults: 1000 })) {
        for (const reservation of page.Reservations ?? []) found.push(...(reservation.Instances ?? []));
      }
      return found;
    });
  }

  async describeInstance(instanceId: string): Promise<Instance | null> {
    try {
      const output = await this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      return output.Reservations?.flatMap((reservation) => reservation.Instances ?? []).find((instance) => instance.InstanceId === instanceId) ?? null;
    } catch (error) {
      if (codeOf(error) === CODE.instanceNotFound) return null;
      throw toEc2Error('DescribeInstances', error, { instanceId });
    }
  }

  async describeNatGateways(natGatewayIds: readonly string[]): Promise<NatGateway[]> {
    if (natGatewayIds.length === 0) return [];
    // A filter, not NatGatewayIds: an id EC2 does not know is then absent, not an error for the whole call.
    return this.call('DescribeNatGateways', async () => {
      const found: NatGateway[] = [];
      const pages = paginateDescribeNatGateways({ client: this.client }, { Filter: [{ Name: 'nat-gateway-id', Values: [...natGatewayIds] }] });
      for await (const page of pages) found.push(...(page.NatGateways ?? []));
      return found;
    });
  }

  async execute(write: Ec2Write): Promise<Ec2WriteResult> {
    try {
      return await this.send(write);
    } catch (error) {
      if (error instanceof EksPilotError) throw error;
      if (isAlreadyDone(write.kind, error)) return { alreadyDone: true };
      throw toEc2Error(write.kind, error, contextOf(write));
    }
  }

  /** The SDK call for one write, with the plan's request passed through untouched. */
  private async send(write: Ec2Write): Promise<Ec2WriteResult> {
    switch (write.kind) {
      case 'AllocateAddress': {
        const output = await this.client.send(new AllocateAddressCommand(write.request));
        return { ...(output.AllocationId ? { allocationId: output.AllocationId } : {}), ...(output.PublicIp ? { publicIp: output.PublicIp } : {}) };
      }
      case 'AssociateAddress': {
        const output = await this.client.send(new AssociateAddressCommand(write.request));
        return output.AssociationId ? { associationId: output.AssociationId } : {};
      }
      case 'AssociateNatGatewayAddress': {
        const output = await this.client.send(new AssociateNatGatewayAddressCommand(write.request));
        const associationId = output.NatGatewayAddresses?.find((address) => write.request.AllocationIds?.includes(address.AllocationId ?? ''))?.AssociationId;
        return associationId ? { associationId } : {};
      }
      case 'DisassociateAddress':
        await this.client.send(new DisassociateAddressCommand(write.request));
        return {};
      case 'ReleaseAddress':
        await this.client.send(new ReleaseAddressCommand(write.request));
        return {};
      case 'CreateTags':
        await this.client.send(new CreateTagsCommand(write.request));
        return {};
      case 'DeleteTags':
        await this.client.send(new DeleteTagsCommand(write.request));
        return {};
      default: {
        const unknown: never = write;
        throw new EksPilotError('unknown EC2 write kind', { context: { kind: (unknown as { kind?: unknown }).kind } });
      }
    }
  }

  private async call<T>(action: Ec2Action, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toEc2Error(action, error, {});
    }
  }
}

/**
 * Builds the production {@link Ec2Port}: an {@link Ec2Adapter} over the EC2 client the shared
 * factory caches per region and role.
 *
 * @example
 * const ec2 = createEc2Port({ region: 'sa-east-1', assumeRoleArn: 'arn:aws:iam::111122223333:role/eks-pilot-eip' });
 * const addresses = await ec2.describeAddresses();
 */
export function createEc2Port(options: { region: string; assumeRoleArn?: string }): Ec2Adapter {
  return new Ec2Adapter(awsClient(EC2Client, options));
}

/**
 * The EC2 error code of an SDK error (its `name`), or undefined for anything else.
 *
 * @example
 * codeOf(error); // 'Resource.AlreadyAssociated'
 */
export function codeOf(error: unknown): string | undefined {
  return error instanceof EC2ServiceException ? error.name : undefined;
}

/** A removal whose target is gone already: the association EC2 dropped when the instance terminated, an address already released. */
function isAlreadyDone(kind: Ec2WriteKind, error: unknown): boolean {
  const code = codeOf(error);
  if (kind === 'DisassociateAddress') return code === CODE.associationNotFound;
  if (kind === 'ReleaseAddress') return code === CODE.allocationNotFound;
  return false;
}

/** Turns whatever an SDK call threw into the suite's typed errors, keeping the original as `cause` and the code in `context`. */
function toEc2Error(action: Ec2Action, error: unknown, facts: Record<string, unknown>): UpstreamError {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const options = { cause: error, context: { action, ...(code ? { code } : {}), ...facts } };
  switch (code ?? '') {
    case CODE.addressLimit:
      return new AddressLimitExceededError(`${action}: the Elastic IP quota of the Region is used up (${code}): ${message}`, options);
    case CODE.alreadyAssociated:
      return new AssociationConflictError(`${action}: the address or the target is already associated (${code}): ${message}`, options);
    case CODE.allocationNotFound:
      return action === 'AssociateAddress' || action === 'AssociateNatGatewayAddress'
        ? new AssociationConflictError(`${action}: the address no longer exists (${code}): ${message}`, options)
        : new RequestRejectedError(`${action} rejected (${code}): ${message}`, options);
    case CODE.instanceNotFound:
    case CODE.interfaceNotFound:
      return new TargetGoneError(`${action}: the target no longer exists (${code}): ${message}`, options);
    case CODE.addressInUse:
      return new AddressInUseError(`${action}: the address is associated (${code}): ${message}`, options);
    default:
      break;
  }
  if (code === CODE.throttled || isThrottling(error))
    return new ThrottledError(`${action} throttled after the SDK's retries (${code ?? 'throttling'})`, options);
  if (code !== undefined && REJECTED.has(code)) return new RequestRejectedError(`${action} rejected (${code}): ${message}`, options);
  const detail = error instanceof Error ? `${error.name}: ${message}` : message;
  return new UpstreamError(`${action} failed: ${detail}`, options);
}

/** The ids a write concerns, for error context. */
function contextOf(write: Ec2Write): Record<string, unknown> {
  switch (write.kind) {
    case 'AllocateAddress':
      return {};
    case 'AssociateAddress':
      return { allocationId: write.request.AllocationId, networkInterfaceId: write.request.NetworkInterfaceId, instanceId: write.request.InstanceId };
    case 'AssociateNatGatewayAddress':
      return { natGatewayId: write.request.NatGatewayId, allocationIds: write.request.AllocationIds };
    case 'DisassociateAddress':
      return { associationId: write.request.AssociationId };
    case 'ReleaseAddress':
      return { allocationId: write.request.AllocationId };
    case 'CreateTags':
    case 'DeleteTags':
      return { resources: write.request.Resources };
    default: {
      const unknown: never = write;
      return { kind: (unknown as { kind?: unknown }).kind };
    }
  }
}
