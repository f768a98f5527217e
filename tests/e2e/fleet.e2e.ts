/**
 * provision's fan-out, its packaged bundle loaded as Lambda loads it, against moto's SQS (a standard
 * queue with a redrive policy to a dead-letter queue, as serverless.yml declares it) and EKS: the
 * schedule over two specs sends two messages and reconciles nothing itself; the same zip, invoked
 * with those messages as its SQS event source would, reconciles both clusters; the same messages
 * delivered again find nothing to do.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import scheduleEvent from '../../events/provision/schedule.json';
import { invokeFunction } from './support/lambda';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { createReleaseTable, RELEASE_TABLE } from './support/release-table';
import { specFile } from './support/specs';

const REGION = 'us-east-1';
let moto: Moto;
let sqs: SQSClient;

beforeAll(async () => {
  moto = await startMoto();
  await createReleaseTable(moto, REGION);
  sqs = new SQSClient({ ...moto.clientConfig(REGION), useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  sqs.destroy();
  await moto.stop();
});

interface Report {
  cluster: string;
  status: string;
}

/** What provision answers: reports (a manual invoke, an inline schedule), what it fanned out, or a batch's failures. */
interface Answer {
  reports?: Report[];
  fannedOut?: { queued: number; clusters: string[] };
  batchItemFailures?: unknown[];
}

const SPECS = `${specFile('starter')},${specFile('kianax')}`;

async function provision(event: unknown, queueUrl: string): Promise<{ result: Answer; logs: Record<string, unknown>[] }> {
  return invokeFunction<Answer>('provision', event, {
    region: REGION,
    env: { ...moto.env, EKS_PILOT_SPECS: SPECS },
    refs: { ProvisionFleetQueue: queueUrl, ReleaseTable: RELEASE_TABLE },
  });
}

/** The fleet queue as serverless.yml declares it: three receives, then the dead-letter queue. */
async function fleetQueue(): Promise<string> {
  const { QueueUrl: dlqUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'eks-pilot-dev-provision-fleet-dlq' }));
  const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const redrive = JSON.stringify({ deadLetterTargetArn: dlq.Attributes?.QueueArn, maxReceiveCount: 3 });
  const { QueueUrl: queueUrl = '' } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'eks-pilot-dev-provision-fleet', Attributes: { VisibilityTimeout: '1800', RedrivePolicy: redrive } }),
  );
  return queueUrl;
}

/** What Lambda's SQS event source hands the function (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS"). */
function sqsEvent(messages: readonly Message[], queueArn: string): unknown {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes,
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

const reconciled = (logs: Record<string, unknown>[]): [unknown, unknown][] =>
  logs
    .filter((line) => line.message === 'cluster reconciled')
    .map((line): [unknown, unknown] => [line.cluster, line.status])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

it('fans the schedule out to one message per cluster, and the worker reconciles each, twice delivered or not', async () => {
  // Prepare: both clusters converged by manual applies (each run starts what is safe and never waits)
  const queueUrl = await fleetQueue();
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attributes.Attributes?.QueueArn ?? '';
  for (const cluster of ['starter', 'kianax']) {
    let status = '';
    for (let run = 0; run < 6 && status !== 'Converged'; run += 1) {
      const { result } = await provision({ mode: 'apply', cluster }, queueUrl);
      status = result.reports?.[0]?.status ?? 'missing';
    }
    expect(status).toBe('Converged');
  }

  // Act: the schedule, then the worker on what it queued, then the same messages again
  const scheduled = await provision(scheduleEvent, queueUrl);
  const received = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
  );
  const messages = received.Messages ?? [];
  const first = await provision(sqsEvent(messages, queueArn), queueUrl);
  const again = await provision(sqsEvent(messages, queueArn), queueUrl);

  // Assess
  expect(scheduled.result.reports).toEqual([]);
  expect(scheduled.result.fannedOut).toMatchObject({ queued: 2, clusters: expect.arrayContaining(['starter', 'kianax']) as unknown });
  expect(reconciled(scheduled.logs)).toEqual([]);
  expect(messages.map((message) => (JSON.parse(message.Body ?? '{}') as { cluster: string; time: string }).time)).toEqual([
    scheduleEvent.time,
    scheduleEvent.time,
  ]);
  expect(first.result).toEqual({ batchItemFailures: [] });
  expect(reconciled(first.logs)).toEqual([
    ['kianax', 'Converged'],
    ['starter', 'Converged'],
  ]);
  expect(again.result).toEqual({ batchItemFailures: [] });
  expect(reconciled(again.logs)).toEqual(reconciled(first.logs));
  expect(again.logs.filter((line) => line.message === 'eks action applied')).toEqual([]);
});
