import { CloudWatchClient, DescribeAlarmsCommand, InvalidParameterValueException, LimitExceededFault, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ALARM_NAMES_PER_REQUEST, CloudWatchAdapter } from '../../../../shared/adapters/aws/cloudwatch';
import { RequestRejectedError, ThrottledError, UpstreamError } from '../../../../shared/errors';

const cloudWatch = mockClient(CloudWatchClient);

describe('CloudWatchAdapter', () => {
  const adapter = new CloudWatchAdapter(new CloudWatchClient({ region: 'us-east-1' }));

  beforeEach(() => {
    cloudWatch.reset();
  });

  it('reads alarms by name, metric and composite, following every page', async () => {
    // Prepare
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }], NextToken: 'page-2' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'b', StateValue: 'ALARM' }], CompositeAlarms: [{ AlarmName: 'c', StateValue: 'OK' }] });

    // Act
    const result = await adapter.describeAlarms({ names: ['a', 'b', 'c'] });

    // Assess
    expect(result.metricAlarms.map((alarm) => alarm.AlarmName)).toEqual(['a', 'b']);
    expect(result.compositeAlarms.map((alarm) => alarm.AlarmName)).toEqual(['c']);
    expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(1, DescribeAlarmsCommand, {
      AlarmNames: ['a', 'b', 'c'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(2, DescribeAlarmsCommand, { AlarmNames: ['a', 'b', 'c'], NextToken: 'page-2' });
  });

  it(`asks for at most ${ALARM_NAMES_PER_REQUEST} names per request`, async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const names = Array.from({ length: 150 }, (_, index) => `alarm-${index}`);

    // Act
    await adapter.describeAlarms({ names });

    // Assess
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 2);
    expect(cloudWatch).toHaveReceivedNthSpecificCommandWith(2, DescribeAlarmsCommand, { AlarmNames: names.slice(100) });
  });

  it('reads alarms by prefix', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'kianax-cpu' }] });

    // Act
    const result = await adapter.describeAlarms({ prefix: 'kianax-' });

    // Assess
    expect(result.metricAlarms).toHaveLength(1);
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNamePrefix: 'kianax-' });
  });

  it('sends the PutMetricAlarm request as given', async () => {
    // Prepare
    cloudWatch.on(PutMetricAlarmCommand).resolves({});
    const request = {
      AlarmName: 'kianax-cpu',
      Namespace: 'ContainerInsights',
      MetricName: 'node_cpu_utilization',
      Threshold: 70,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const,
    };

    // Act
    await adapter.putMetricAlarm(request);

    // Assess
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricAlarmCommand, request);
  });

  it.each([
    {
      name: 'an invalid parameter',
      error: new InvalidParameterValueException({ message: 'Period must be 10, 20, 30 or a multiple of 60', $metadata: {} }),
      type: RequestRejectedError,
    },
    {
      name: 'the alarm quota',
      error: new LimitExceededFault({ message: 'The maximum number of alarms has been reached', $metadata: {} }),
      type: RequestRejectedError,
    },
    { name: 'throttling', error: Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }), type: ThrottledError },
    { name: 'anything else', error: Object.assign(new Error('boom'), { name: 'InternalServiceFault' }), type: UpstreamError },
  ])('turns $name into a typed error with the SDK error as cause', async ({ error, type }) => {
    // Prepare
    cloudWatch.on(PutMetricAlarmCommand).rejects(error);

    // Act
    const outcome = adapter.putMetricAlarm({ AlarmName: 'kianax-cpu' });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(type);
    await expect(outcome).rejects.toMatchObject({ cause: error, context: { action: 'PutMetricAlarm', alarm: 'kianax-cpu' } });
  });
});
