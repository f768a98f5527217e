import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { fleetQueueOf, SqsFleetQueue } from '../../../../shared/adapters/aws/sqs-fleet-queue';
import { UpstreamError } from '../../../../shared/errors';
import { AWS_ENDPOINTS_NONE } from '../../../../shared/config';

// SendMessageBatch's answer (SQS API Reference, SendMessageBatch; @aws-sdk/client-sqs SendMessageBatchResult):
// Successful[] of { Id, MessageId, MD5OfMessageBody }, Failed[] of { Id, SenderFault, Code, Message }.
const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-dev-provision-fleet';
const ok = (id: string) => ({ Id: id, MessageId: `m-${id}`, MD5OfMessageBody: 'x' });
const entriesOf = (call: number): NonNullable<SendMessageBatchCommandInput['Entries']> =>
  sqs.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? [];

describe('SqsFleetQueue', () => {
  const waits: number[] = [];
  const queue = (): SqsFleetQueue =>
    new SqsFleetQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL, { wait: (ms) => Promise.resolve(void waits.push(ms)) });

  beforeEach(() => {
    sqs.reset();
    resetAwsClients();
    waits.length = 0;
  });

  it('sends 25 messages in batches of ten, with their delays', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .callsFake((input: SendMessageBatchCommandInput) => ({ Successful: (input.Entries ?? []).map((entry) => ok(entry.Id ?? '')), Failed: [] }));
    const messages = Array.from({ length: 25 }, (_, index) => ({ body: `{"n":${String(index)}}`, delaySeconds: index }));

    // Act
    await queue().send(messages);

    // Assess
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
    expect(entriesOf(0)).toHaveLength(10);
    expect(entriesOf(2)).toEqual([
      { Id: '0', MessageBody: '{"n":20}', DelaySeconds: 20 },
      { Id: '1', MessageBody: '{"n":21}', DelaySeconds: 21 },
      { Id: '2', MessageBody: '{"n":22}', DelaySeconds: 22 },
      { Id: '3', MessageBody: '{"n":23}', DelaySeconds: 23 },
      { Id: '4', MessageBody: '{"n":24}', DelaySeconds: 24 },
    ]);
    expect(entriesOf(0)[0]).toEqual({ Id: '0', MessageBody: '{"n":0}' });
  });

  it('sends again only the entries SQS failed on its side, and stops once every entry is in', async () => {
    // Prepare: entries 1 and 3 fail on SQS's side (SenderFault false) the first time
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [ok('0'), ok('2')],
        Failed: [
          { Id: '1', SenderFault: false, Code: 'InternalError', Message: 'try again' },
          { Id: '3', SenderFault: false, Code: 'ServiceUnavailable' },
        ],
      })
      .resolves({ Successful: [ok('1'), ok('3')], Failed: [] });

    // Act
    await queue().send(['a', 'b', 'c', 'd'].map((body) => ({ body })));

    // Assess
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(entriesOf(1)).toEqual([
      { Id: '1', MessageBody: 'b' },
      { Id: '3', MessageBody: 'd' },
    ]);
    expect(waits).toEqual([200]);
  });

  it('does not retry an entry the sender got wrong, and names its code', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [ok('0')], Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidMessageContents' }] });

    // Act
    const sent = queue().send([{ body: 'a' }, { body: 'b' }]);

    // Assess
    await expect(sent).rejects.toThrow(new UpstreamError('SQS refused 1 of 2 messages: InvalidMessageContents'));
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it('gives up after four attempts on an entry SQS keeps failing', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] });

    // Act
    const sent = queue().send([{ body: 'a' }]);

    // Assess
    await expect(sent).rejects.toThrow('SQS refused 1 of 1 messages after 4 attempts: InternalError');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 4);
    expect(waits).toEqual([200, 400, 600]);
  });

  it('passes a failed call on as an UpstreamError naming the action', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' }));

    // Act
    const sent = queue().send([{ body: 'a' }]);

    // Assess
    await expect(sent).rejects.toThrow('SendMessageBatch failed: AccessDenied: Access to the resource is denied');
  });
});

describe('fleetQueueOf', () => {
  it('builds no queue without a queue URL, and one that sends to it with one', async () => {
    // Prepare
    sqs.reset();
    resetAwsClients();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [ok('0')], Failed: [] });
    const settings = { region: 'us-east-1', endpoints: AWS_ENDPOINTS_NONE };

    // Act
    const none = fleetQueueOf(settings);
    await fleetQueueOf({ ...settings, fleetQueueUrl: QUEUE_URL })?.send([{ body: 'a' }]);

    // Assess
    expect(none).toBeUndefined();
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
  });
});
