import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DisassociateAddressCommand,
  EC2Client,
  EC2ServiceException,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import type { Address, Instance } from '@aws-sdk/client-ec2';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import planEvent from '../../../events/eip-manager/plan-financial-move.json';
import runningEvent from '../../../events/eip-manager/instance-running.json';
import scheduleEvent from '../../../events/eip-manager/schedule.json';
import shuttingDownEvent from '../../../events/eip-manager/instance-shutting-down.json';
import spotEvent from '../../../events/eip-manager/spot-interruption.json';
import { handler } from '../../../functions/eip-manager/handler';
import { resetAwsClients } from '../../../shared/adapters/aws/clients';
import { lambdaContext } from '../../../testing/lambda-context';
import { answered, rejected } from '../../../testing/answers';
import { captureLogLines } from '../../../testing/log-lines';
import { FINANCIAL_MOVE } from '../../../testing/eip-manager';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const dynamodb = mockClient(DynamoDBClient);
const EVENT_INSTANCE = runningEvent.detail['instance-id'];

function prodNode(instanceId: string, n: number, state = 'running'): Instance {
  return {
    InstanceId: instanceId,
    State: { Name: state as 'running' },
    LaunchTime: new Date(Date.parse('2026-11-22T08:00:00Z') + n * 60_000),
    Tags: [
      { Key: 'eks:cluster-name', Value: 'financial-move' },
      { Key: 'eks:nodegroup-name', Value: 'prod-ng' },
    ],
    NetworkInterfaces: [{ NetworkInterfaceId: `eni-0000000000000000${String(n)}`, PrivateIpAddress: `10.0.0.${String(n)}`, Attachment: { DeviceIndex: 0 } }],
  };
}

function egressAddress(n: number, on?: Instance): Address {
  const eni = on?.NetworkInterfaces?.[0];
  return {
    AllocationId: `eipalloc-0000000000000000${String(n)}`,
    PublicIp: `198.51.100.${String(n)}`,
    Domain: 'vpc',
    Tags: [
      { Key: 'eks-pilot/cluster', Value: 'financial-move' },
      { Key: 'eks-pilot/pool', Value: 'egress' },
    ],
    ...(on && eni
      ? {
          AssociationId: `eipassoc-${String(n)}`,
          NetworkInterfaceId: eni.NetworkInterfaceId,
          PrivateIpAddress: eni.PrivateIpAddress,
          InstanceId: on.InstanceId,
        }
      : {}),
  };
}

function reservations(instances: Instance[]): { Reservations: { Instances: Instance[] }[] } {
  return { Reservations: [{ Instances: instances }] };
}

describe('eip-manager handler', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = { ...originalEnv, EKS_PILOT_SPECS: FINANCIAL_MOVE, POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'sa-east-1' };
    ec2.reset();
    ssm.reset();
    dynamodb.reset();
    resetAwsClients();
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(DeleteItemCommand).resolves({});
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
  });

  afterEach(() => {
    process.env = originalEnv;
    resetAwsClients();
    jest.restoreAllMocks();
  });

  it('fills the financial-move pools from an empty account on the schedule, attaching egress addresses to the oldest nodes', async () => {
    // Prepare
    const nodes = [prodNode('i-0000000000000000a', 1), prodNode('i-0000000000000000b', 2), prodNode('i-0000000000000000c', 3)];
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservations(nodes));
    let allocated = 0;
    ec2.on(AllocateAddressCommand).callsFake(() => {
      allocated += 1;
      return { AllocationId: `eipalloc-0a0000000000000${String(allocated)}`, PublicIp: `203.0.113.${String(allocated)}` };
    });
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0a00000000000001' });
    const logs = captureLogLines();

    // Act
    const response = answered(await handler(scheduleEvent, lambdaContext));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(AllocateAddressCommand, 4);
    expect(ec2).toHaveReceivedCommandTimes(AssociateAddressCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(AssociateAddressCommand, {
      AllocationId: 'eipalloc-0a00000000000001',
      NetworkInterfaceId: 'eni-00000000000000001',
      PrivateIpAddress: '10.0.0.1',
      AllowReassociation: false,
    });
    expect(ec2).toHaveReceivedCommandWith(AssociateAddressCommand, {
      AllocationId: 'eipalloc-0a00000000000002',
      NetworkInterfaceId: 'eni-00000000000000002',
      AllowReassociation: false,
    });
    expect(ec2).not.toHaveReceivedCommand(DescribeNatGatewaysCommand);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'tag:eks:cluster-name', Values: ['financial-move'] },
        { Name: 'tag:eks:nodegroup-name', Values: ['prod-ng'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] },
      ],
    });
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress',
      Value: '{"publicIps":["203.0.113.1","203.0.113.2"],"allocationIds":["eipalloc-0a00000000000001","eipalloc-0a00000000000002"]}',
      Type: 'String',
      Overwrite: true,
    });
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress' });
    const [report] = response.reports;
    expect(report).toMatchObject({ cluster: 'financial-move', mode: 'apply', status: 'Converged' });
    expect(report?.pools.map((pool) => [pool.pool, pool.held, pool.attached, pool.unserved])).toEqual([
      ['egress', 2, 2, 1],
      ['ingress', 2, 0, 0],
    ]);
    expect(report?.plan?.[0]).toBe(`Elastic IP pools of financial-move (sa-east-1) from ${FINANCIAL_MOVE}/cluster.yaml`);
    const associated = logs.lines().filter((line) => line.message === 'elastic IP associated');
    expect(associated).toHaveLength(2);
    expect(associated[0]).toMatchObject({
      level: 'INFO',
      service: 'eip-manager',
      function_request_id: lambdaContext.awsRequestId,
      trigger: 'schedule',
      pool: 'egress',
      allocationId: 'eipalloc-0a00000000000001',
      publicIp: '203.0.113.1',
      instanceId: 'i-0000000000000000a',
      reason: 'running instance i-0000000000000000a (node group prod-ng) has no address of pool egress',
    });
  });

  it('gives a node that starts running a free address of its pool at once, reconciling that pool only', async () => {
    // Prepare
    const node = prodNode(EVENT_INSTANCE, 5);
    ec2.on(DescribeInstancesCommand, { InstanceIds: [EVENT_INSTANCE] }).resolves(reservations([node]));
    ec2.on(DescribeInstancesCommand).resolves(reservations([node]));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [egressAddress(1), egressAddress(2)] });
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0b00000000000001' });
    const logs = captureLogLines();

    // Act
    const response = answered(await handler(runningEvent, lambdaContext));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(AssociateAddressCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(AssociateAddressCommand, {
      AllocationId: 'eipalloc-00000000000000001',
      NetworkInterfaceId: 'eni-00000000000000005',
      AllowReassociation: false,
    });
    expect(ec2).not.toHaveReceivedCommand(AllocateAddressCommand);
    expect(response.reports.map((report) => report.pools.map((pool) => pool.pool))).toEqual([['egress']]);
    expect(logs.lines().find((line) => line.message === 'elastic IP associated')).toMatchObject({
      trigger: 'ec2-event',
      change: 'running',
      instanceId: EVENT_INSTANCE,
    });
  });

  it('does nothing for a duplicate running event: the node already holds its address', async () => {
    // Prepare
    const node = prodNode(EVENT_INSTANCE, 5);
    ec2.on(DescribeInstancesCommand).resolves(reservations([node]));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [egressAddress(1, node), egressAddress(2)] });
    ssm.on(GetParameterCommand).resolves({
      Parameter: { Value: '{"publicIps":["198.51.100.1","198.51.100.2"],"allocationIds":["eipalloc-00000000000000001","eipalloc-00000000000000002"]}' },
    });
    captureLogLines();

    // Act
    await handler(runningEvent, lambdaContext);

    // Assess
    expect(ec2).not.toHaveReceivedCommand(AssociateAddressCommand);
    expect(ec2).not.toHaveReceivedCommand(AllocateAddressCommand);
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('returns the address of a node that is shutting down to its pool', async () => {
    // Prepare
    const node = prodNode(EVENT_INSTANCE, 5, 'shutting-down');
    ec2.on(DescribeInstancesCommand).resolves(reservations([node]));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [egressAddress(1, node), egressAddress(2)] });
    ec2.on(DisassociateAddressCommand).resolves({});
    captureLogLines();

    // Act
    await handler(shuttingDownEvent, lambdaContext);

    // Assess
    expect(ec2).toHaveReceivedCommandWith(DisassociateAddressCommand, { AssociationId: 'eipassoc-1' });
    expect(ec2).not.toHaveReceivedCommand(ReleaseAddressCommand);
  });

  it("gives a shutting-down node's address to a waiting node in the same run, though EC2 still reads it as associated", async () => {
    // Prepare
    const leaving = prodNode(EVENT_INSTANCE, 5, 'shutting-down');
    const kept = prodNode('i-0000000000000000a', 1);
    const waiting = prodNode('i-0000000000000000b', 6);
    ec2.on(DescribeInstancesCommand).resolves(reservations([leaving, kept, waiting]));
    // Every read answers the state before the disassociation: EC2's reads are eventually consistent.
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [egressAddress(1, leaving), egressAddress(2, kept)] });
    ec2.on(DisassociateAddressCommand).resolves({});
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-0c00000000000001' });
    captureLogLines();

    // Act
    await handler(shuttingDownEvent, lambdaContext);

    // Assess
    expect(ec2).toHaveReceivedCommandWith(DisassociateAddressCommand, { AssociationId: 'eipassoc-1' });
    expect(ec2).toHaveReceivedCommandWith(AssociateAddressCommand, {
      AllocationId: 'eipalloc-00000000000000001',
      NetworkInterfaceId: 'eni-00000000000000006',
      AllowReassociation: false,
    });
  });

  it('keeps the address on a spot node with an interruption warning when no node waits for one', async () => {
    // Prepare
    const node = prodNode(EVENT_INSTANCE, 5);
    ec2.on(DescribeInstancesCommand).resolves(reservations([node]));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [egressAddress(1, node), egressAddress(2)] });
    captureLogLines();

    // Act
    const response = answered(await handler(spotEvent, lambdaContext));

    // Assess
    expect(ec2).not.toHaveReceivedCommand(DisassociateAddressCommand);
    expect(ec2).not.toHaveReceivedCommand(AssociateAddressCommand);
    expect(response.reports[0]?.status).toBe('Converged');
  });

  it('reads only the instance for an event about an instance in no pool', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolves(reservations([{ InstanceId: EVENT_INSTANCE, State: { Name: 'running' }, Tags: [{ Key: 'role', Value: 'bastion' }] }]));
    const logs = captureLogLines();

    // Act
    const response = answered(await handler(runningEvent, lambdaContext));

    // Assess
    expect(response.reports).toEqual([]);
    expect(ec2.calls()).toHaveLength(1);
    expect(logs.lines().find((line) => line.message === 'instance belongs to no pool')).toMatchObject({ instanceId: EVENT_INSTANCE });
  });

  it('ignores an EC2 event from another account or Region: no AWS call', async () => {
    // Prepare
    captureLogLines();

    // Act
    const response = answered(await handler({ ...runningEvent, region: 'us-east-1' }, lambdaContext));

    // Assess
    expect(response.reports).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('plans on a manual plan invoke and writes nothing', async () => {
    // Prepare
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservations([prodNode('i-0000000000000000a', 1)]));
    captureLogLines();

    // Act
    const response = answered(await handler(planEvent, lambdaContext));

    // Assess
    expect(response.reports[0]).toMatchObject({ mode: 'plan', status: 'Drifted' });
    expect(response.reports[0]?.plan).toContain('  Pools:');
    expect(ec2).not.toHaveReceivedCommand(AllocateAddressCommand);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('answers an EC2 event it does not handle with an error object naming the field, so Lambda does not retry it, before any AWS call', async () => {
    // Prepare
    const logs = captureLogLines();

    // Act
    const answer = await handler({ ...runningEvent, detail: { 'instance-id': EVENT_INSTANCE, state: 'exploded' } }, lambdaContext);

    // Assess
    expect(rejected(answer)).toEqual({
      name: 'InvalidEventError',
      message: 'unexpected event: detail.state: expected one of "pending"|"running"|"shutting-down"|"terminated"|"stopping"|"stopped"',
      field: 'detail.state',
      reason: 'expected one of "pending"|"running"|"shutting-down"|"terminated"|"stopping"|"stopped"',
      issues: [{ field: 'detail.state', reason: 'expected one of "pending"|"running"|"shutting-down"|"terminated"|"stopping"|"stopped"' }],
      retryable: false,
    });
    expect(ec2.calls()).toHaveLength(0);
    expect(logs.lines().filter((line) => line.message === 'invocation failed')).toHaveLength(1);
  });

  it('answers a manual invoke naming a pool the specs do not have with the field and the pools there are', async () => {
    // Prepare
    captureLogLines();

    // Act
    const answer = await handler({ mode: 'apply', cluster: 'financial-move', pools: ['egress', 'egres'] }, lambdaContext);

    // Assess
    const error = rejected(answer);
    expect(error).toMatchObject({ name: 'InvalidEventError', field: 'pools[1]', retryable: false });
    expect(error.reason).toMatch(/^no pool named egres; the selected specs have .*egress/);
    expect(error).not.toHaveProperty('stack');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('answers a manual invoke with a wrong mode with the field and the reason, and cuts a 10,000-character cluster name', async () => {
    // Prepare
    const logs = captureLogLines();
    const huge = 'c'.repeat(10_000);

    // Act
    const wrongMode = rejected(await handler({ mode: 'destroy' }, lambdaContext));
    const unknownCluster = rejected(await handler({ mode: 'plan', cluster: huge }, lambdaContext));

    // Assess
    expect(wrongMode).toMatchObject({ field: 'mode', reason: 'expected one of "plan"|"apply"' });
    expect(unknownCluster).toMatchObject({ field: 'cluster' });
    expect(unknownCluster.reason).toContain(`"${'c'.repeat(200)}… (10000 characters)"`);
    expect(logs.raw()).not.toContain('c'.repeat(201));
  });

  it('publishes per-pool metrics and an AddressLimitExceeded count the alarm watches when the quota stops a pool', async () => {
    // Prepare
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservations([]));
    ec2.on(AllocateAddressCommand).rejects(
      new EC2ServiceException({
        name: 'AddressLimitExceeded',
        $fault: 'client',
        $metadata: {},
        message: 'The maximum number of addresses has been reached.',
      }),
    );
    const logs = captureLogLines();

    // Act
    const response = answered(await handler(scheduleEvent, lambdaContext));

    // Assess
    expect(response.reports[0]?.status).toBe('Blocked');
    expect(response.reports[0]?.pools.map((pool) => [pool.pool, pool.missing, pool.quotaExhausted])).toEqual([
      ['egress', 2, true],
      ['ingress', 2, true],
    ]);
    const metrics = logs.lines().filter((line) => '_aws' in line);
    const named = (name: string): Record<string, unknown>[] => metrics.filter((line) => name in line);
    expect(named('ElasticIpsMissing')).toEqual([
      expect.objectContaining({ Cluster: 'financial-move', Pool: 'egress', ElasticIpsMissing: 2, service: 'eip-manager' }),
      expect.objectContaining({ Cluster: 'financial-move', Pool: 'ingress', ElasticIpsMissing: 2, service: 'eip-manager' }),
    ]);
    expect(named('ElasticIpsSurplus').map((line) => [line.Pool, line.ElasticIpsSurplus])).toEqual([
      ['egress', 0],
      ['ingress', 0],
    ]);
    const alarmed = named('AddressLimitExceeded').filter((line) => !('Pool' in line));
    expect(alarmed).toHaveLength(2);
    expect(alarmed[0]).toMatchObject({
      service: 'eip-manager',
      AddressLimitExceeded: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: 'EksPilot', Dimensions: [['service']] }] },
    });
    expect(
      logs
        .lines()
        .filter((line) => line.message === 'elastic IP quota reached')
        .map((line) => (line.error as { message: string }).message),
    ).toEqual([
      expect.stringContaining('pool egress of financial-move lacks 2 of its 2 Elastic IP addresses'),
      expect.stringContaining('pool ingress of financial-move lacks 2 of its 2 Elastic IP addresses'),
    ]);
  });

  it("takes each pool's lease in the pools' Region with a conditional write, and gives it back when done", async () => {
    // Prepare
    captureLogLines();
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservations([]));
    ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-0000000000000000f', PublicIp: '198.51.100.15' });

    // Act
    await handler({ mode: 'apply', cluster: 'financial-move', pools: ['ingress'] }, lambdaContext);

    // Assess
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'eks-pilot-leases',
      ConditionExpression: 'attribute_not_exists(leaseKey) OR expiresAt < :now OR #owner = :owner',
      Item: expect.objectContaining({ leaseKey: { S: 'eip-pool/sa-east-1/financial-move/ingress' } }) as unknown,
    });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, {
      TableName: 'eks-pilot-leases',
      Key: { leaseKey: { S: 'eip-pool/sa-east-1/financial-move/ingress' } },
    });
    expect(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.owner).toEqual(
      dynamodb.commandCalls(DeleteItemCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':owner'],
    );
  });

  it("answers InProgress and sends no EC2 or SSM write when another run holds the pool's lease", async () => {
    // Prepare
    captureLogLines();
    dynamodb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        leaseKey: { S: 'eip-pool/sa-east-1/financial-move/ingress' },
        owner: { S: 'run-a' },
        holder: { S: 'cli ops@laptop' },
        expiresAt: { N: String(Date.parse('2030-01-01T00:00:00Z')) },
      },
    });
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
    ec2.on(DescribeInstancesCommand).resolves(reservations([]));

    // Act
    const response = answered(await handler({ mode: 'apply', cluster: 'financial-move', pools: ['ingress'] }, lambdaContext));

    // Assess
    expect(response.reports[0]?.status).toBe('InProgress');
    expect(response.reports[0]?.pools[0]?.summary).toMatch(
      /^another run holds the pool's lease: cli ops@laptop \(run run-a, lease until 2030-01-01T00:00:00.000Z\); this run wrote nothing/,
    );
    expect(ec2).not.toHaveReceivedCommand(AllocateAddressCommand);
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    expect(dynamodb).not.toHaveReceivedCommand(DeleteItemCommand);
  });
});
