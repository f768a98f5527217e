import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AssociateNatGatewayAddressCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DisassociateAddressCommand,
  EC2Client,
  EC2ServiceException,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsClient, resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { codeOf, createEc2Port, Ec2Adapter } from '../../../../shared/adapters/aws/ec2';
import type { Ec2Write, Ec2WriteKind, Ec2WriteResult } from '../../../../shared/ports/ec2';
import { AddressInUseError, AddressLimitExceededError, AssociationConflictError, TargetGoneError } from '../../../../shared/ports/ec2';
import { RequestRejectedError, ThrottledError, UpstreamError } from '../../../../shared/errors';
import { rejectionOf } from '../../../../testing/rejection';

const ALLOCATION = 'eipalloc-0a1b2c3d4e5f60718';
const INSTANCE = 'i-0a1b2c3d4e5f60789';
const NAT = 'nat-0a1b2c3d4e5f60799';

const ec2Mock = mockClient(EC2Client);

/** What the SDK throws for an EC2 error response: an EC2ServiceException named after the code. */
function ec2Error(code: string, message = `${code} message`, extra: Partial<{ $retryable: { throttling: boolean } }> = {}): EC2ServiceException {
  return Object.assign(new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400, requestId: 'req-1' }, message }), extra);
}

/** One write of every kind, with the response EC2 gives it and what execute() makes of it. */
const writes: { write: Ec2Write; response: object; result: Ec2WriteResult }[] = [
  {
    write: {
      kind: 'AllocateAddress',
      request: { Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'eks-pilot/pool', Value: 'egress' }] }] },
    },
    response: { AllocationId: ALLOCATION, PublicIp: '198.51.100.7', Domain: 'vpc' },
    result: { allocationId: ALLOCATION, publicIp: '198.51.100.7' },
  },
  {
    write: {
      kind: 'AssociateAddress',
      request: { AllocationId: ALLOCATION, NetworkInterfaceId: 'eni-0a1b2c3d4e5f60700', PrivateIpAddress: '10.0.1.5', AllowReassociation: false },
    },
    response: { AssociationId: 'eipassoc-0a1b2c3d4e5f60711' },
    result: { associationId: 'eipassoc-0a1b2c3d4e5f60711' },
  },
  {
    write: { kind: 'AssociateNatGatewayAddress', request: { NatGatewayId: NAT, AllocationIds: [ALLOCATION] } },
    response: { NatGatewayId: NAT, NatGatewayAddresses: [{ AllocationId: ALLOCATION, AssociationId: 'eipassoc-0a1b2c3d4e5f60722', Status: 'associating' }] },
    result: { associationId: 'eipassoc-0a1b2c3d4e5f60722' },
  },
  { write: { kind: 'DisassociateAddress', request: { AssociationId: 'eipassoc-0a1b2c3d4e5f60711' } }, response: {}, result: {} },
  { write: { kind: 'ReleaseAddress', request: { AllocationId: ALLOCATION } }, response: {}, result: {} },
  {
    write: { kind: 'CreateTags', request: { Resources: [ALLOCATION], Tags: [{ Key: 'eks-pilot/unused-since', Value: '2026-11-22T12:00:00.000Z' }] } },
    response: {},
    result: {},
  },
  { write: { kind: 'DeleteTags', request: { Resources: [ALLOCATION], Tags: [{ Key: 'eks-pilot/unused-since' }] } }, response: {}, result: {} },
];

// A Record over every kind, so a kind added to the port fails the typecheck until it is tested here.
const commandOf: Record<Ec2WriteKind, new (input: never) => object> = {
  AllocateAddress: AllocateAddressCommand,
  AssociateAddress: AssociateAddressCommand,
  AssociateNatGatewayAddress: AssociateNatGatewayAddressCommand,
  DisassociateAddress: DisassociateAddressCommand,
  ReleaseAddress: ReleaseAddressCommand,
  CreateTags: CreateTagsCommand,
  DeleteTags: DeleteTagsCommand,
};

function writeOf(kind: Ec2WriteKind): Ec2Write {
  const row = writes.find((candidate) => candidate.write.kind === kind);
  if (row === undefined) throw new Error(`no sample write of kind ${kind}`);
  return row.write;
}

describe('Ec2Adapter', () => {
  let ec2: Ec2Adapter;

  beforeEach(() => {
    ec2Mock.reset();
    ec2 = new Ec2Adapter(new EC2Client({ region: 'sa-east-1' }));
  });

  describe('reads', () => {
    it('returns every address of the Region from one DescribeAddresses', async () => {
      // Prepare
      ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: ALLOCATION, PublicIp: '198.51.100.7' }] });

      // Act
      const addresses = await ec2.describeAddresses();

      // Assess
      expect(addresses).toEqual([{ AllocationId: ALLOCATION, PublicIp: '198.51.100.7' }]);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeAddressesCommand, 1);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeAddressesCommand, {});
    });

    it('returns the instances of every page DescribeInstances answers for the filters', async () => {
      // Prepare
      const filters = [
        { Name: 'tag:eks:cluster-name', Values: ['financial-move'] },
        { Name: 'tag:eks:nodegroup-name', Values: ['prod-ng'] },
      ];
      ec2Mock
        .on(DescribeInstancesCommand)
        .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000a' }] }], NextToken: 'page-2' })
        .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0000000000000000b' }, { InstanceId: 'i-0000000000000000c' }] }] });

      // Act
      const instances = await ec2.describeInstances(filters);

      // Assess
      expect(instances.map((instance) => instance.InstanceId)).toEqual(['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c']);
      expect(ec2Mock).toHaveReceivedNthSpecificCommandWith(1, DescribeInstancesCommand, { Filters: filters, MaxResults: 1000 });
      expect(ec2Mock).toHaveReceivedNthSpecificCommandWith(2, DescribeInstancesCommand, { Filters: filters, MaxResults: 1000, NextToken: 'page-2' });
      expect(filters[0]).toEqual({ Name: 'tag:eks:cluster-name', Values: ['financial-move'] });
    });

    it('returns one instance by id, and null once EC2 no longer knows it (InvalidInstanceID.NotFound)', async () => {
      // Prepare
      ec2Mock
        .on(DescribeInstancesCommand, { InstanceIds: [INSTANCE] })
        .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: INSTANCE, State: { Name: 'running' } }] }] })
        .rejectsOnce(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${INSTANCE}' does not exist`));

      // Act
      const found = await ec2.describeInstance(INSTANCE);
      const gone = await ec2.describeInstance(INSTANCE);

      // Assess
      expect(found).toEqual({ InstanceId: INSTANCE, State: { Name: 'running' } });
      expect(gone).toBeNull();
    });

    it('describes NAT gateways by a filter, so an unknown id is absent rather than an error, and skips the call for none', async () => {
      // Prepare
      ec2Mock.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [{ NatGatewayId: NAT, State: 'available' }] });

      // Act
      const found = await ec2.describeNatGateways([NAT, 'nat-0ffffffffffffffff']);
      const none = await ec2.describeNatGateways([]);

      // Assess
      expect(found).toEqual([{ NatGatewayId: NAT, State: 'available' }]);
      expect(none).toEqual([]);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeNatGatewaysCommand, 1);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeNatGatewaysCommand, { Filter: [{ Name: 'nat-gateway-id', Values: [NAT, 'nat-0ffffffffffffffff'] }] });
    });

    it('turns a failed read into a typed error naming the action, with the SDK error as cause', async () => {
      // Prepare
      const cause = ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');
      ec2Mock.on(DescribeAddressesCommand).rejects(cause);

      // Act
      const error = await rejectionOf(ec2.describeAddresses());

      // Assess
      expect(error).toBeInstanceOf(RequestRejectedError);
      expect(error).toMatchObject({
        message: 'DescribeAddresses rejected (UnauthorizedOperation): You are not authorized to perform this operation.',
        cause,
        context: { action: 'DescribeAddresses', code: 'UnauthorizedOperation' },
      });
    });
  });

  describe('writes', () => {
    it.each(writes)('sends $write.kind with the request as planned and reads its answer', async ({ write, response, result }) => {
      // Prepare
      const Command = commandOf[write.kind];
      ec2Mock.on(Command as never).resolves(response);

      // Act
      const answer = await ec2.execute(write);

      // Assess
      expect(answer).toEqual(result);
      expect(ec2Mock).toHaveReceivedCommandWith(Command as never, write.request);
      expect(ec2Mock.calls()).toHaveLength(1);
    });

    it.each<[Ec2WriteKind, string]>([
      ['DisassociateAddress', 'InvalidAssociationID.NotFound'],
      ['ReleaseAddress', 'InvalidAllocationID.NotFound'],
    ])('treats %s answering %s as already done', async (kind, code) => {
      // Prepare
      ec2Mock.on(commandOf[kind] as never).rejects(ec2Error(code));

      // Act
      const answer = await ec2.execute(writeOf(kind));

      // Assess
      expect(answer).toEqual({ alreadyDone: true });
    });

    it.each<[string, Ec2WriteKind, string, new (...args: never[]) => Error]>([
      ['the Elastic IP quota', 'AllocateAddress', 'AddressLimitExceeded', AddressLimitExceededError],
      ['an address associated elsewhere (AllowReassociation false)', 'AssociateAddress', 'Resource.AlreadyAssociated', AssociationConflictError],
      ['an address released meanwhile', 'AssociateAddress', 'InvalidAllocationID.NotFound', AssociationConflictError],
      ['an address a NAT gateway cannot take', 'AssociateNatGatewayAddress', 'Resource.AlreadyAssociated', AssociationConflictError],
      ['a node that terminated meanwhile', 'AssociateAddress', 'InvalidInstanceID.NotFound', TargetGoneError],
      ['a network interface gone meanwhile', 'AssociateAddress', 'InvalidNetworkInterfaceID.NotFound', TargetGoneError],
      ['a release of an associated address', 'ReleaseAddress', 'InvalidIPAddress.InUse', AddressInUseError],
      ['throttling the SDK gave up on', 'AssociateAddress', 'RequestLimitExceeded', ThrottledError],
      ['a bad parameter', 'AssociateAddress', 'InvalidParameterValue', RequestRejectedError],
      ['a VPC without an internet gateway', 'AssociateAddress', 'Gateway.NotAttached', RequestRejectedError],
      ['a missing permission', 'ReleaseAddress', 'UnauthorizedOperation', RequestRejectedError],
      ['a server error', 'AllocateAddress', 'InternalError', UpstreamError],
    ])('turns %s (%s answering %s) into its typed error, keeping the code and the cause', async (_case, kind, code, Type) => {
      // Prepare
      const cause = ec2Error(code);
      ec2Mock.on(commandOf[kind] as never).rejects(cause);

      // Act
      const error = await rejectionOf(ec2.execute(writeOf(kind)));

      // Assess
      expect(error).toBeInstanceOf(Type);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.cause).toBe(cause);
      expect(error).toMatchObject({ context: { action: kind, code } });
      expect(error.message).toContain(code);
    });

    it('treats an error the SDK flags as throttling as throttled, whatever its code', async () => {
      // Prepare
      ec2Mock.on(AllocateAddressCommand).rejects(ec2Error('Throttling', 'Rate exceeded', { $retryable: { throttling: true } }));

      // Act
      const error = await rejectionOf(ec2.execute(writeOf('AllocateAddress')));

      // Assess
      expect(error).toBeInstanceOf(ThrottledError);
    });

    it('names the ids a write concerns in the error context', async () => {
      // Prepare
      ec2Mock.on(AssociateAddressCommand).rejects(ec2Error('Resource.AlreadyAssociated'));

      // Act
      const error = await rejectionOf(ec2.execute(writeOf('AssociateAddress')));

      // Assess
      expect(error).toMatchObject({ context: { allocationId: ALLOCATION, networkInterfaceId: 'eni-0a1b2c3d4e5f60700' } });
    });

    it('reads the code of SDK errors only', () => {
      expect(codeOf(ec2Error('AddressLimitExceeded'))).toBe('AddressLimitExceeded');
      expect(codeOf(new Error('AddressLimitExceeded'))).toBeUndefined();
    });
  });
});

describe('createEc2Port', () => {
  afterEach(() => {
    resetAwsClients();
  });

  it("builds an adapter over the shared factory's client for the Region", async () => {
    // Prepare
    ec2Mock.reset();
    ec2Mock.on(DescribeAddressesCommand).resolves({ Addresses: [] });

    // Act
    const port = createEc2Port({ region: 'sa-east-1' });
    await port.describeAddresses();

    // Assess
    expect(awsClient(EC2Client, { region: 'sa-east-1' })).toBe(awsClient(EC2Client, { region: 'sa-east-1' }));
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeAddressesCommand, 1);
  });
});
