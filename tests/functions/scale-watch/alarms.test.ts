import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { planAlarms, putMetricAlarmRequest } from '../../../functions/scale-watch/alarms';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { reconcileAlarms } from '../../../functions/scale-watch/run';
import { RequestRejectedError, ThrottledError, UpstreamError } from '../../../shared/errors';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeCloudWatch } from '../../../testing/scale-watch-fakes';
import { ALARM_NAME, kianax } from './support';

const logger: RunLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The alarm as CloudWatch describes it once PutMetricAlarm has made it from the spec. */
function described(spec: ClusterSpec, change: (alarm: MetricAlarm) => void = () => undefined): MetricAlarm {
  const [definition] = spec.alarms;
  if (!definition) throw new Error('no alarm');
  const request = putMetricAlarmRequest(definition);
  const alarm: MetricAlarm = {
    ...request,
    AlarmArn: `arn:aws:cloudwatch:us-east-1:777788889999:alarm:${ALARM_NAME}`,
    StateValue: 'OK',
    StateUpdatedTimestamp: new Date('2026-11-22T10:00:00Z'),
  };
  change(alarm);
  return alarm;
}

/** kianax with its CPU alarm alone: each case below is about one alarm's definition, drift and writes. */
async function kianaxCpuAlarm(): Promise<ClusterSpec> {
  const spec = await kianax();
  return { ...spec, alarms: spec.alarms.filter((alarm) => alarm.name === ALARM_NAME) };
}

describe('planAlarms', () => {
  it("creates each of kianax's four alarms, CPU, memory, failed nodes and running pods, in the spec's order", async () => {
    // Prepare
    const spec = await kianax();

    // Act
    const plan = planAlarms(spec, []);

    // Assess
    expect(plan.actions.map((action) => [action.classification, action.target.name, action.request.MetricName, action.request.Threshold])).toEqual([
      ['create', ALARM_NAME, 'node_cpu_utilization', 70],
      ['create', 'kianax-node-memory-high', 'node_memory_utilization', 80],
      ['create', 'kianax-failed-nodes', 'cluster_failed_node_count', 1],
      ['create', 'kianax-pods-below-minimum', 'namespace_number_of_running_pods', 4],
    ]);
    expect(plan.actions.at(-1)?.request).toMatchObject({
      Dimensions: [
        { Name: 'ClusterName', Value: 'kianax' },
        { Name: 'Namespace', Value: 'kianax' },
      ],
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('creates a missing alarm with its full definition', async () => {
    // Prepare
    const spec = await kianaxCpuAlarm();

    // Act
    const plan = planAlarms(spec, []);

    // Assess
    expect(plan.actions.map((action) => [action.kind, action.classification, action.target.name])).toEqual([['PutMetricAlarm', 'create', ALARM_NAME]]);
    expect(plan.actions[0]?.request).toEqual({
      AlarmName: ALARM_NAME,
      AlarmDescription: 'Node CPU of the kianax cluster (its general-ng nodes) at or above 70% for 3 minutes.',
      Namespace: 'ContainerInsights',
      MetricName: 'node_cpu_utilization',
      Dimensions: [{ Name: 'ClusterName', Value: 'kianax' }],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 70,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'missing',
      ActionsEnabled: true,
      AlarmActions: [],
      OKActions: [],
    });
  });

  it('finds nothing to do for an alarm that matches the spec, unset datapointsToAlarm included', async () => {
    // Prepare
    const spec = await kianaxCpuAlarm();

    // Act
    const plan = planAlarms(spec, [
      described(spec, (alarm) => {
        alarm.DatapointsToAlarm = 3;
      }),
    ]);

    // Assess
    expect(plan.actions).toEqual([]);
  });

  it.each<{ drift: string; change: (alarm: MetricAlarm) => void; field: string }>([
    {
      drift: 'a threshold changed in the console',
      change: (alarm) => {
        alarm.Threshold = 90;
      },
      field: 'threshold',
    },
    {
      drift: 'a dimension added',
      change: (alarm) => {
        alarm.Dimensions = [...(alarm.Dimensions ?? []), { Name: 'NodeName', Value: 'ip-10-0-0-1' }];
      },
      field: 'metric.dimensions',
    },
    {
      drift: 'actions disabled',
      change: (alarm) => {
        alarm.ActionsEnabled = false;
      },
      field: 'actionsEnabled',
    },
    {
      drift: 'a period changed',
      change: (alarm) => {
        alarm.Period = 300;
      },
      field: 'metric.period',
    },
    {
      drift: 'missing data treated otherwise',
      change: (alarm) => {
        alarm.TreatMissingData = 'breaching';
      },
      field: 'treatMissingData',
    },
    {
      drift: 'an SNS action added',
      change: (alarm) => {
        alarm.AlarmActions = ['arn:aws:sns:us-east-1:777788889999:pager'];
      },
      field: 'alarmActions',
    },
  ])('reports $drift as drift of $field and puts the spec back', async ({ change, field }) => {
    // Prepare
    const spec = await kianaxCpuAlarm();

    // Act
    const plan = planAlarms(spec, [described(spec, change)]);

    // Assess
    expect(plan.actions.map((action) => [action.classification, action.changes.map((item) => item.field)])).toEqual([['update', [field]]]);
    expect(plan.actions[0]?.request).toEqual(planAlarms(spec, []).actions[0]?.request);
  });

  it('never touches an alarm the spec does not name', async () => {
    // Prepare
    const spec = await kianaxCpuAlarm();
    const foreign = { ...described(spec), AlarmName: 'someone-elses-alarm', Threshold: 1 } as MetricAlarm;

    // Act
    const plan = planAlarms(spec, [described(spec), foreign]);

    // Assess
    expect(plan.actions).toEqual([]);
  });
});

describe('reconcileAlarms', () => {
  it('reports drift in plan mode and writes nothing', async () => {
    // Prepare
    const spec = await kianaxCpuAlarm();
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.alarms.set(
      ALARM_NAME,
      described(spec, (alarm) => {
        alarm.Threshold = 90;
      }),
    );

    // Act
    const report = await reconcileAlarms(spec, cloudWatch, 'plan', logger);

    // Assess
    expect(report).toMatchObject({ status: 'Drifted', drift: [`alarm/${ALARM_NAME} threshold`], written: [] });
    expect(cloudWatch.calls.map((call) => call.name)).toEqual(['DescribeAlarms']);
  });

  it('puts the alarm back in apply mode and finds it converged on the next run', async () => {
    // Prepare
    const spec = await kianaxCpuAlarm();
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.alarms.set(
      ALARM_NAME,
      described(spec, (alarm) => {
        alarm.Threshold = 90;
      }),
    );

    // Act
    const first = await reconcileAlarms(spec, cloudWatch, 'apply', logger);
    const second = await reconcileAlarms(spec, cloudWatch, 'apply', logger);

    // Assess
    expect(first).toMatchObject({ status: 'Converged', written: [ALARM_NAME] });
    expect(second).toMatchObject({ status: 'Converged', drift: [] });
    expect(cloudWatch.alarms.get(ALARM_NAME)?.StateValue).toBe('OK');
  });

  it.each<[string, UpstreamError]>([
    [
      'throttles it (Throttling)',
      new ThrottledError("PutMetricAlarm throttled after the SDK's retries", { cause: Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }) }),
    ],
    [
      'answers 503',
      new UpstreamError('PutMetricAlarm failed: ServiceUnavailable: try later', {
        cause: Object.assign(new Error('try later'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      }),
    ],
  ])('reports an alarm write CloudWatch %s as InProgress, not Blocked, and writes it on the next run', async (_label, failure) => {
    // Prepare
    const spec = await kianaxCpuAlarm();
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.failNext('PutMetricAlarm', failure);

    // Act
    const first = await reconcileAlarms(spec, cloudWatch, 'apply', logger);
    const second = await reconcileAlarms(spec, cloudWatch, 'apply', logger);

    // Assess
    expect(first).toMatchObject({ status: 'InProgress', written: [], failed: [{ alarm: ALARM_NAME, reason: failure.message }] });
    expect(second).toMatchObject({ status: 'Converged', written: [ALARM_NAME] });
  });

  it('reports an alarm CloudWatch refuses as blocked, with the reason', async () => {
    // Prepare
    const spec = await kianaxCpuAlarm();
    const cloudWatch = new FakeCloudWatch();
    jest
      .spyOn(cloudWatch, 'putMetricAlarm')
      .mockRejectedValue(new RequestRejectedError('PutMetricAlarm rejected: The maximum number of alarms has been reached'));

    // Act
    const report = await reconcileAlarms(spec, cloudWatch, 'apply', logger);

    // Assess
    expect(report).toMatchObject({
      status: 'Blocked',
      failed: [{ alarm: ALARM_NAME, reason: 'PutMetricAlarm rejected: The maximum number of alarms has been reached' }],
    });
  });
});
