/**
 * The events scale-watch accepts: a CloudWatch alarm state change from EventBridge, the EventBridge
 * schedule that reconciles (alarms as code, renewals, returns after the hold time, moves a busy node
 * group left over), and three manual invokes. Anything else is rejected by the middy stack with the
 * field named.
 */
import * as z from 'zod/mini';
import { addIssue, routedEvent, scheduledEventSchema } from '../../shared/lambda/events';
import { ALARM_STATES } from './observed';

/**
 * CloudWatch writes state timestamps as `2019-10-02T17:04:40.989+0000` (no colon in the offset), a
 * form `Date` reads in V8 but ISO 8601 tools do not; the colon is put in before parsing.
 */
const cloudWatchTime = z.pipe(
  z.string(),
  z.transform((text: string, ctx) => {
    const date = new Date(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
    if (Number.isNaN(date.getTime())) {
      addIssue(ctx, { message: 'expected a time such as 2026-11-22T12:00:00.000+0000' });
      return z.NEVER;
    }
    return date;
  }),
);

const alarmStateSchema = z.looseObject({
  value: z.enum(ALARM_STATES),
  reason: z.optional(z.string()),
  reasonData: z.optional(z.string()),
  timestamp: cloudWatchTime,
});

/**
 * EventBridge `CloudWatch Alarm State Change`, as CloudWatch sends it for metric and composite
 * alarms (`detail.configuration` is read by nobody here and may take any shape).
 */
export const alarmEventSchema = z.looseObject({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string(),
  time: z.string(),
  region: z.string().check(z.minLength(1)),
  resources: z.array(z.string()),
  detail: z.looseObject({
    alarmName: z.string().check(z.minLength(1)),
    state: alarmStateSchema,
    previousState: z.optional(z.partial(alarmStateSchema)),
    configuration: z.optional(z.unknown()),
  }),
});

/** `{"action": "plan", "alarm": "...", "state": "ALARM", "cluster"?: "...", "at"?: "..."}`: what would this transition do? */
export const planInvokeSchema = z.strictObject({
  action: z.literal('plan'),
  alarm: z.string().check(z.minLength(1)),
  state: z.enum(ALARM_STATES),
  cluster: z.optional(z.string().check(z.minLength(1))),
  /** The transition's instant; default now. */
  at: z.optional(
    z.pipe(
      z.iso.datetime({ offset: true }),
      z.transform((text: string) => new Date(text)),
    ),
  ),
});

/** `{"action": "reset", "cluster": "...", "rule"?: "..."}`: every override of the cluster (or rule) back to the spec, now. */
export const resetInvokeSchema = z.strictObject({
  action: z.literal('reset'),
  cluster: z.string().check(z.minLength(1)),
  rule: z.optional(z.string().check(z.minLength(1))),
});

/** `{"action": "alarms", "mode": "plan" | "apply", "cluster"?: "..."}`: alarms as code, on demand. */
export const alarmsInvokeSchema = z.strictObject({
  action: z.literal('alarms'),
  mode: z.enum(['plan', 'apply']),
  cluster: z.optional(z.string().check(z.minLength(1))),
});

export type AlarmEvent = z.output<typeof alarmEventSchema>;
export type ScheduledEvent = z.output<typeof scheduledEventSchema>;
export type PlanInvoke = z.output<typeof planInvokeSchema>;
export type ResetInvoke = z.output<typeof resetInvokeSchema>;
export type AlarmsInvoke = z.output<typeof alarmsInvokeSchema>;
export type ManualInvoke = PlanInvoke | ResetInvoke | AlarmsInvoke;
export type ScaleWatchEvent = AlarmEvent | ScheduledEvent | ManualInvoke;

const MANUAL: Record<string, z.core.$ZodType> = { plan: planInvokeSchema, reset: resetInvokeSchema, alarms: alarmsInvokeSchema };

/**
 * Picks the shape by the event's own marker (`action` or `detail-type`) and validates against that
 * one shape, so a bad event's error names the field that is wrong, not "matched no alternative".
 */
export const scaleWatchEventSchema = routedEvent<ScaleWatchEvent>(
  (fields) =>
    'action' in fields
      ? MANUAL[String(fields.action)]
      : fields['detail-type'] === 'Scheduled Event'
        ? scheduledEventSchema
        : 'detail-type' in fields
          ? alarmEventSchema
          : undefined,
  (fields) =>
    'action' in fields
      ? 'expected action plan, reset or alarms'
      : 'expected a CloudWatch Alarm State Change, a Scheduled Event, or a manual invoke {"action": "plan" | "reset" | "alarms", ...}',
);

/**
 * @example
 * if (isAlarmEvent(event)) logger.appendKeys({ alarm: event.detail.alarmName });
 */
export function isAlarmEvent(event: ScaleWatchEvent): event is AlarmEvent {
  return 'detail-type' in event && event['detail-type'] === 'CloudWatch Alarm State Change';
}

export function isScheduledEvent(event: ScaleWatchEvent): event is ScheduledEvent {
  return 'detail-type' in event && event['detail-type'] === 'Scheduled Event';
}

export function isManualInvoke(event: ScaleWatchEvent): event is ManualInvoke {
  return 'action' in event;
}
