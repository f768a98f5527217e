/**
 * What travels on the deploy queue. The receiver sends `deploy` messages; the worker sends itself
 * `watch` messages to keep watching a rollout past one invocation. Both are grouped per workload
 * (`<cluster>/<workload>`), so one workload's messages are processed one at a time, in order.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FifoMessage } from '../../shared/aws/sqs';
import { DIGEST_PATTERN, TAG_PATTERN } from './images';

const pinnedImageSchema = z.strictObject({
  repository: z.string().min(1),
  tag: z.string().regex(TAG_PATTERN),
  digest: z.string().regex(DIGEST_PATTERN),
});

export const deployMessageSchema = z.strictObject({
  type: z.literal('deploy'),
  cluster: z.string().min(1),
  workload: z.string().min(1),
  image: pinnedImageSchema,
  /** `X-GitHub-Delivery`, or `manual-<request id>` for a manual invoke. */
  deliveryId: z.string().min(1),
  event: z.string().min(1),
  receivedAt: z.string().min(1),
});

export const watchMessageSchema = z.strictObject({
  type: z.literal('watch'),
  cluster: z.string().min(1),
  workload: z.string().min(1),
  /** The release whose rollout is watched. */
  revision: z.number().int().min(1),
  deliveryId: z.string().min(1),
  /** How many times the watch was handed on; part of the deduplication id. */
  attempt: z.number().int().min(1),
});

export const queueMessageSchema = z.discriminatedUnion('type', [deployMessageSchema, watchMessageSchema]);

export type DeployMessage = z.output<typeof deployMessageSchema>;
export type WatchMessage = z.output<typeof watchMessageSchema>;
export type QueueMessage = z.output<typeof queueMessageSchema>;

/**
 * The FIFO envelope of a message: grouped per workload; deduplicated on the delivery id and the
 * digest (a redelivery of the same push, or another platform's event with the same digest, is
 * dropped), plus the workload, since one delivery may deploy several.
 *
 * @example
 * toFifo({ type: 'deploy', cluster: 'crypto-oms', workload: 'crypto-oms', image, deliveryId, event: 'registry_package', receivedAt });
 * // { groupId: 'crypto-oms/crypto-oms', deduplicationId: '<sha256 hex>', body: '{...}' }
 */
export function toFifo(message: QueueMessage): FifoMessage {
  const about =
    message.type === 'deploy'
      ? ['deploy', message.deliveryId, message.image.digest, message.cluster, message.workload]
      : ['watch', message.deliveryId, String(message.revision), String(message.attempt), message.cluster, message.workload];
  return {
    body: JSON.stringify(message),
    groupId: `${message.cluster}/${message.workload}`,
    deduplicationId: createHash('sha256').update(about.join('\n')).digest('hex'),
  };
}
