/**
 * The events provision accepts: the EventBridge schedule that drives the drift check, and a manual
 * invoke from the console or CLI. Anything else is rejected by the middy stack with the field named.
 */
import * as z from 'zod';
import { routedEvent, scheduledEventSchema } from '../../shared/lambda/events';

/** `{"mode": "plan" | "apply", "cluster": "...", "only": ["nodegroup/jobs-ng", ...]}` */
export const manualInvokeSchema = z.strictObject({
  mode: z.enum(['plan', 'apply']),
  cluster: z.string().min(1).optional(),
  only: z
    .array(z.string().regex(/^[a-z-]+\/.+$/, 'expected a target such as nodegroup/jobs-ng'))
    .min(1)
    .optional(),
});

export type ManualInvoke = z.output<typeof manualInvokeSchema>;

/** `{"action": "rebuild", "cluster": "..."}`: disaster recovery, see rebuild/run.ts. */
export const rebuildInvokeSchema = z.strictObject({
  action: z.literal('rebuild'),
  cluster: z.string().min(1),
});

export type RebuildInvoke = z.output<typeof rebuildInvokeSchema>;

/** Picks the shape by the event's own marker (`mode`, `action` or `detail-type`) through the shared router. */
export const provisionEventSchema = routedEvent<ScheduledEvent | ManualInvoke | RebuildInvoke>(
  (fields) => ('mode' in fields ? manualInvokeSchema : 'action' in fields ? rebuildInvokeSchema : 'detail-type' in fields ? scheduledEventSchema : undefined),
  'expected a scheduled event (detail-type "Scheduled Event"), a manual invoke {"mode": "plan" | "apply", "cluster"?, "only"?} or a rebuild {"action": "rebuild", "cluster"}',
);

type ScheduledEvent = z.output<typeof scheduledEventSchema>;
export type ProvisionEvent = z.output<typeof provisionEventSchema>;

export function isManualInvoke(event: ProvisionEvent): event is ManualInvoke {
  return 'mode' in event;
}

export function isRebuildInvoke(event: ProvisionEvent): event is RebuildInvoke {
  return 'action' in event;
}
