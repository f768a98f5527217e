/**
 * The events provision accepts: the EventBridge schedule that drives the drift check, and a manual
 * invoke from the console or CLI. Anything else is rejected by the middy stack with the field named.
 */
import { z } from 'zod';
import { scheduledEventSchema } from '../../shared/lambda/events';

/** `{"mode": "plan" | "apply", "cluster": "...", "only": ["nodegroup/jobs-ng", ...]}` */
export const manualInvokeSchema = z.strictObject({
  mode: z.enum(['plan', 'apply']),
  cluster: z.string().min(1).optional(),
  only: z
    .array(z.string().regex(/^[a-z-]+\/.+$/, 'expected a target such as nodegroup/jobs-ng'))
    .min(1)
    .optional(),
});

/**
 * Picks the shape by the event's own marker (`mode` or `detail-type`) and validates against that one
 * shape, so a bad event's error names the field that is wrong, not "matched no alternative".
 */
export type ManualInvoke = z.output<typeof manualInvokeSchema>;

export const provisionEventSchema = z.unknown().transform((event, ctx): ScheduledEvent | ManualInvoke => {
  const fields = typeof event === 'object' && event !== null ? event : {};
  const schema = 'mode' in fields ? manualInvokeSchema : 'detail-type' in fields ? scheduledEventSchema : undefined;
  if (schema === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a scheduled event (detail-type "Scheduled Event") or a manual invoke {"mode": "plan" | "apply", "cluster"?, "only"?}',
    });
    return z.NEVER;
  }
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, message: issue.message.replace(/^Invalid (option|input): /, '') });
  return z.NEVER;
});

type ScheduledEvent = z.output<typeof scheduledEventSchema>;
export type ProvisionEvent = z.output<typeof provisionEventSchema>;

export function isManualInvoke(event: ProvisionEvent): event is ManualInvoke {
  return 'mode' in event;
}
