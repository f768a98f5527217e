/**
 * The events provision accepts: the EventBridge schedule that drives the drift check, and a manual
 * invoke from the console or CLI. Anything else is rejected by the middy stack with the field named.
 */
import { z } from 'zod';

/** EventBridge "Scheduled Event" (as a `schedule` event in serverless.yml delivers it). */
export const scheduledEventSchema = z.looseObject({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.string(),
  resources: z.array(z.string()),
});

/** `{"mode": "plan" | "apply", "cluster": "...", "only": ["nodegroup/jobs-ng", ...]}` */
export const manualInvokeSchema = z.strictObject({
  mode: z.enum(['plan', 'apply']),
  cluster: z.string().min(1).optional(),
  only: z
    .array(z.string().regex(/^[a-z-]+\/.+$/, 'expected a target such as nodegroup/jobs-ng'))
    .min(1)
    .optional(),
});

export const provisionEventSchema = z.union([scheduledEventSchema, manualInvokeSchema]);

export type ProvisionEvent = z.output<typeof provisionEventSchema>;
export type ManualInvoke = z.output<typeof manualInvokeSchema>;

export function isManualInvoke(event: ProvisionEvent): event is ManualInvoke {
  return 'mode' in event;
}
