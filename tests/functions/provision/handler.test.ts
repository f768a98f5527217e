import { CreateClusterCommand, DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import path from 'node:path';
import { handler } from '../../../functions/provision/handler';
import applyEvent from '../../../events/provision/apply.json';
import planEvent from '../../../events/provision/plan-kianax.json';
import scheduleEvent from '../../../events/provision/schedule.json';
import { lambdaContext } from '../../../testing/lambda-context';
import { answered, rejected } from '../../../testing/answers';
import { captureLogLines } from '../../../testing/log-lines';

const EXAMPLES = path.join(__dirname, '../../../examples');
const eks = mockClient(EKSClient);
// The lease table an apply takes the cluster's lease in.
const dynamodb = mockClient(DynamoDBClient);
const notFound = new ResourceNotFoundException({ message: 'No cluster found for name: kianax.', $metadata: {} });

describe('provision handler', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = { ...originalEnv, EKS_PILOT_SPECS: path.join(EXAMPLES, 'kianax'), POWERTOOLS_METRICS_DISABLED: 'true' };
    eks.reset();
    dynamodb.reset();
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(DeleteItemCommand).resolves({});
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  it('plans a missing cluster on a manual plan invoke, printing the CLI plan and sending no write', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(notFound);
    captureLogLines();

    // Act
    const response = answered(await handler(planEvent, lambdaContext));

    // Assess
    const [report] = response.reports;
    expect(report).toMatchObject({ cluster: 'kianax', mode: 'plan', status: 'Drifted' });
    expect(report?.drift).toContain('cluster/kianax missing');
    expect(report?.plan?.[0]).toBe(`Cluster kianax (us-east-1) from ${path.join(EXAMPLES, 'kianax', 'cluster.yaml')}`);
    expect(eks).toHaveReceivedCommandWith(DescribeClusterCommand, { name: 'kianax' });
    expect(eks).not.toHaveReceivedCommand(CreateClusterCommand);
  });

  it('only reports drift on the schedule when the spec says report', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(notFound);
    captureLogLines();

    // Act
    const response = answered(await handler(scheduleEvent, lambdaContext));

    // Assess
    expect(response.reports.map((report) => [report.mode, report.status])).toEqual([['plan', 'Drifted']]);
    expect(eks).not.toHaveReceivedCommand(CreateClusterCommand);
  });

  it('creates the cluster on apply and reports the rest as waiting for it', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(notFound);
    eks.on(CreateClusterCommand).resolves({ cluster: { name: 'kianax', status: 'CREATING' } });
    const logs = captureLogLines();

    // Act
    const response = answered(await handler(applyEvent, lambdaContext));

    // Assess
    const [report] = response.reports;
    expect(report?.status).toBe('InProgress');
    expect(report?.executed).toEqual([{ kind: 'CreateCluster', target: 'cluster/kianax' }]);
    expect(report?.deferred.length).toBeGreaterThan(0);
    expect(report?.deferred.every((item) => item.reason.startsWith('waits for '))).toBe(true);
    expect(eks).toHaveReceivedCommandTimes(CreateClusterCommand, 1);
    expect(eks).toHaveReceivedCommandWith(CreateClusterCommand, { name: 'kianax', version: '1.31' });
    const applied = logs.lines().find((line) => line.message === 'eks action applied');
    expect(applied).toMatchObject({ action: 'CreateCluster', cluster: 'kianax', function_request_id: lambdaContext.awsRequestId });
    // Under the cluster's lease, held in the name of this invocation, and given back.
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'eks-pilot-leases',
      Item: expect.objectContaining({
        leaseKey: { S: 'provision/us-east-1/kianax' },
        holder: { S: expect.stringContaining(`(request ${lambdaContext.awsRequestId})`) as unknown },
      }) as unknown,
    });
    expect(dynamodb).toHaveReceivedCommandWith(DeleteItemCommand, { Key: { leaseKey: { S: 'provision/us-east-1/kianax' } } });
  });

  it('answers a manual invoke with a wrong mode with an error object naming the field and the reason, without a stack, before any AWS call', async () => {
    // Prepare
    const logs = captureLogLines();

    // Act
    const answer = await handler({ mode: 'destroy' }, lambdaContext);

    // Assess
    expect(answer).toEqual({
      error: {
        name: 'InvalidEventError',
        message: 'unexpected event: mode: expected one of "plan"|"apply"',
        field: 'mode',
        reason: 'expected one of "plan"|"apply"',
        issues: [{ field: 'mode', reason: 'expected one of "plan"|"apply"' }],
        retryable: false,
      },
    });
    expect(eks.calls()).toHaveLength(0);
    expect(logs.lines().filter((line) => line.message === 'invocation failed')).toHaveLength(1);
  });

  it('answers an event matching no known shape with what it expected, rather than failing so Lambda retries it', async () => {
    // Prepare
    captureLogLines();

    // Act
    const answer = await handler({ hello: 'world' }, lambdaContext);

    // Assess
    expect(rejected(answer)).toMatchObject({
      name: 'InvalidEventError',
      field: '(event)',
      reason:
        'expected a scheduled event (detail-type "Scheduled Event"), a fleet queue batch (Records), a manual invoke {"mode": "plan" | "apply", "cluster"?, "only"?} or a rebuild {"action": "rebuild", "cluster"}',
    });
  });

  it('answers a manual invoke whose only names a target that does not exist with the field, the target and the valid targets, before any AWS call', async () => {
    // Prepare
    captureLogLines();

    // Act
    const answer = await handler({ mode: 'apply', only: ['nodegroup/nope'] }, lambdaContext);

    // Assess
    const error = rejected(answer);
    expect(error).toMatchObject({ name: 'UnknownTargetError', field: 'only[0]', retryable: false });
    expect(error.reason).toMatch(/^no spec has the target nodegroup\/nope; the targets are cluster\/kianax, nodegroup\/general-ng, /);
    expect(error.message).toMatch(/^only names nodegroup\/nope, which no spec has; /);
    expect(JSON.stringify(answer)).not.toMatch(/stack|\n\s+at /);
    expect(eks.calls()).toHaveLength(0);
  });

  it('names the clusters it knows when a manual invoke asks for another, cutting a 10,000-character name to 200', async () => {
    // Prepare
    const logs = captureLogLines();
    const huge = 'n'.repeat(10_000);

    // Act
    const nope = rejected(await handler({ mode: 'plan', cluster: 'nope' }, lambdaContext));
    const long = rejected(await handler({ mode: 'plan', cluster: huge }, lambdaContext));

    // Assess
    expect(nope).toMatchObject({ field: 'cluster', reason: 'no spec for cluster "nope"; the specs name kianax' });
    expect(long.reason).toBe(`no spec for cluster "${'n'.repeat(200)}… (10000 characters)"; the specs name kianax`);
    expect(logs.raw()).not.toContain('n'.repeat(201));
  });
});
