/**
 * The events provision accepts: the EventBridge schedule that drives the drift check, a manual
 * invoke from the console or CLI, and a batch from its fleet queue (one cluster per message, sent by
 * the schedule's fan-out). Anything else is rejected by the middy stack with the field named.
 */
import * as z from 'zod/mini';
import type { SqsBatch } from '../../shared/lambda/events';
import { routedEvent, scheduledEventSchema, sqsBatchSchema } from '../../shared/lambda/events';

/** `{"mode": "plan" | "apply", "cluster": "...", "only": ["nodegroup/jobs-ng", ...]}` */
export const manualInvokeSchema = z.strictObject({
  mode: z.enum(['plan', 'apply']),
  cluster: z.optional(z.string().check(z.minLength(1))),
  only: z.optional(z.array(z.string().check(z.regex(/^[a-z-]+\/.+$/, 'expected a target such as nodegroup/jobs-ng'))).check(z.minLength(1))),
});

export type ManualInvoke = z.output<typeof manualInvokeSchema>;

/** `{"action": "rebuild", "cluster": "..."}`: disaster recovery, see rebuild/run.ts. */
export const rebuildInvokeSchema = z.strictObject({
  action: z.literal('rebuild'),
  cluster: z.string().check(z.minLength(1)),
});

export type RebuildInvoke = z.output<typeof rebuildInvokeSchema>;

/** Picks the shape by the event's own marker (`mode`, `action`, `detail-type` or `Records`) through the shared router. */
export const provisionEventSchema = routedEvent<ScheduledEvent | ManualInvoke | RebuildInvoke | SqsBatch>(
  (fields) =>
    'mode' in fields
      ? manualInvokeSchema
      : 'action' in fields
        ? rebuildInvokeSchema
        : 'detail-type' in fields
          ? scheduledEventSchema
          : 'Records' in fields
            ? sqsBatchSchema
            : undefined,
  'expected a scheduled event (detail-type "Scheduled Event"), a fleet queue batch (Records), a manual invoke {"mode": "plan" | "apply", "cluster"?, "only"?} or a rebuild {"action": "rebuild", "cluster"}',
);

type ScheduledEvent = z.output<typeof scheduledEventSchema>;
/** Every event the handler accepts. */
export type ProvisionTrigger = z.output<typeof provisionEventSchema>;
/** The events that name the fleet (or one cluster of it) rather than carry queued messages. */
export type ProvisionEvent = ScheduledEvent | ManualInvoke | RebuildInvoke;

export function isManualInvoke(event: ProvisionTrigger): event is ManualInvoke {
  return 'mode' in event;
}

/**
 * @example
 * if (isQueueBatch(event)) return handleProvisionBatch(event, deps);
 */
export function isQueueBatch(event: ProvisionTrigger): event is SqsBatch {
  return 'Records' in event;
}

export function isRebuildInvoke(event: ProvisionTrigger): event is RebuildInvoke {
  return 'action' in event;
}
