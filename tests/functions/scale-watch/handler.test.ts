import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeNodegroupCommand, EKSClient, TagResourceCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import type { Nodegroup } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handler } from '../../../functions/scale-watch/handler';
import { overrideTags } from '../../../shared/model/overrides';
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import alarmEvent from '../../../events/scale-watch/alarm-kianax-cpu.json';
import planEvent from '../../../events/scale-watch/plan-kianax-alarm.json';
import scheduleEvent from '../../../events/scale-watch/schedule.json';
import { lambdaContext } from '../../../testing/lambda-context';
import { answered, rejected } from '../../../testing/answers';
import { captureLogLines } from '../../../testing/log-lines';
import { startFakeApiServer, status } from '../../../testing/kubernetes-api-server';
import type { FakeApiServer } from '../../../testing/kubernetes-api-server';
import { hpa, mergePatchInto } from '../../../testing/scale-watch-fakes';
import { ALARM_NAME, KIANAX, kianax, nodegroupFromSpec } from './support';

const eks = mockClient(EKSClient);
const cloudWatch = mockClient(CloudWatchClient);
const ALARM_AT = new Date('2026-11-22T12:00:00Z');
const HPA_PATH = '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers';

function alarm(state: 'OK' | 'ALARM', since: Date): MetricAlarm {
  return { AlarmName: ALARM_NAME, StateValue: state, StateTransitionedTimestamp: since, StateUpdatedTimestamp: since, StateReason: 'test' };
}

describe('scale-watch handler', () => {
  const originalEnv = process.env;
  const objects = new Map<string, KubernetesObject>();
  let server: FakeApiServer;
  let dir: string;
  let general: Nodegroup;

  beforeAll(async () => {
    server = await startFakeApiServer((request) => {
      const found = objects.get(request.path);
      const name = request.path.slice(request.path.lastIndexOf('/') + 1);
      if (found === undefined) return status(404, 'NotFound', `"${name}" not found`, { name });
      if (request.method === 'PATCH') objects.set(request.path, mergePatchInto(found, JSON.parse(request.body)) as KubernetesObject);
      return { status: 200, body: objects.get(request.path) };
    });
    dir = mkdtempSync(path.join(tmpdir(), 'scale-watch-'));
    writeFileSync(
      path.join(dir, 'kubeconfig'),
      `apiVersion: v1\nkind: Config\ncurrent-context: kianax\nclusters:\n  - name: kianax\n    cluster: { server: "${server.url}" }\nusers:\n  - name: scale-watch\n    user: { token: test-token }\ncontexts:\n  - name: kianax\n    context: { cluster: kianax, user: scale-watch }\n`,
    );
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    process.env = { ...originalEnv, EKS_PILOT_SPECS: KIANAX, POWERTOOLS_METRICS_DISABLED: 'true', KUBECONFIG: path.join(dir, 'kubeconfig') };
    jest.useFakeTimers({
      now: new Date(ALARM_AT.getTime() + 5_000),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    eks.reset();
    cloudWatch.reset();
    server.requests.splice(0);
    objects.clear();
    objects.set(`${HPA_PATH}/kianax-api`, hpa('kianax', 'kianax-api'));
    objects.set(`${HPA_PATH}/kianax-web`, hpa('kianax', 'kianax-web'));
    general = nodegroupFromSpec(await kianax(), 'general-ng');
    eks.on(DescribeNodegroupCommand).callsFake(() => ({ nodegroup: structuredClone(general) }));
    eks.on(TagResourceCommand).callsFake((input: { tags?: Record<string, string> }) => {
      general.tags = { ...general.tags, ...input.tags };
      return {};
    });
    eks.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'update-1', status: 'InProgress' } });
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('raises general-ng and the HPAs on the ALARM sample event, logging every bound change with the alarm', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('ALARM', ALARM_AT)] });
    const logs = captureLogLines();

    // Act
    const response = answered(await handler(alarmEvent, lambdaContext));

    // Assess
    expect(response.rules.map((report) => [report.cluster, report.rule, report.decision, report.status])).toEqual([
      ['kianax', 'general-ng-cpu', 'step', 'Converged'],
    ]);
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNames: [ALARM_NAME] });
    expect(eks).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: general.nodegroupArn,
      tags: overrideTags({
        maxSize: 8,
        expires: new Date(ALARM_AT.getTime() + 6 * 3_600_000 + 5_000),
        source: `alarm/${ALARM_NAME}@${ALARM_AT.toISOString()}`,
      }),
    });
    expect(eks).toHaveReceivedCommandWith(UpdateNodegroupConfigCommand, {
      clusterName: 'kianax',
      nodegroupName: 'general-ng',
      scalingConfig: { minSize: 2, maxSize: 8 },
    });
    expect(server.requests.filter((request) => request.method === 'PATCH').map((request) => request.path)).toEqual([
      `${HPA_PATH}/kianax-api`,
      `${HPA_PATH}/kianax-web`,
    ]);
    const changed = logs.lines().filter((line) => line.message === 'bounds changed');
    expect(changed.map((line) => [line.target, line.field, line.from, line.to])).toEqual([
      ['nodegroup/general-ng', 'scaling.maxSize', 6, 8],
      ['hpa/kianax/kianax-api', 'spec.maxReplicas', 10, 15],
      ['hpa/kianax/kianax-web', 'spec.maxReplicas', 10, 15],
    ]);
    expect(changed[0]).toMatchObject({
      alarm: ALARM_NAME,
      eventId: alarmEvent.id,
      trigger: 'alarm',
      state: 'ALARM',
      service: 'scale-watch',
      function_request_id: lambdaContext.awsRequestId,
    });
  });

  it('sends no write for a manual plan and answers with the plan a person reads', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('OK', new Date(ALARM_AT.getTime() - 3_600_000))] });
    captureLogLines();

    // Act
    const response = answered(await handler(planEvent, lambdaContext));

    // Assess
    const [report] = response.rules;
    expect(report?.status).toBe('Drifted');
    expect(report?.plan?.[0]).toBe('Cluster kianax (us-east-1)');
    expect(report?.plan?.join('\n')).toContain('UpdateNodegroupConfig');
    expect(eks).not.toHaveReceivedCommand(TagResourceCommand);
    expect(eks).not.toHaveReceivedCommand(UpdateNodegroupConfigCommand);
    expect(server.requests.filter((request) => request.method === 'PATCH')).toEqual([]);
  });

  it('creates a missing alarm of the spec on the schedule and reports it as drift', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    cloudWatch.on(PutMetricAlarmCommand).resolves({});
    captureLogLines();

    // Act
    const response = answered(await handler(scheduleEvent, lambdaContext));

    // Assess
    expect(response.alarms.map((report) => [report.cluster, report.status, report.drift])).toEqual([
      [
        'kianax',
        'Converged',
        [
          `alarm/${ALARM_NAME} missing`,
          'alarm/kianax-node-memory-high missing',
          'alarm/kianax-failed-nodes missing',
          'alarm/kianax-pods-below-minimum missing',
        ],
      ],
    ]);
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
      AlarmName: ALARM_NAME,
      Namespace: 'ContainerInsights',
      MetricName: 'node_cpu_utilization',
      Dimensions: [{ Name: 'ClusterName', Value: 'kianax' }],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 70,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'missing',
    });
    expect(response.rules.map((report) => report.decision)).toEqual(['freeze']);
    expect(eks).not.toHaveReceivedCommand(UpdateNodegroupConfigCommand);
  });

  it('answers an alarm no rule is driven by without failing and without a call', async () => {
    // Prepare
    captureLogLines();
    const other = { ...alarmEvent, detail: { ...alarmEvent.detail, alarmName: 'someone-elses-alarm' } };

    // Act
    const response = answered(await handler(other, lambdaContext));

    // Assess
    expect(response.ignored).toBe('no scaling rule in us-east-1 is driven by alarm someone-elses-alarm');
    expect(cloudWatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
  });

  it('answers an alarm event with an unknown state with an error object naming the field, so EventBridge does not retry it', async () => {
    // Prepare
    const logs = captureLogLines();
    const broken = { ...alarmEvent, detail: { ...alarmEvent.detail, state: { ...alarmEvent.detail.state, value: 'BROKEN' } } };

    // Act
    const answer = await handler(broken, lambdaContext);

    // Assess
    expect(rejected(answer)).toMatchObject({
      name: 'InvalidEventError',
      field: 'detail.state.value',
      reason: 'expected one of "OK"|"ALARM"|"INSUFFICIENT_DATA"',
      retryable: false,
    });
    expect(logs.lines().some((line) => line.message === 'invocation failed')).toBe(true);
  });

  it('answers a manual invoke with an unknown action with the field and the actions there are, without a stack', async () => {
    // Prepare
    captureLogLines();

    // Act
    const answer = await handler({ action: 'explode' }, lambdaContext);

    // Assess
    expect(rejected(answer)).toEqual({
      name: 'InvalidEventError',
      message: 'unexpected event: (event): expected action plan, reset or alarms',
      field: '(event)',
      reason: 'expected action plan, reset or alarms',
      issues: [{ field: '(event)', reason: 'expected action plan, reset or alarms' }],
      retryable: false,
    });
  });

  it('answers a manual invoke with a 10,000-character unknown key, cutting the key it repeats', async () => {
    // Prepare
    const logs = captureLogLines();
    const key = 'k'.repeat(10_000);

    // Act
    const answer = await handler({ action: 'alarms', mode: 'plan', [key]: true }, lambdaContext);

    // Assess
    const error = rejected(answer);
    expect(error.field).toBe('(event)');
    expect(error.reason).toMatch(/^Unrecognized key: "k{181}… \(10020 characters\)$/);
    expect(JSON.stringify(answer).length).toBeLessThan(2_000);
    expect(logs.raw()).not.toContain('k'.repeat(201));
  });
});
