/**
 * The restore invoke: what a rebuild of a cluster (provision) asks deploy-worker for each workload,
 * `{"action": "restore", "workload": "...", "cluster": "...", "deliveryId": "rebuild-<id>"}`, and
 * deploy-worker carries out by redeploying the workload at its last successful release from the
 * durable store, pinned by digest. Here, not in functions/deploy/, because two functions speak it.
 * Lambda delivers an asynchronous invoke at least once: the delivery id, which the restore's record
 * carries, makes a second delivery do nothing.
 */
import * as z from 'zod/mini';

export const restoreInvokeSchema = z.strictObject({
  action: z.literal('restore'),
  workload: z.string().check(z.minLength(1)),
  cluster: z.optional(z.string().check(z.minLength(1))),
  /** `rebuild-<rebuild id>`: the restore's record carries it, so the rebuild finds it. */
  deliveryId: z.string().check(z.regex(/^rebuild-[\w-]{1,64}$/, 'expected rebuild-<rebuild id>')),
});

export type RestoreInvoke = z.output<typeof restoreInvokeSchema>;

/**
 * The delivery id of a rebuild's restores, which their release records carry.
 *
 * @example
 * restoreDeliveryId('3f0c9a52'); // 'rebuild-3f0c9a52'
 */
export function restoreDeliveryId(rebuildId: string): string {
  return `rebuild-${rebuildId}`;
}
