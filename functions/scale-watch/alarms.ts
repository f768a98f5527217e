/**
 * Alarms as code, pure: (the spec's alarms, the alarms CloudWatch describes) -> a plan of
 * PutMetricAlarm calls, one per alarm that is missing or differs, each naming the fields that
 * drifted. PutMetricAlarm replaces an alarm's whole definition, so the request is always the full
 * definition from the spec. Alarms the spec does not name are never touched.
 */
import type { MetricAlarm, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { Action, Change, Plan } from '../../shared/model/plan/plan';
import type { AlarmSpec } from '../../shared/model/cluster-spec/scaling';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';

export type AlarmAction = Action<'PutMetricAlarm', PutMetricAlarmCommandInput> & {
  request: PutMetricAlarmCommandInput;
  classification: 'create' | 'update';
};

/**
 * @example
 * const plan = planAlarms(spec, described.metricAlarms);
 * plan.actions.map((action) => `${action.classification} ${action.target.name}`); // ['create kianax-general-ng-cpu-high']
 */
export function planAlarms(spec: ClusterSpec, described: readonly MetricAlarm[]): Plan<AlarmAction> {
  const byName = new Map(described.map((alarm) => [alarm.AlarmName, alarm]));
  const actions = spec.alarms.flatMap((alarm): AlarmAction[] => {
    const request = putMetricAlarmRequest(alarm);
    const current = byName.get(alarm.name);
    const target = { kind: 'alarm', name: alarm.name };
    if (current === undefined) {
      return [
        {
          kind: 'PutMetricAlarm',
          classification: 'create',
          target,
          reason: 'alarm does not exist',
          changes: [{ field: 'metric', to: metricLabel(request) }],
          request,
        },
      ];
    }
    const changes = driftOf(request, current);
    if (changes.length === 0) return [];
    return [{ kind: 'PutMetricAlarm', classification: 'update', target, reason: 'alarm differs from the spec', changes, request }];
  });
  return { subject: { cluster: spec.name, region: spec.region }, actions };
}

/**
 * The full PutMetricAlarm request for an alarm of the spec.
 *
 * @example
 * await cloudWatch.putMetricAlarm(putMetricAlarmRequest(spec.alarms[0]));
 */
export function putMetricAlarmRequest(alarm: AlarmSpec): PutMetricAlarmCommandInput {
  return {
    AlarmName: alarm.name,
    ...(alarm.description === undefined ? {} : { AlarmDescription: alarm.description }),
    Namespace: alarm.metric.namespace,
    MetricName: alarm.metric.name,
    Dimensions: Object.entries(alarm.metric.dimensions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([Name, Value]) => ({ Name, Value })),
    Statistic: alarm.metric.statistic,
    Period: alarm.metric.period,
    EvaluationPeriods: alarm.evaluationPeriods,
    ...(alarm.datapointsToAlarm === undefined ? {} : { DatapointsToAlarm: alarm.datapointsToAlarm }),
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparisonOperator,
    TreatMissingData: alarm.treatMissingData,
    ActionsEnabled: true,
    AlarmActions: [...alarm.alarmActions],
    OKActions: [...alarm.okActions],
  };
}

/** The fields of the described alarm that differ from the request, as a person names them. */
function driftOf(wanted: PutMetricAlarmCommandInput, current: MetricAlarm): Change[] {
  const changes: Change[] = [];
  const compare = (field: string, from: unknown, to: unknown): void => {
    if (!same(from, to)) changes.push({ field, from, to });
  };
  compare('description', blank(current.AlarmDescription), wanted.AlarmDescription);
  compare('metric.namespace', current.Namespace, wanted.Namespace);
  compare('metric.name', current.MetricName, wanted.MetricName);
  compare('metric.dimensions', labels(current.Dimensions), labels(wanted.Dimensions));
  compare('metric.statistic', current.ExtendedStatistic ?? current.Statistic, wanted.Statistic);
  compare('metric.period', current.Period, wanted.Period);
  if (current.Metrics !== undefined && current.Metrics.length > 0) changes.push({ field: 'metric', from: 'metric math', to: metricLabel(wanted) });
  compare('threshold', current.Threshold, wanted.Threshold);
  compare('comparisonOperator', current.ComparisonOperator, wanted.ComparisonOperator);
  compare('evaluationPeriods', current.EvaluationPeriods, wanted.EvaluationPeriods);
  // Unset means "all of evaluationPeriods", whichever side leaves it unset.
  compare('datapointsToAlarm', current.DatapointsToAlarm ?? current.EvaluationPeriods, wanted.DatapointsToAlarm ?? wanted.EvaluationPeriods);
  compare('treatMissingData', current.TreatMissingData ?? 'missing', wanted.TreatMissingData);
  compare('actionsEnabled', current.ActionsEnabled ?? true, wanted.ActionsEnabled);
  compare('alarmActions', [...(current.AlarmActions ?? [])].sort(), [...(wanted.AlarmActions ?? [])].sort());
  compare('okActions', [...(current.OKActions ?? [])].sort(), [...(wanted.OKActions ?? [])].sort());
  return changes;
}

function labels(dimensions: readonly { Name?: string | undefined; Value?: string | undefined }[] | undefined): string[] {
  return (dimensions ?? []).map((dimension) => `${dimension.Name ?? ''}=${dimension.Value ?? ''}`).sort();
}

function metricLabel(request: PutMetricAlarmCommandInput): string {
  const dimensions = labels(request.Dimensions).join(', ');
  return `${request.Namespace ?? ''} ${request.MetricName ?? ''}${dimensions ? ` {${dimensions}}` : ''} ${request.Statistic ?? ''}/${String(request.Period)}s ${request.ComparisonOperator ?? ''} ${String(request.Threshold)}`;
}

function blank(text: string | undefined): string | undefined {
  return text === '' ? undefined : text;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
