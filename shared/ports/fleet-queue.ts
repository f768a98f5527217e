/**
 * The standard SQS queue a fleet run fans out to: one message per cluster, read by the same
 * function through its SQS event source (shared/reconcile/fan-out.ts). The SQS adapter is
 * shared/adapters/aws/sqs-fleet-queue.ts; the in-process double is testing/fake-fleet-queue.ts.
 */

/** One message for a standard queue. */
export interface QueuedMessage {
  body: string;
  /** Seconds SQS keeps the message hidden after the send (0 to 900, SQS API Reference, SendMessageBatchRequestEntry). */
  delaySeconds?: number;
}

/**
 * The narrow queue capability: send every message, or raise `UpstreamError` (shared/errors.ts)
 * naming the ones SQS would not take after the adapter's retries.
 *
 * @example
 * await queue.send([{ body: '{"cluster":"kianax"}', delaySeconds: 3 }]);
 */
export interface FleetQueuePort {
  send(messages: readonly QueuedMessage[]): Promise<void>;
}
