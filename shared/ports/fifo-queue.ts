/**
 * The FIFO queue deploy's webhook sends to and its worker reads from: messages grouped per
 * workload (processed one at a time, in order) and deduplicated by an id the sender derives from
 * what the message is about. The SQS adapter is shared/adapters/aws/sqs-fifo-queue.ts.
 */

/** One message for a FIFO queue. */
export interface FifoMessage {
  body: string;
  /** Messages of one group are delivered in order, one in flight at a time. */
  groupId: string;
  /** SQS drops a message whose id it saw in the last five minutes. At most 128 characters. */
  deduplicationId: string;
}

/**
 * The narrow queue capability: send, answering the queue's message ids in order. An adapter raises
 * `UpstreamError` (shared/errors.ts) when the queue refuses any message.
 *
 * @example
 * const ids = await queue.send([{ body: '{}', groupId: 'payments/web', deduplicationId: 'abc' }]);
 */
export interface FifoQueuePort {
  send(messages: readonly FifoMessage[]): Promise<string[]>;
}
