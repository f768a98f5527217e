/**
 * The events deploy-worker accepts: a batch from the deploy queue, the EventBridge schedule that
 * drives the drift check and releases held releases, an ECR push (EventBridge `ECR Image Action`,
 * queued as a GHCR push is), and a manual invoke (plan, deploy, rollback, history, approve, reject,
 * platform). The shape is picked
 * by the event's own marker (`Records`, `detail-type`, `action`) so a bad event's error names the
 * field that is wrong.
 */
import * as z from 'zod/mini';
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
        attributes: z.optional(z.looseObject({ MessageGroupId: z.optional(z.string()) })),
      }),
    )
    .check(z.minLength(1)),
});

const workload = z.string().check(z.minLength(1));
const cluster = z.optional(z.string().check(z.minLength(1)));
const pinned = z
  .string()
  .check(z.regex(/^[^\s@]+:[\w][\w.-]{0,127}@sha256:[0-9a-f]{64}$/, 'expected a pinned image, ghcr.io/<owner>/<name>:<tag>@sha256:<64 hex>'));

/**
 * Who asks, recorded with an approval, a rejection or a forced release: the CLI sends its STS
 * GetCallerIdentity ARN. A Lambda invoke carries no caller identity of its own (the context's
 * `identity` is the Cognito one of mobile SDKs), so without `by` it is recorded as `lambda-invoke`
 * with the request id, which CloudTrail's Invoke event ties to the real caller.
 */
const by = z.optional(z.string().check(z.minLength(1), z.maxLength(2048)));

/**
 * `{"action": "plan" | "deploy" | "rollback" | "history" | "approve" | "reject" | "restore", "workload": "...", ...}` with
 * `"cluster"?, "image"?, "to"?, "release"?, "force"?, "by"?, "deliveryId"?` as each action takes them,
 * or `{"action": "platform", "cluster"?}`
 */
export const manualInvokeSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('plan'), workload, cluster, image: z.optional(pinned) }),
  // `force`: release during a freeze window (recorded); an approval the environment requires is still required.
  z.strictObject({ action: z.literal('deploy'), workload, cluster, image: pinned, force: z.optional(z.boolean()), by }),
  // `force`: roll back to a release that failed or was rolled back.
  z.strictObject({ action: z.literal('rollback'), workload, cluster, to: z.optional(z.number().check(z.int(), z.gte(1))), force: z.optional(z.boolean()) }),
  z.strictObject({ action: z.literal('history'), workload, cluster }),
  // Applies the cluster's platform components now (every cluster with a platform when `cluster` is unset).
  z.strictObject({ action: z.literal('platform'), cluster }),
  // The workload's held release (`release`, or the one that waits); `force` releases it during a freeze.
  z.strictObject({
    action: z.literal('approve'),
    workload,
    cluster,
    release: z.optional(z.number().check(z.int(), z.gte(1))),
    force: z.optional(z.boolean()),
    by,
  }),
  z.strictObject({ action: z.literal('reject'), workload, cluster, release: z.optional(z.number().check(z.int(), z.gte(1))), by }),
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

const queueEvent = z.pipe(
  sqsEventSchema,
  z.transform((event: z.output<typeof sqsEventSchema>): WorkerEvent => ({ trigger: 'queue', event })),
);
const manualEvent = z.pipe(
  manualInvokeSchema,
  z.transform((event: z.output<typeof manualInvokeSchema>): WorkerEvent => ({ trigger: 'manual', event })),
);
const scheduleEvent = z.pipe(
  scheduledEventSchema,
  z.transform((event: z.output<typeof scheduledEventSchema>): WorkerEvent => ({ trigger: 'schedule', event })),
);
const ecrEvent = z.pipe(
  ecrImageActionSchema,
  z.transform((event: z.output<typeof ecrImageActionSchema>): WorkerEvent => ({ trigger: 'ecr', event })),
);

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
