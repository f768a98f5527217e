/**
 * The events eip-manager accepts: the EventBridge schedule, a manual invoke, the two EC2 events
 * that move addresses (an instance's state change and a spot interruption warning), and a batch from
 * its fleet queue (one cluster per message, sent by the schedule's fan-out). Anything else is
 * rejected by the middy stack with the field named.
 */
import * as z from 'zod/mini';
import type { SqsBatch } from '../../shared/lambda/events';
import { routedEvent, scheduledEventSchema, sqsBatchSchema } from '../../shared/lambda/events';

/** `{"mode": "plan" | "apply", "cluster": "...", "pools": ["egress"]}` */
export const manualInvokeSchema = z.strictObject({
  mode: z.enum(['plan', 'apply']),
  cluster: z.optional(z.string().check(z.minLength(1))),
  pools: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
});

const instanceId = z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/, 'expected an instance id, i-<8 to 17 hex digits>'));

const ec2EventEnvelope = {
  source: z.literal('aws.ec2'),
  account: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account id')),
  region: z.string().check(z.minLength(1)),
  time: z.string(),
  id: z.optional(z.string()),
};

/** EventBridge "EC2 Instance State-change Notification" (EC2 User Guide, "State change events for Amazon EC2 instances"). */
export const instanceStateChangeSchema = z.looseObject({
  'detail-type': z.literal('EC2 Instance State-change Notification'),
  ...ec2EventEnvelope,
  detail: z.looseObject({
    'instance-id': instanceId,
    state: z.enum(['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']),
  }),
});

/** EventBridge "EC2 Spot Instance Interruption Warning", two minutes before EC2 interrupts the instance (EC2 User Guide, "Spot Instance interruption
 * notices"). */
export const spotInterruptionSchema = z.looseObject({
  'detail-type': z.literal('EC2 Spot Instance Interruption Warning'),
  ...ec2EventEnvelope,
  detail: z.looseObject({
    'instance-id': instanceId,
    'instance-action': z.enum(['terminate', 'stop', 'hibernate']),
  }),
});

export type ScheduledEvent = z.output<typeof scheduledEventSchema>;
export type ManualInvoke = z.output<typeof manualInvokeSchema>;
export type InstanceStateChange = z.output<typeof instanceStateChangeSchema>;
export type SpotInterruption = z.output<typeof spotInterruptionSchema>;
export type InstanceEvent = InstanceStateChange | SpotInterruption;

const SHAPES = {
  'Scheduled Event': scheduledEventSchema,
  'EC2 Instance State-change Notification': instanceStateChangeSchema,
  'EC2 Spot Instance Interruption Warning': spotInterruptionSchema,
} as const;

/**
 * Picks the shape by the event's own marker (`mode` or `detail-type`) and validates against that one
 * shape, so a bad event's error names the field that is wrong, not "matched no alternative".
 */
export const eipEventSchema = routedEvent<ScheduledEvent | ManualInvoke | InstanceEvent | SqsBatch>((fields) => {
  const detailType = fields['detail-type'];
  if ('Records' in fields) return sqsBatchSchema;
  return 'mode' in fields ? manualInvokeSchema : typeof detailType === 'string' && detailType in SHAPES ? SHAPES[detailType as keyof typeof SHAPES] : undefined;
}, 'expected a scheduled event, an EC2 instance state-change notification, an EC2 spot interruption warning, a fleet queue batch (Records), or a manual invoke {"mode": "plan" | "apply", "cluster"?, "pools"?}');

/** Every event the handler accepts. */
export type EipTrigger = z.output<typeof eipEventSchema>;
/** The events that name the fleet, a cluster or an instance rather than carry queued messages. */
export type EipEvent = ScheduledEvent | ManualInvoke | InstanceEvent;

/**
 * @example
 * if (isQueueBatch(event)) return handleEipBatch(event, deps);
 */
export function isQueueBatch(event: EipTrigger): event is SqsBatch {
  return 'Records' in event;
}

/**
 * @example
 * if (isManualInvoke(event)) mode = event.mode;
 */
export function isManualInvoke(event: EipTrigger): event is ManualInvoke {
  return 'mode' in event;
}

/**
 * @example
 * if (isInstanceEvent(event)) instanceId = event.detail['instance-id'];
 */
export function isInstanceEvent(event: EipTrigger): event is InstanceEvent {
  return 'detail-type' in event && event['detail-type'] !== 'Scheduled Event';
}

/**
 * Log keys for the event: what triggered the run, and the instance an EC2 event is about.
 *
 * @example
 * correlationKeysOf(runningEvent); // { trigger: 'ec2-event', instanceId: 'i-0a1b…', change: 'running', eventId: '7bf7…' }
 */
export function correlationKeysOf(event: EipTrigger): Record<string, string | number | undefined> {
  if (isQueueBatch(event)) return { trigger: 'queue', messages: event.Records.length };
  if (isManualInvoke(event)) return { trigger: 'manual', mode: event.mode, cluster: event.cluster };
  if (!isInstanceEvent(event)) return { trigger: 'schedule' };
  const change = event['detail-type'] === 'EC2 Instance State-change Notification' ? event.detail.state : `spot-${event.detail['instance-action']}`;
  return { trigger: 'ec2-event', instanceId: event.detail['instance-id'], change, eventId: event.id };
}
