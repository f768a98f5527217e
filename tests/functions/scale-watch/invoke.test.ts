import path from 'node:path';
import { scaleWatchEventSchema } from '../../../functions/scale-watch/event';
import type { InvokeDeps } from '../../../functions/scale-watch/invoke';
import { handleScaleWatchEvent } from '../../../functions/scale-watch/invoke';
import { UpstreamError } from '../../../shared/errors';
import alarmEvent from '../../../events/scale-watch/alarm-kianax-cpu.json';
import insufficientEvent from '../../../events/scale-watch/insufficient-data-kianax-cpu.json';
import resetEvent from '../../../events/scale-watch/reset-kianax.json';
import scheduleEvent from '../../../events/scale-watch/schedule.json';
import { FakeEks } from '../../../testing/fake-eks';
import { FakeCloudWatch, FakeKubernetes, hpa } from '../../../testing/scale-watch-fakes';
import { ALARM_NAME, KIANAX, kianax, minutes } from './support';

const ALARM_AT = new Date('2026-11-22T12:00:00Z');

interface Recorded {
  metrics: { dimensions: Record<string, string>; name: string; value: number }[];
  deps: InvokeDeps;
  eks: FakeEks;
  cloudWatch: FakeCloudWatch;
  k8s: FakeKubernetes;
}

async function setUp(now: Date): Promise<Recorded> {
  const spec = await kianax();
  const eks = new FakeEks({ region: spec.region });
  eks.seedFromSpec(spec);
  const cloudWatch = new FakeCloudWatch();
  cloudWatch.setState(ALARM_NAME, 'ALARM', ALARM_AT);
  const k8s = new FakeKubernetes();
  k8s.put(hpa('kianax', 'kianax-api'));
  k8s.put(hpa('kianax', 'kianax-web'));
  const metrics: Recorded['metrics'] = [];
  const deps: InvokeDeps = {
    eksFor: () => eks,
    cloudWatchFor: () => cloudWatch,
    kubernetesFor: () => Promise.resolve(k8s),
    now: () => now,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    specPaths: [path.join(KIANAX, 'cluster.yaml')],
    metrics: {
      singleMetric: () => {
        const dimensions: Record<string, string> = {};
        const metric = {
          addDimension: (name: string, value: string) => {
            dimensions[name] = value;
            return metric;
          },
          addMetric: (name: string, _unit: unknown, value: number) => {
            metrics.push({ dimensions: { ...dimensions }, name, value });
            return metric;
          },
        };
        return metric as unknown as ReturnType<NonNullable<InvokeDeps['metrics']>['singleMetric']>;
      },
    },
  };
  return { metrics, deps, eks, cloudWatch, k8s };
}

describe('handleScaleWatchEvent', () => {
  it('publishes one metric per action taken, by cluster and rule', async () => {
    // Prepare
    const { deps, metrics } = await setUp(minutes(ALARM_AT, 0.1));

    // Act
    await handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), deps);

    // Assess
    const dimensions = { Cluster: 'kianax', Rule: 'general-ng-cpu' };
    expect(metrics).toEqual([
      { dimensions, name: 'TagResource', value: 1 },
      { dimensions, name: 'UpdateNodegroupConfig', value: 1 },
      { dimensions, name: 'PatchScaler', value: 2 },
      { dimensions, name: 'BoundChanges', value: 3 },
    ]);
  });

  it('keeps the bounds on the INSUFFICIENT_DATA sample event', async () => {
    // Prepare
    const world = await setUp(minutes(ALARM_AT, 0.1));
    await handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), world.deps);
    world.eks.settle();
    world.cloudWatch.setState(ALARM_NAME, 'INSUFFICIENT_DATA', minutes(ALARM_AT, 40));
    const later = { ...world.deps, now: () => minutes(ALARM_AT, 41) };

    // Act
    const response = await handleScaleWatchEvent(scaleWatchEventSchema.parse(insufficientEvent), later);

    // Assess
    expect(response.rules.map((report) => [report.decision, report.status])).toEqual([['freeze', 'Converged']]);
    expect(world.eks.nodegroup('kianax', 'general-ng')?.scalingConfig?.maxSize).toBe(8);
  });

  it("puts the spec's values back on a reset, whatever the alarm says", async () => {
    // Prepare
    const world = await setUp(minutes(ALARM_AT, 0.1));
    await handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), world.deps);
    world.eks.settle();

    // Act
    const response = await handleScaleWatchEvent(scaleWatchEventSchema.parse(resetEvent), { ...world.deps, now: () => minutes(ALARM_AT, 2) });
    world.eks.settle();

    // Assess
    expect(response.rules.map((report) => report.decision)).toEqual(['return']);
    expect(world.eks.nodegroup('kianax', 'general-ng')?.scalingConfig?.maxSize).toBe(6);
    expect((world.k8s.object('HorizontalPodAutoscaler', 'kianax', 'kianax-api')?.spec as { maxReplicas?: number }).maxReplicas).toBe(10);
  });

  it('reports a rule whose alarm CloudWatch cannot describe for now (503) as InProgress on the schedule, not Blocked', async () => {
    // Prepare
    const world = await setUp(minutes(ALARM_AT, 0.1));
    const outage = new UpstreamError('DescribeAlarms failed: ServiceUnavailable', {
      cause: Object.assign(new Error('try later'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
    });
    world.cloudWatch.failNext('DescribeAlarms', outage, 2);

    // Act
    const response = await handleScaleWatchEvent(scaleWatchEventSchema.parse(scheduleEvent), world.deps);

    // Assess
    expect(response.alarms.map((report) => report.status)).toEqual(['InProgress']);
    expect(response.rules.map((report) => [report.decision, report.status])).toEqual([['failed', 'InProgress']]);
  });

  it('fails the alarm event when a rule cannot be observed, so Lambda retries it, and the retry changes nothing twice', async () => {
    // Prepare
    const world = await setUp(minutes(ALARM_AT, 0.1));
    let reachable = false;
    const flaky: InvokeDeps = {
      ...world.deps,
      kubernetesFor: (spec) => (reachable ? world.deps.kubernetesFor(spec) : Promise.reject(new UpstreamError('cluster kianax unreachable'))),
    };

    // Act
    const first = handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), flaky);
    await expect(first).rejects.toThrow(`1 of 1 rule(s) driven by ${ALARM_NAME} could not run; the event is retried`);
    reachable = true;
    const retried = await handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), flaky);
    const again = await handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), flaky);

    // Assess
    expect(world.eks.writes()).toHaveLength(2);
    expect(retried.rules[0]?.status).toBe('Converged');
    expect(again.rules[0]?.status).toBe('Converged');
  });

  it('does not fail a run whose bounds moved when the notification cannot be sent', async () => {
    // Prepare
    const world = await setUp(minutes(ALARM_AT, 0.1));
    const deps: InvokeDeps = { ...world.deps, notifier: { send: () => Promise.reject(new UpstreamError('Publish failed')) } };

    // Act
    const response = await handleScaleWatchEvent(scaleWatchEventSchema.parse(alarmEvent), deps);

    // Assess
    expect(response.rules[0]?.status).toBe('Converged');
  });
});
