/**
 * An SQS FIFO queue as deploy uses it: messages grouped per workload (processed one at a time, in
 * order) and deduplicated by an id the sender derives from what the message is about, so a GitHub
 * redelivery within SQS's five-minute window is dropped by SQS itself.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EksPilotError, UpstreamError } from '../../errors';
import type { AwsEndpoints } from '../../config';
import { awsClient, endpointConfigured } from './clients';
import type { FifoMessage, FifoQueuePort } from '../../ports/fifo-queue';

/** One message for a FIFO queue. */

/** The narrow queue capability: send, answering the SQS message ids in order. */

/** SendMessageBatch takes at most ten entries. */
export const SQS_BATCH_LIMIT = 10;

/**
 * {@link FifoQueuePort} over the SDK v3 SQS client: SendMessageBatch in chunks of ten; any entry SQS
 * refuses fails the call with its code (the caller answers 5xx and GitHub's delivery can be redone).
 *
 * @example
 * const queue = new SqsFifoQueue(new SQSClient({ region: 'eu-west-1' }), 'https://sqs.eu-west-1.amazonaws.com/123456789012/eks-pilot-deploy.fifo');
 * await queue.send([{ body: '{}', groupId: 'payments/web', deduplicationId: 'abc' }]);
 */
export class SqsFifoQueue implements FifoQueuePort {
  private readonly client: SQSClient;
  readonly queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.client = client;
    this.queueUrl = queueUrl;
  }

  async send(messages: readonly FifoMessage[]): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
      const chunk = messages.slice(start, start + SQS_BATCH_LIMIT);
      const entries = chunk.map((message, index) => ({
        Id: String(index),
        MessageBody: message.body,
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.deduplicationId,
      }));
      let output;
      try {
        output = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      } catch (error) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new UpstreamError(`SendMessageBatch failed: ${detail}`, { cause: error, context: { action: 'SendMessageBatch', queueUrl: this.queueUrl } });
      }
      const failed = output.Failed ?? [];
      if (failed.length > 0) {
        throw new UpstreamError(`SQS refused ${failed.length} of ${chunk.length} messages: ${failed.map((entry) => entry.Code ?? 'unknown').join(', ')}`, {
          context: { action: 'SendMessageBatch', queueUrl: this.queueUrl, codes: failed.map((entry) => entry.Code) },
        });
      }
      const byId = new Map((output.Successful ?? []).map((entry) => [entry.Id, entry.MessageId ?? '']));
      ids.push(...entries.map((entry) => byId.get(entry.Id) ?? ''));
    }
    return ids;
  }
}

/**
 * Builds the production queue: an {@link SqsFifoQueue} over the SQS client the shared factory caches,
 * in the queue's own Region (read from an AWS queue URL, else `region`).
 *
 * The SDK sends each call to the host of its `QueueUrl` unless told otherwise
 * (`useQueueUrlAsEndpoint`, @aws-sdk/middleware-sdk-sqs). With an endpoint configured
 * (`AWS_ENDPOINT_URL[_SQS]`, an emulator, as the settings' `endpoints` say), the configured endpoint
 * wins, so an AWS-style queue URL cannot leave the emulator; without one, the queue URL's host is
 * used, which is AWS's for an AWS queue and the emulator's for an emulator's queue URL.
 *
 * @example
 * const { deployQueueUrl, region, endpoints } = deployWebhookSettings();
 * const queue = createSqsFifoQueue({ queueUrl: deployQueueUrl, region, endpoints });
 */
export function createSqsFifoQueue(options: { queueUrl: string; region?: string; endpoints?: AwsEndpoints }): SqsFifoQueue {
  const region = regionOfQueueUrl(options.queueUrl) ?? options.region;
  if (region === undefined) {
    throw new EksPilotError('cannot tell the Region of the deploy queue: not an AWS queue URL, and no Region given (set AWS_REGION)', {
      context: { queueUrl: options.queueUrl },
    });
  }
  const extraConfig = { useQueueUrlAsEndpoint: options.endpoints === undefined || !endpointConfigured('SQS', options.endpoints) };
  return new SqsFifoQueue(awsClient(SQSClient, { region, extraConfig }), options.queueUrl);
}

/**
 * `https://sqs.<region>.amazonaws.com/<account>/<name>` (or the legacy `<region>.queue.amazonaws.com`) -> `<region>`.
 *
 * @example
 * regionOfQueueUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/q'); // 'eu-west-1'
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  const match = /^https:\/\/(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(\.cn)?\//.exec(queueUrl);
  return match?.[1] ?? match?.[2];
}
