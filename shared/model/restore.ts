/**
 * The restore message: what a rebuild of a cluster (provision) puts on the deploy queue for each
 * workload, and deploy-worker carries out by redeploying the workload at its last successful
 * release from the durable store, pinned by digest. Here, not in functions/deploy/, because two
 * functions speak it. Grouped per workload like every deploy message, so a restore waits its turn
 * behind the workload's other messages.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { FifoMessage } from '../ports/fifo-queue';

export const restoreMessageSchema = z.strictObject({
  type: z.literal('restore'),
  cluster: z.string().min(1),
  workload: z.string().min(1),
  /** `rebuild-<rebuild id>`: the restore's record carries it, so the rebuild finds it and a second delivery does nothing. */
  deliveryId: z.string().min(1),
  requestedAt: z.string().min(1),
});

export type RestoreMessage = z.output<typeof restoreMessageSchema>;

/**
 * The delivery id of a rebuild's restores, which their release records carry.
 *
 * @example
 * restoreDeliveryId('3f0c9a52'); // 'rebuild-3f0c9a52'
 */
export function restoreDeliveryId(rebuildId: string): string {
  return `rebuild-${rebuildId}`;
}

/**
 * The FIFO envelope of a restore: grouped per workload (`<cluster>/<workload>`, as deploys are),
 * deduplicated on the rebuild and the workload, so the rebuild's next run sending it again within
 * SQS's five minutes is one message (and after that, the worker finds the record and skips it).
 *
 * @example
 * restoreFifo({ type: 'restore', cluster: 'kianax', workload: 'kianax', deliveryId: 'rebuild-3f0c9a52', requestedAt });
 * // { groupId: 'kianax/kianax', deduplicationId: '<sha256 hex>', body: '{...}' }
 */
export function restoreFifo(message: RestoreMessage): FifoMessage {
  const about = ['restore', message.deliveryId, message.cluster, message.workload];
  return {
    body: JSON.stringify(message),
    groupId: `${message.cluster}/${message.workload}`,
    deduplicationId: createHash('sha256').update(about.join('\n')).digest('hex'),
  };
}
