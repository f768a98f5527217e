/**
 * An in-process fleet queue for tests and the bench: keeps what was sent, and hands it back as the
 * records of an SQS event (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS", example
 * standard queue message event: messageId, receiptHandle, body, attributes, eventSource aws:sqs, ...).
 *
 * @example
 * const queue = new FakeFleetQueue();
 * await handleProvisionEvent(schedule, { ...deps, fleetQueue: queue });
 * await handleProvisionBatch(queue.event(), deps);
 */
import type { SqsBatch } from '../shared/lambda/events';
import type { FleetQueuePort, QueuedMessage } from '../shared/ports/fleet-queue';

export class FakeFleetQueue implements FleetQueuePort {
  readonly sent: (QueuedMessage & { messageId: string })[] = [];
  /** How many SendMessageBatch calls a real queue would have taken (ten entries each). */
  batches = 0;

  send(messages: readonly QueuedMessage[]): Promise<void> {
    this.batches += Math.ceil(messages.length / 10);
    for (const message of messages) this.sent.push({ ...message, messageId: `msg-${String(this.sent.length + 1)}` });
    return Promise.resolve();
  }

  /** The messages sent so far, as one SQS event (all records, or those at `indexes`). */
  event(indexes?: readonly number[]): SqsBatch {
    const chosen = indexes === undefined ? this.sent : indexes.map((index) => this.sent[index]).filter((message) => message !== undefined);
    return {
      Records: chosen.map((message) => ({
        messageId: message.messageId,
        receiptHandle: `rh-${message.messageId}`,
        body: message.body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1764583200000' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:eks-pilot-dev-provision-fleet',
        awsRegion: 'us-east-1',
      })),
    };
  }
}
