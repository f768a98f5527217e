import { createHash } from 'node:crypto';
import { NotFoundException, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { DeleteParameterCommand, GetParameterCommand, InternalServerError, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { DriftMemory } from '../../../../shared/ports/drift-memory';
import type { Notifier } from '../../../../shared/ports/notifier';
import { driftNotification } from '../../../../functions/provision/notify';
import type { ClusterReport } from '../../../../functions/provision/run';
import { awsClient, resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { SnsNotifier, createSnsNotifier } from '../../../../shared/adapters/aws/sns-notifier';
import { STANDARD_PARAMETER_LIMIT, SsmDriftMemory, createSsmDriftMemory } from '../../../../shared/adapters/aws/ssm-drift-memory';
import { EksPilotError, UpstreamError } from '../../../../shared/errors';
import { rejectionOf } from '../../../../testing/rejection';

const PREFIX = '/eks-pilot/dev/drift';
const NAME = '/eks-pilot/dev/drift/eu-west-1/payments';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:eks-pilot-drift';
const SCALING_MAX = 'nodegroup/jobs-ng scaling.max';
const SCALING_MIN = 'nodegroup/jobs-ng scaling.min';

const ssmMock = mockClient(SSMClient);
const snsMock = mockClient(SNSClient);

/** The error a promise rejects with; fails the test if it resolves or rejects with a non-Error. */
function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Distinct drift entries whose JSON array is longer than a standard parameter holds. */
function manyEntries(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `accessentry/arn:aws:iam::123456789012:role/team-${String(index).padStart(3, '0')}-admins kubernetesGroups`,
  );
}

describe('SsmDriftMemory', () => {
  let memory: SsmDriftMemory;

  beforeEach(() => {
    ssmMock.reset();
    memory = new SsmDriftMemory(new SSMClient({ region: 'eu-west-1' }), PREFIX);
  });

  it('is the drift memory notify works against', () => {
    // Prepare
    const port: DriftMemory = memory;

    // Act
    const name = memory.parameterName('eu-west-1', 'payments');

    // Assess
    expect(port).toBe(memory);
    expect(name).toBe(NAME);
  });

  it('drops a trailing slash from the prefix', () => {
    // Prepare
    const withSlash = new SsmDriftMemory(new SSMClient({ region: 'eu-west-1' }), `${PREFIX}/`);

    // Act
    const name = withSlash.parameterName('eu-west-1', 'payments');

    // Assess
    expect(name).toBe(NAME);
  });

  it('refuses a prefix that is not a parameter path', () => {
    // Prepare
    const build = (): SsmDriftMemory => new SsmDriftMemory(new SSMClient({ region: 'eu-west-1' }), 'eks-pilot/dev/drift');

    // Act
    // Assess
    expect(build).toThrow(EksPilotError);
  });

  it('recalls the entries stored in the cluster’s parameter', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Type: 'String', Value: JSON.stringify([SCALING_MAX, SCALING_MIN]) } });

    // Act
    const recalled = await memory.recall('eu-west-1', 'payments');

    // Assess
    expect(recalled).toEqual([SCALING_MAX, SCALING_MIN]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ssmMock.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: NAME });
  });

  it('recalls nothing (null) when the parameter does not exist', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } }));

    // Act
    const recalled = await memory.recall('eu-west-1', 'payments');

    // Assess
    expect(recalled).toBeNull();
  });

  it.each([
    ['not JSON', 'nodegroup/jobs-ng scaling.max'],
    ['JSON but not an array of strings', '{"drift":1}'],
  ])('recalls an empty set from a value that is %s, so the next change overwrites or deletes it', async (_label, value) => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Type: 'String', Value: value } });

    // Act
    const recalled = await memory.recall('eu-west-1', 'payments');

    // Assess
    expect(recalled).toEqual([]);
  });

  it('reports any other read failure as an upstream error naming the action and parameter', async () => {
    // Prepare
    const thrown = new InternalServerError({ message: 'Internal failure', $metadata: { httpStatusCode: 500 } });
    ssmMock.on(GetParameterCommand).rejects(thrown);

    // Act
    const error = await rejectionOf(memory.recall('eu-west-1', 'payments'));

    // Assess
    expect(error.constructor).toBe(UpstreamError);
    expect(error.message).toBe('GetParameter failed: InternalServerError: Internal failure');
    expect(error).toHaveProperty('context', { action: 'GetParameter', name: NAME });
    expect(error.cause).toBe(thrown);
  });

  it('remembers the sorted, distinct entries as a JSON array in a String parameter it overwrites', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 2, Tier: 'Standard' });

    // Act
    await memory.remember('eu-west-1', 'payments', [SCALING_MIN, SCALING_MAX, SCALING_MIN]);

    // Assess
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: NAME,
      Value: JSON.stringify([SCALING_MAX, SCALING_MIN]),
      Type: 'String',
      Overwrite: true,
    });
  });

  it('remembers SHA-256 digests when the entries would not fit a standard parameter, and notify recognises them', async () => {
    // Prepare
    const entries = manyEntries(55);
    ssmMock.on(PutParameterCommand).resolves({ Version: 1 });

    // Act
    await memory.remember('eu-west-1', 'payments', entries);

    // Assess
    const value = ssmMock.commandCalls(PutParameterCommand)[0]?.args[0].input.Value ?? '';
    expect(JSON.stringify(entries).length).toBeGreaterThan(STANDARD_PARAMETER_LIMIT);
    expect(value.length).toBeLessThanOrEqual(STANDARD_PARAMETER_LIMIT);
    expect(JSON.parse(value)).toEqual(entries.map(sha256).sort());
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Type: 'String', Value: value } });
    const report = {
      cluster: 'payments',
      region: 'eu-west-1',
      mode: 'plan',
      status: 'Drifted',
      summary: '',
      drift: entries,
      executed: [],
      deferred: [],
      blocked: [],
    } satisfies ClusterReport;
    expect(driftNotification(report, await memory.recall('eu-west-1', 'payments'))).toBeNull();
  });

  it('refuses, without writing, drift too large to remember even as digests', async () => {
    // Prepare
    const entries = manyEntries(100);

    // Act
    const error = await rejectionOf(memory.remember('eu-west-1', 'payments', entries));

    // Assess
    expect(error).toBeInstanceOf(EksPilotError);
    expect(error).toHaveProperty('context', expect.objectContaining({ name: NAME, entries: 100 }));
    expect(ssmMock).not.toHaveReceivedAnyCommand();
  });

  it('reports a failed write as an upstream error naming the action and parameter', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).rejects(new Error('socket hang up'));

    // Act
    const error = await rejectionOf(memory.remember('eu-west-1', 'payments', [SCALING_MAX]));

    // Assess
    expect(error.constructor).toBe(UpstreamError);
    expect(error).toHaveProperty('context', { action: 'PutParameter', name: NAME });
  });

  it('forgets by deleting the cluster’s parameter', async () => {
    // Prepare
    ssmMock.on(DeleteParameterCommand).resolves({});

    // Act
    await memory.forget('eu-west-1', 'payments');

    // Assess
    expect(ssmMock).toHaveReceivedCommandTimes(DeleteParameterCommand, 1);
    expect(ssmMock.commandCalls(DeleteParameterCommand)[0]?.args[0].input).toEqual({ Name: NAME });
  });

  it('treats forgetting a parameter that is already gone as done', async () => {
    // Prepare
    ssmMock.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } }));

    // Act
    const forgetting = memory.forget('eu-west-1', 'payments');

    // Assess
    await expect(forgetting).resolves.toBeUndefined();
    expect(ssmMock).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: NAME });
  });

  it('reports any other delete failure as an upstream error', async () => {
    // Prepare
    const thrown = new InternalServerError({ message: 'Internal failure', $metadata: { httpStatusCode: 500 } });
    ssmMock.on(DeleteParameterCommand).rejects(thrown);

    // Act
    const error = await rejectionOf(memory.forget('eu-west-1', 'payments'));

    // Assess
    expect(error.constructor).toBe(UpstreamError);
    expect(error).toHaveProperty('context', { action: 'DeleteParameter', name: NAME });
    expect(error.cause).toBe(thrown);
  });
});

describe('SnsNotifier', () => {
  let notifier: SnsNotifier;

  beforeEach(() => {
    snsMock.reset();
    notifier = new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN);
  });

  it('publishes the subject and message to its topic', async () => {
    // Prepare
    const port: Notifier = notifier;
    snsMock.on(PublishCommand).resolves({ MessageId: '5d2bd7f3-6b0e-5f8a-9a8e-2f4f0c1d8e7a' });

    // Act
    await port.publish('eks-pilot: new drift on payments (eu-west-1)', 'New drift on EKS cluster payments in eu-west-1.');

    // Assess
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC_ARN,
      Subject: 'eks-pilot: new drift on payments (eu-west-1)',
      Message: 'New drift on EKS cluster payments in eu-west-1.',
    });
  });

  it.each([
    [
      'throttling that outlived the SDK retries',
      new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }),
      'ThrottledException: Rate exceeded',
    ],
    [
      'a topic that does not exist',
      new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }),
      'NotFoundException: Topic does not exist',
    ],
  ])('reports %s as an upstream error naming the action and topic, not the message', async (_label, thrown, detail) => {
    // Prepare
    snsMock.on(PublishCommand).rejects(thrown);

    // Act
    const error = await rejectionOf(notifier.publish('subject', 'New drift on EKS cluster payments'));

    // Assess
    expect(error.constructor).toBe(UpstreamError);
    expect(error.message).toBe(`Publish failed: ${detail}`);
    expect(error.message).not.toContain('New drift');
    expect(error).toHaveProperty('context', { action: 'Publish', topicArn: TOPIC_ARN });
    expect(error.cause).toBe(thrown);
  });
});

describe('factories', () => {
  beforeEach(() => {
    ssmMock.reset();
    snsMock.reset();
    resetAwsClients();
  });

  afterEach(() => {
    resetAwsClients();
  });

  it('builds the drift memory on the shared factory’s SSM client for the region given', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    // Act
    const memory = createSsmDriftMemory({ region: 'eu-central-1', prefix: PREFIX });
    await memory.recall('eu-west-1', 'payments');

    // Assess
    expect(memory).toBeInstanceOf(SsmDriftMemory);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: NAME });
    // The factory caches one client per region, so this is the instance the adapter used.
    expect(ssmMock.call(0).thisValue).toBe(awsClient(SSMClient, { region: 'eu-central-1' }));
  });

  it.each([
    ['the topic’s region, from its ARN', { topicArn: TOPIC_ARN }, 'eu-west-1'],
    ['the region given', { topicArn: TOPIC_ARN, region: 'us-east-1' }, 'us-east-1'],
  ])('builds the notifier on the shared factory’s SNS client for %s', async (_label, options, region) => {
    // Prepare
    snsMock.on(PublishCommand).resolves({});

    // Act
    const notifier = createSnsNotifier(options);
    await notifier.publish('subject', 'message');

    // Assess
    expect(notifier).toBeInstanceOf(SnsNotifier);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN });
    expect(snsMock.call(0).thisValue).toBe(awsClient(SNSClient, { region }));
  });

  it('refuses a topic ARN it cannot take a region from', () => {
    // Prepare
    const build = (): SnsNotifier => createSnsNotifier({ topicArn: 'eks-pilot-drift' });

    // Act
    // Assess
    expect(build).toThrow(EksPilotError);
  });
});
