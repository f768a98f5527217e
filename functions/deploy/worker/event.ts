/**
 * The events deploy-worker accepts: a batch from the deploy queue, the EventBridge schedule that
 * drives the drift check and releases held releases, an ECR push (EventBridge `ECR Image Action`,
 * queued as a GHCR push is), and a manual invoke (plan, deploy, rollback, history, approve, reject,
 * platform). The shape is picked
 * by the event's own marker (`Records`, `detail-type`, `action`) so a bad event's error names the
 * field that is wrong.
 */
import * as z from 'zod';
import { routedEvent, scheduledEventSchema } from '../../../shared/lambda/events';
import type { EcrImageAction } from '../../../shared/model/ecr-event';
import { ECR_IMAGE_ACTION, ecrImageActionSchema } from '../../../shared/model/ecr-event';
import { restoreInvokeSchema } from '../../../shared/model/restore';

/** An SQS batch, as far as the worker reads it. */
export const sqsEventSchema = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        messageId: z.string(),
        body: z.string(),
        eventSource: z.literal('aws:sqs'),
        attributes: z.looseObject({ MessageGroupId: z.string().optional() }).optional(),
      }),
    )
    .min(1),
});

const workload = z.string().min(1);
const cluster = z.string().min(1).optional();
const pinned = z.string().regex(/^[^\s@]+:[\w][\w.-]{0,127}@sha256:[0-9a-f]{64}$/, 'expected a pinned image, ghcr.io/<owner>/<name>:<tag>@sha256:<64 hex>');

/**
 * Who asks, recorded with an approval, a rejection or a forced release: the CLI sends its STS
 * GetCallerIdentity ARN. A Lambda invoke carries no caller identity of its own (the context's
 * `identity` is the Cognito one of mobile SDKs), so without `by` it is recorded as `lambda-invoke`
 * with the request id, which CloudTrail's Invoke event ties to the real caller.
 */
const by = z.string().min(1).max(2048).optional();

/**
 * `{"action": "plan" | "deploy" | "rollback" | "history" | "approve" | "reject" | "restore", "workload": "...", ...}` with
 * `"cluster"?, "image"?, "to"?, "release"?, "force"?, "by"?, "deliveryId"?` as each action takes them,
 * or `{"action": "platform", "cluster"?}`
 */
export const manualInvokeSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('plan'), workload, cluster, image: pinned.optional() }),
  // `force`: release during a freeze window (recorded); an approval the environment requires is still required.
  z.strictObject({ action: z.literal('deploy'), workload, cluster, image: pinned, force: z.boolean().optional(), by }),
  // `force`: roll back to a release that failed or was rolled back.
  z.strictObject({ action: z.literal('rollback'), workload, cluster, to: z.number().int().min(1).optional(), force: z.boolean().optional() }),
  z.strictObject({ action: z.literal('history'), workload, cluster }),
  // Applies the cluster's platform components now (every cluster with a platform when `cluster` is unset).
  z.strictObject({ action: z.literal('platform'), cluster }),
  // The workload's held release (`release`, or the one that waits); `force` releases it during a freeze.
  z.strictObject({ action: z.literal('approve'), workload, cluster, release: z.number().int().min(1).optional(), force: z.boolean().optional(), by }),
  z.strictObject({ action: z.literal('reject'), workload, cluster, release: z.number().int().min(1).optional(), by }),
  // A rebuild of the cluster (provision) asks for each workload's last successful release back.
  restoreInvokeSchema,
]);

export type SqsEvent = z.output<typeof sqsEventSchema>;
export type ScheduledEvent = z.output<typeof scheduledEventSchema>;
export type ManualInvoke = z.output<typeof manualInvokeSchema>;
export type WorkerEvent =
  | { trigger: 'queue'; event: SqsEvent }
  | { trigger: 'schedule'; event: ScheduledEvent }
  | { trigger: 'manual'; event: ManualInvoke }
  | { trigger: 'ecr'; event: EcrImageAction };

const queueEvent = sqsEventSchema.transform((event): WorkerEvent => ({ trigger: 'queue', event }));
const manualEvent = manualInvokeSchema.transform((event): WorkerEvent => ({ trigger: 'manual', event }));
const scheduleEvent = scheduledEventSchema.transform((event): WorkerEvent => ({ trigger: 'schedule', event }));
const ecrEvent = ecrImageActionSchema.transform((event): WorkerEvent => ({ trigger: 'ecr', event }));

/**
 * The worker's event, routed by its own marker (`Records`, `action`, `detail-type`) through the one
 * event router, and tagged with its trigger.
 *
 * @example
 * workerEventSchema.parse({ action: 'history', workload: 'web' }); // { trigger: 'manual', event: { action: 'history', workload: 'web' } }
 */
export const workerEventSchema = routedEvent<WorkerEvent>(
  (fields) =>
    'Records' in fields
      ? queueEvent
      : 'action' in fields
        ? manualEvent
        : fields['detail-type'] === ECR_IMAGE_ACTION
          ? ecrEvent
          : 'detail-type' in fields
            ? scheduleEvent
            : undefined,
  'expected an SQS batch (Records), a scheduled event (detail-type "Scheduled Event"), an ECR push (detail-type "ECR Image Action") or a manual invoke {"action": "plan" | "deploy" | "rollback" | "history" | "approve" | "reject", "workload", ...} or {"action": "platform", "cluster"?}',
);
