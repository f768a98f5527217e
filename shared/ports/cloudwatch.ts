/**
 * The narrow CloudWatch capability scale-watch works against: read alarms (their state and their
 * definition) and create or update a metric alarm. The SDK adapter in cloudwatch.ts is the only
 * implementation that talks to AWS; tests use a recording fake.
 *
 * Failures are the typed errors of shared/errors.ts: ThrottledError (throttling that outlived the
 * SDK's retries), RequestRejectedError (the request itself is wrong: an invalid parameter, a quota),
 * else UpstreamError, each with the SDK's exception as `cause`.
 */
import type { CompositeAlarm, MetricAlarm, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';

/** Which alarms to read: these names (any number), or every alarm whose name starts with a prefix. */
export type AlarmQuery = { names: readonly string[] } | { prefix: string };

export interface DescribedAlarms {
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
}

export interface CloudWatchAlarmsPort {
  /** Every alarm the query matches, metric and composite, all pages; names that do not exist are simply absent. */
  describeAlarms(query: AlarmQuery): Promise<DescribedAlarms>;
  /** Creates the alarm or replaces its whole definition (PutMetricAlarm is an upsert). */
  putMetricAlarm(request: PutMetricAlarmCommandInput): Promise<void>;
}
