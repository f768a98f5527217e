/**
 * The AWS SDK doubled at the client, as the handler tests double it (aws-sdk-client-mock replaces
 * each client class's `send`), with every call counted per API action and classed as a read or a
 * write. Where a test fake models a service (testing/fake-eks.ts, fake-ec2.ts, the
 * scale-watch FakeCloudWatch), its state answers the SDK's commands, so a run sees an account as
 * those fakes keep it. A local "tripwire" endpoint in AWS_ENDPOINT_URL catches any call that would
 * still leave the process: the bench stays offline, and such a call is counted, not lost.
 */
import { createServer } from 'node:http';
import { AutoScalingClient, CreateOrUpdateTagsCommand, DeleteTagsCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { CreateOrUpdateTagsCommandInput, DeleteTagsCommandInput, DescribeAutoScalingGroupsCommandInput } from '@aws-sdk/client-auto-scaling';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import type { DescribeAlarmsCommandInput, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeAddressesCommand, DescribeInstancesCommand, DescribeNatGatewaysCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import type { DescribeInstancesCommandInput, DescribeNatGatewaysCommandInput } from '@aws-sdk/client-ec2';
import {
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ListNodegroupsCommand,
  ListUpdatesCommand,
  DescribePodIdentityAssociationCommand,
  ListPodIdentityAssociationsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import type {
  DescribeAccessEntryCommandInput,
  DescribeAddonCommandInput,
  DescribeClusterCommandInput,
  DescribeNodegroupCommandInput,
  DescribeUpdateCommandInput,
  ListAccessEntriesCommandInput,
  ListAssociatedAccessPoliciesCommandInput,
  ListNodegroupsCommandInput,
  ListUpdatesCommandInput,
  DescribePodIdentityAssociationCommandInput,
  ListPodIdentityAssociationsCommandInput,
} from '@aws-sdk/client-eks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { GetParameterCommandInput, PutParameterCommandInput } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { FakeCloudWatch } from './scale-watch-fakes';
import type { FakeEc2 } from './fake-ec2';
import type { FakeEks } from './fake-eks';
import type { FakeAutoScaling } from './fake-autoscaling';

/** Actions that only read: Describe*, List*, Get*, BatchGet*. Everything else counts as a write. */
const READ_ACTION = /^(Describe|List|Get|BatchGet)/;

/**
 * The services whose calls are the run's own bookkeeping (its leases, its release records), not a
 * read or write of the account's resources: counted by action, never as reads or writes.
 */
const BOOKKEEPING_SERVICES = new Set(['DynamoDB']);

/** Calls counted over one stretch of a run. */
export interface CallTally {
  reads: number;
  writes: number;
  /** Calls to the run's own bookkeeping (DynamoDB: leases, release records), also listed in byAction. */
  bookkeeping: number;
  /** `EKS DescribeNodegroup` -> how many. */
  byAction: Record<string, number>;
}

/** What counting needs of a client's stub, whatever its client class. */
interface CountedStub {
  clientName(): string;
  resetHistory(): unknown;
  calls(): { args: readonly unknown[] }[];
  onAnyCommand(): { callsFake(fn: () => unknown): unknown };
}

function actionOf(command: unknown): string {
  return typeof command === 'object' && command !== null ? command.constructor.name.replace(/Command$/, '') : 'unknown';
}

/**
 * Doubles every SDK client class the functions use. Without further setup a command answers `{}`
 * (so a write a converged run should not send is counted and does not crash the run).
 *
 * @example
 * const aws = doubleAwsClients();
 * bridgeEks(aws.eks, fakeEks);
 * aws.resetHistory();
 * await handler(event, lambdaContext);
 * aws.tally(); // { reads: 11, writes: 0, bookkeeping: 0, byAction: { 'EKS DescribeCluster': 1, ... } }
 */
export function doubleAwsClients() {
  const stubs = {
    eks: mockClient(EKSClient),
    autoScaling: mockClient(AutoScalingClient),
    ec2: mockClient(EC2Client),
    ssm: mockClient(SSMClient),
    sqs: mockClient(SQSClient),
    sns: mockClient(SNSClient),
    cloudWatch: mockClient(CloudWatchClient),
    secretsManager: mockClient(SecretsManagerClient),
    sts: mockClient(STSClient),
    // Leases and release records: `{}` is a conditional write that held, a lease taken.
    dynamodb: mockClient(DynamoDBClient),
  };
  const all: CountedStub[] = Object.values(stubs);
  for (const stub of all) stub.onAnyCommand().callsFake(() => ({}));
  return {
    ...stubs,
    resetHistory(): void {
      for (const stub of all) stub.resetHistory();
    },
    tally(): CallTally {
      const byAction: Record<string, number> = {};
      let reads = 0;
      let writes = 0;
      let bookkeeping = 0;
      for (const stub of all) {
        const service = stub.clientName().replace(/Client$/, '');
        for (const call of stub.calls()) {
          const action = actionOf(call.args[0]);
          const key = `${service} ${action}`;
          byAction[key] = (byAction[key] ?? 0) + 1;
          if (BOOKKEEPING_SERVICES.has(service)) bookkeeping += 1;
          else if (READ_ACTION.test(action)) reads += 1;
          else writes += 1;
        }
      }
      return { reads, writes, bookkeeping, byAction };
    },
  };
}

export type AwsDoubles = ReturnType<typeof doubleAwsClients>;

/**
 * Sends whatever would still reach AWS to a local endpoint that refuses it (400, not retried) and
 * records it; also gives the SDK static credentials, so nothing looks for instance metadata.
 *
 * @example
 * const tripwire = await startTripwire();
 * tripwire.requests; // [] when every call was doubled
 */
export async function startTripwire(): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method ?? ''} ${request.headers.host ?? ''}${request.url ?? ''} ${String(request.headers['x-amz-target'] ?? '')}`.trim());
    request.resume();
    response.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'BenchTripwire' });
    response.end(JSON.stringify({ __type: 'BenchTripwire', message: 'this call was not doubled by the bench' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function eksNotFound(what: string): ResourceNotFoundException {
  return new ResourceNotFoundException({ message: `No ${what} found.`, $metadata: {} });
}

/**
 * EKS reads answered from a {@link FakeEks} (a null becomes ResourceNotFoundException, as EKS
 * answers); writes keep the default `{}` and are counted.
 */
/**
 * Answers the Auto Scaling commands provision sends from a {@link FakeAutoScaling} (the groups of
 * the FakeEks it was built on), as the SDK would (DescribeAutoScalingGroups' `AutoScalingGroups`).
 *
 * @example
 * bridgeAutoScaling(aws.autoScaling, new FakeAutoScaling(fakeEks));
 */
export function bridgeAutoScaling(stub: AwsDoubles['autoScaling'], autoScaling: FakeAutoScaling): void {
  stub.on(DescribeAutoScalingGroupsCommand).callsFake(async (input: DescribeAutoScalingGroupsCommandInput) => ({
    AutoScalingGroups: await autoScaling.describeAutoScalingGroups(input.AutoScalingGroupNames ?? []),
  }));
  stub.on(CreateOrUpdateTagsCommand).callsFake((input: CreateOrUpdateTagsCommandInput) => autoScaling.execute({ kind: 'CreateOrUpdateTags', request: input }));
  stub.on(DeleteTagsCommand).callsFake((input: DeleteTagsCommandInput) => autoScaling.execute({ kind: 'DeleteTags', request: input }));
}

export function bridgeEks(stub: AwsDoubles['eks'], eks: FakeEks): void {
  stub.on(DescribeClusterCommand).callsFake(async (input: DescribeClusterCommandInput) => {
    const cluster = await eks.describeCluster(input.name ?? '');
    if (cluster === null) throw eksNotFound(`cluster ${input.name ?? ''}`);
    return { cluster };
  });
  stub.on(DescribeNodegroupCommand).callsFake(async (input: DescribeNodegroupCommandInput) => {
    const nodegroup = await eks.describeNodegroup(input.clusterName ?? '', input.nodegroupName ?? '');
    if (nodegroup === null) throw eksNotFound(`node group ${input.nodegroupName ?? ''}`);
    return { nodegroup };
  });
  stub.on(ListNodegroupsCommand).callsFake(async (input: ListNodegroupsCommandInput) => ({ nodegroups: await eks.listNodegroups(input.clusterName ?? '') }));
  stub.on(DescribeAddonCommand).callsFake(async (input: DescribeAddonCommandInput) => {
    const addon = await eks.describeAddon(input.clusterName ?? '', input.addonName ?? '');
    if (addon === null) throw eksNotFound(`add-on ${input.addonName ?? ''}`);
    return { addon };
  });
  stub
    .on(ListAccessEntriesCommand)
    .callsFake(async (input: ListAccessEntriesCommandInput) => ({ accessEntries: await eks.listAccessEntries(input.clusterName ?? '') }));
  stub.on(DescribeAccessEntryCommand).callsFake(async (input: DescribeAccessEntryCommandInput) => {
    const accessEntry = await eks.describeAccessEntry(input.clusterName ?? '', input.principalArn ?? '');
    if (accessEntry === null) throw eksNotFound(`access entry ${input.principalArn ?? ''}`);
    return { accessEntry };
  });
  stub.on(ListAssociatedAccessPoliciesCommand).callsFake(async (input: ListAssociatedAccessPoliciesCommandInput) => ({
    clusterName: input.clusterName,
    principalArn: input.principalArn,
    associatedAccessPolicies: await eks.listAssociatedAccessPolicies(input.clusterName ?? '', input.principalArn ?? ''),
  }));
  stub.on(ListUpdatesCommand).callsFake(async (input: ListUpdatesCommandInput) => ({ updateIds: await eks.listUpdates(input) }));
  stub.on(DescribeUpdateCommand).callsFake(async (input: DescribeUpdateCommandInput) => {
    const update = await eks.describeUpdate(input);
    if (update === null) throw eksNotFound(`update ${input.updateId ?? ''}`);
    return { update };
  });
  stub
    .on(ListPodIdentityAssociationsCommand)
    .callsFake(async (input: ListPodIdentityAssociationsCommandInput) => ({ associations: await eks.listPodIdentityAssociations(input.clusterName ?? '') }));
  stub.on(DescribePodIdentityAssociationCommand).callsFake(async (input: DescribePodIdentityAssociationCommandInput) => {
    const association = await eks.describePodIdentityAssociation(input.clusterName ?? '', input.associationId ?? '');
    if (association === null) throw eksNotFound(`pod identity association ${input.associationId ?? ''}`);
    return { association };
  });
}

/** EC2 reads answered from a {@link FakeEc2}; writes keep the default `{}` and are counted. */
export function bridgeEc2(stub: AwsDoubles['ec2'], ec2: FakeEc2): void {
  stub.on(DescribeAddressesCommand).callsFake(async () => ({ Addresses: await ec2.describeAddresses() }));
  stub.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
    const [instanceId] = input.InstanceIds ?? [];
    if (instanceId === undefined) return { Reservations: [{ Instances: await ec2.describeInstances(input.Filters ?? []) }] };
    const instance = await ec2.describeInstance(instanceId);
    if (instance === null) {
      throw new EC2ServiceException({
        name: 'InvalidInstanceID.NotFound',
        $fault: 'client',
        $metadata: {},
        message: `The instance ID '${instanceId}' does not exist`,
      });
    }
    return { Reservations: [{ Instances: [instance] }] };
  });
  stub.on(DescribeNatGatewaysCommand).callsFake(async (input: DescribeNatGatewaysCommandInput) => {
    const ids = (input.Filter ?? []).filter((filter) => filter.Name === 'nat-gateway-id').flatMap((filter) => filter.Values ?? []);
    return { NatGateways: await ec2.describeNatGateways([...ids, ...(input.NatGatewayIds ?? [])]) };
  });
}

/** SSM String parameters held in a map: GetParameter and PutParameter. */
export function bridgeSsmParameters(stub: AwsDoubles['ssm'], parameters: Map<string, string>): void {
  stub.on(GetParameterCommand).callsFake((input: GetParameterCommandInput) => {
    const value = parameters.get(input.Name ?? '');
    if (value === undefined) throw new ParameterNotFound({ message: 'Parameter not found', $metadata: {} });
    return { Parameter: { Name: input.Name, Value: value, Type: 'String', Version: 1 } };
  });
  stub.on(PutParameterCommand).callsFake((input: PutParameterCommandInput) => {
    parameters.set(input.Name ?? '', input.Value ?? '');
    return { Version: 1 };
  });
}

/** CloudWatch alarms answered from, and written to, a {@link FakeCloudWatch}. */
export function bridgeCloudWatch(stub: AwsDoubles['cloudWatch'], cloudWatch: FakeCloudWatch): void {
  stub.on(DescribeAlarmsCommand).callsFake(async (input: DescribeAlarmsCommandInput) => {
    const described = await cloudWatch.describeAlarms(input.AlarmNames !== undefined ? { names: input.AlarmNames } : { prefix: input.AlarmNamePrefix ?? '' });
    return { MetricAlarms: described.metricAlarms, CompositeAlarms: described.compositeAlarms };
  });
  stub.on(PutMetricAlarmCommand).callsFake(async (input: PutMetricAlarmCommandInput) => {
    await cloudWatch.putMetricAlarm(input);
    return {};
  });
}
