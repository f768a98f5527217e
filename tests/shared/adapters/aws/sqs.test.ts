import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { createSqsFifoQueue, SqsFifoQueue } from '../../../../shared/adapters/aws/sqs-fifo-queue';
import { EksPilotError, UpstreamError } from '../../../../shared/errors';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/eks-pilot-deploy.fifo';

describe('SqsFifoQueue', () => {
  beforeEach(() => {
    sqs.reset();
    resetAwsClients();
  });

  it('sends messages in batches of ten with their group and deduplication ids, answering the message ids in order', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: [...input.Entries].reverse().map((entry) => ({ Id: entry.Id, MessageId: `m${entry.Id}`, MD5OfMessageBody: 'x' })),
      Failed: [],
    }));
    const queue = new SqsFifoQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL);
    const messages = Array.from({ length: 12 }, (_, index) => ({ body: `{"n":${index}}`, groupId: 'payments/web', deduplicationId: `d${index}` }));

    // Act
    const ids = await queue.send(messages);

    // Assess
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [
        { Id: '0', MessageBody: '{"n":10}', MessageGroupId: 'payments/web', MessageDeduplicationId: 'd10' },
        { Id: '1', MessageBody: '{"n":11}', MessageGroupId: 'payments/web', MessageDeduplicationId: 'd11' },
      ],
    });
    expect(ids.slice(0, 3)).toEqual(['m0', 'm1', 'm2']);
  });

  it('fails when SQS refuses an entry, naming the code', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });
    const queue = new SqsFifoQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL);

    // Act
    const error = await queue.send([{ body: '{}', groupId: 'g', deduplicationId: 'd' }]).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe('SQS refused 1 of 1 messages: InvalidParameterValue');
  });

  it('takes its Region from the queue URL and refuses something that is not one', () => {
    // Prepare
    const bad = 'https://example.com/queue';

    // Act
    const queue = createSqsFifoQueue({ queueUrl: QUEUE_URL });

    // Assess
    expect(queue.queueUrl).toBe(QUEUE_URL);
    expect(() => createSqsFifoQueue({ queueUrl: bad })).toThrow(EksPilotError);
  });
});
