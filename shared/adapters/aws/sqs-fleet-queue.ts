/**
 * The fleet queue over SQS: SendMessageBatch in chunks of ten. SQS answers a batch with HTTP 200
 * and lists each entry under `Successful` or `Failed` (SQS API Reference, SendMessageBatch: "the
 * result of each message is reported individually ... check for batch errors even when the call
 * returns an HTTP status code of 200"); a `Failed` entry carries `SenderFault`. Entries failed on
 * SQS's side (`SenderFault: false`) are sent again, those alone, a few times with a growing pause;
 * an entry failed by the sender (a body SQS refuses) is not retried: it would fail the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BatchResultErrorEntry, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { EksPilotError, UpstreamError } from '../../errors';
import type { AwsEndpoints } from '../../config';
import { awsClient, endpointConfigured } from './clients';
import type { FleetQueuePort, QueuedMessage } from '../../ports/fleet-queue';
import { regionOfQueueUrl, SQS_BATCH_LIMIT } from './sqs-fifo-queue';

/** The narrow slice of the SQS client the queue uses (the client itself, or a test's double). */
export interface SqsSender {
  send(command: SendMessageBatchCommand): Promise<{ Successful?: { Id?: string }[]; Failed?: BatchResultErrorEntry[] }>;
}

export interface SqsFleetQueueOptions {
  /** How many times an entry SQS failed on its side is sent in all. Default 4. */
  attempts?: number;
  /** The pause before the n-th resend is `n * pauseMs`. Default 200. */
  pauseMs?: number;
  /** For tests: how to wait. */
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * {@link FleetQueuePort} over SQS SendMessageBatch.
 *
 * @example
 * const queue = new SqsFleetQueue(new SQSClient({ region: 'eu-west-1' }), 'https://sqs.eu-west-1.amazonaws.com/123456789012/eks-pilot-dev-provision-fleet');
 * await queue.send([{ body: '{"cluster":"kianax"}' }]);
 */
export class SqsFleetQueue implements FleetQueuePort {
  private readonly client: SqsSender;
  private readonly attempts: number;
  private readonly pauseMs: number;
  private readonly wait: (ms: number) => Promise<unknown>;
  readonly queueUrl: string;

  constructor(client: SqsSender, queueUrl: string, options: SqsFleetQueueOptions = {}) {
    this.client = client;
    this.queueUrl = queueUrl;
    this.attempts = options.attempts ?? 4;
    this.pauseMs = options.pauseMs ?? 200;
    this.wait = options.wait ?? ((ms) => sleep(ms));
  }

  async send(messages: readonly QueuedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
      await this.sendChunk(messages.slice(start, start + SQS_BATCH_LIMIT));
    }
  }

  private async sendChunk(chunk: readonly QueuedMessage[]): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = chunk.map((message, index) => ({
      Id: String(index),
      MessageBody: message.body,
      ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
    }));
    for (let attempt = 1; ; attempt++) {
      let output;
      try {
        output = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      } catch (error) {
        const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new UpstreamError(`SendMessageBatch failed: ${detail}`, { cause: error, context: { action: 'SendMessageBatch', queueUrl: this.queueUrl } });
      }
      const failed = output.Failed ?? [];
      if (failed.length === 0) return;
      const refused = failed.filter((entry) => entry.SenderFault === true);
      const again = new Set(failed.filter((entry) => entry.SenderFault !== true).map((entry) => entry.Id));
      if (refused.length > 0 || attempt >= this.attempts) {
        const left = refused.length > 0 ? refused : failed;
        throw new UpstreamError(
          `SQS refused ${String(left.length)} of ${String(chunk.length)} messages${refused.length > 0 ? '' : ` after ${String(attempt)} attempts`}: ${left
            .map((entry) => `${entry.Code ?? 'unknown'}${entry.Message ? ` (${entry.Message})` : ''}`)
            .join(', ')}`,
          { context: { action: 'SendMessageBatch', queueUrl: this.queueUrl, codes: left.map((entry) => entry.Code), senderFault: refused.length > 0 } },
        );
      }
      pending = pending.filter((entry) => again.has(entry.Id));
      await this.wait(attempt * this.pauseMs);
    }
  }
}

/**
 * Builds the production queue over the SQS client the shared factory caches, in the queue's own
 * Region (read from an AWS queue URL, else `region`); with an endpoint configured the endpoint wins
 * over the queue URL's host, as for the deploy queue (FIELD-NOTES, "AWS SDK v3 SQS").
 *
 * @example
 * const queue = createSqsFleetQueue({ queueUrl: settings.fleetQueueUrl, region: settings.region, endpoints: settings.endpoints });
 */
export function createSqsFleetQueue(options: { queueUrl: string; region?: string; endpoints?: AwsEndpoints }): SqsFleetQueue {
  const region = regionOfQueueUrl(options.queueUrl) ?? options.region;
  if (region === undefined) {
    throw new EksPilotError('cannot tell the Region of the fleet queue: not an AWS queue URL, and no Region given (set AWS_REGION)', {
      context: { queueUrl: options.queueUrl },
    });
  }
  const extraConfig = { useQueueUrlAsEndpoint: options.endpoints === undefined || !endpointConfigured('SQS', options.endpoints) };
  return new SqsFleetQueue(awsClient(SQSClient, { region, extraConfig }), options.queueUrl);
}

/**
 * The function's fleet queue when its settings name one (`EKS_PILOT_FLEET_QUEUE_URL`), built on the
 * first send only: a queue batch or a manual invoke never sends, and needs no SQS client.
 *
 * @example
 * const fleetQueue = fleetQueueOf(provisionSettings()); // undefined without EKS_PILOT_FLEET_QUEUE_URL
 */
export function fleetQueueOf(settings: { fleetQueueUrl?: string; region: string; endpoints: AwsEndpoints }): FleetQueuePort | undefined {
  const { fleetQueueUrl: queueUrl, region, endpoints } = settings;
  if (queueUrl === undefined) return undefined;
  return { send: (messages) => createSqsFleetQueue({ queueUrl, region, endpoints }).send(messages) };
}
