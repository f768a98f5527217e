import { observe } from '../../../functions/provision/observe';
import { planCluster } from '../../../functions/provision/plan';
import type { ScaleWatchDeps } from '../../../functions/scale-watch/run';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { FIELD_MANAGER, runRule } from '../../../functions/scale-watch/run';
import { REPLICA_OVERRIDE_ANNOTATION } from '../../../functions/scale-watch/records';
import { OVERRIDE_TAG, readOverride } from '../../../shared/model/overrides';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../../testing/fake-eks';
import type { Failure } from '../../../testing/fake-eks';
import { FakeCloudWatch, FakeKubernetes, hpa, scaledObject } from '../../../testing/scale-watch-fakes';
import { ALARM_NAME, NOW, alarmEvent, kianax, minutes, ruleOf, shopWith } from './support';

interface World {
  spec: ClusterSpec;
  eks: FakeEks;
  cloudWatch: FakeCloudWatch;
  k8s: FakeKubernetes;
  logs: { level: string; message: string; facts: Record<string, unknown> }[];
  deps(now: Date): ScaleWatchDeps;
}

async function kianaxWorld(): Promise<World> {
  return world(await kianax(), (k8s) => {
    k8s.put(hpa('kianax', 'kianax-api'));
    k8s.put(hpa('kianax', 'kianax-web'));
  });
}

function world(spec: ClusterSpec, seed: (k8s: FakeKubernetes) => void): World {
  const eks = new FakeEks({ region: spec.region });
  eks.seedFromSpec(spec);
  const cloudWatch = new FakeCloudWatch();
  cloudWatch.setState(ALARM_NAME, 'OK', minutes(NOW, -120));
  const k8s = new FakeKubernetes();
  seed(k8s);
  const logs: World['logs'] = [];
  const logger: RunLogger = {
    info: (message, facts) => logs.push({ level: 'info', message, facts }),
    warn: (message, facts) => logs.push({ level: 'warn', message, facts }),
    error: (message, facts) => logs.push({ level: 'error', message, facts }),
  };
  return {
    spec,
    eks,
    cloudWatch,
    k8s,
    logs,
    deps: (now) => ({ eksFor: () => eks, cloudWatchFor: () => cloudWatch, kubernetesFor: () => Promise.resolve(k8s), now: () => now, logger }),
  };
}

function maxReplicas(k8s: FakeKubernetes, name: string): unknown {
  return (k8s.object('HorizontalPodAutoscaler', 'kianax', name)?.spec as { maxReplicas?: unknown } | undefined)?.maxReplicas;
}

describe('runRule against the node group (EKS port)', () => {
  it('records the override on the node group, then raises its max, then the HPAs', async () => {
    // Prepare
    const w = await kianaxWorld();
    w.cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);

    // Act
    const report = await runRule(w.spec, ruleOf(w.spec), alarmEvent('ALARM', NOW), w.deps(NOW), 'apply');
    w.eks.settle();

    // Assess
    expect(report.status).toBe('Converged');
    expect(w.eks.writes().map((call) => call.name)).toEqual(['TagResource', 'UpdateNodegroupConfig']);
    expect(w.k8s.patches().map((call) => `${call.kind} ${call.name} ${call.options?.fieldManager ?? ''}`)).toEqual([
      `HorizontalPodAutoscaler kianax-api ${FIELD_MANAGER}`,
      `HorizontalPodAutoscaler kianax-web ${FIELD_MANAGER}`,
    ]);
    const general = w.eks.nodegroup('kianax', 'general-ng');
    expect(general?.scalingConfig).toEqual({ minSize: 2, maxSize: 8, desiredSize: 2 });
    expect(readOverride(general?.tags, NOW)).toEqual({
      kind: 'active',
      override: { maxSize: 8, expires: minutes(NOW, 360), source: `alarm/${ALARM_NAME}@${NOW.toISOString()}` },
    });
    expect(report.boundChanges).toEqual([
      { target: 'nodegroup/general-ng', field: 'scaling.maxSize', from: 6, to: 8 },
      { target: 'hpa/kianax/kianax-api', field: 'spec.maxReplicas', from: 10, to: 15 },
      { target: 'hpa/kianax/kianax-web', field: 'spec.maxReplicas', from: 10, to: 15 },
    ]);
    const changed = w.logs.filter((line) => line.message === 'bounds changed').map((line) => line.facts);
    expect(changed[0]).toMatchObject({
      cluster: 'kianax',
      rule: 'general-ng-cpu',
      alarm: ALARM_NAME,
      target: 'nodegroup/general-ng',
      field: 'scaling.maxSize',
      from: 6,
      to: 8,
    });
    expect(changed[0]?.reason).toMatch(/^kianax-general-ng-cpu-high ALARM: one step/);
  });

  it('leaves a node group busy with another update (ResourceInUseException) for the next scheduled run, which finishes the move', async () => {
    // Prepare
    const w = await kianaxWorld();
    w.cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);
    w.eks.failNext('UpdateNodegroupConfig', 'busy');

    // Act
    const first = await runRule(w.spec, ruleOf(w.spec), alarmEvent('ALARM', NOW), w.deps(NOW), 'apply');
    const second = await runRule(w.spec, ruleOf(w.spec), { kind: 'schedule' }, w.deps(minutes(NOW, 5)), 'apply');
    w.eks.settle();

    // Assess
    expect(first.status).toBe('InProgress');
    expect(first.deferred.map((item) => `${item.kind} ${item.target}: ${item.reason}`)).toEqual([
      'UpdateNodegroupConfig nodegroup/general-ng: EKS is busy with another update of the node group (ResourceInUseException); the next scheduled run finishes the move',
      'PatchScaler hpa/kianax/kianax-api: waits for nodegroup/general-ng',
      'PatchScaler hpa/kianax/kianax-web: waits for nodegroup/general-ng',
    ]);
    expect(w.logs.some((line) => line.level === 'error')).toBe(false);
    expect(second.decision).toBe('cooldown');
    expect(second.status).toBe('Converged');
    expect(w.eks.nodegroup('kianax', 'general-ng')?.scalingConfig?.maxSize).toBe(8);
    expect([maxReplicas(w.k8s, 'kianax-api'), maxReplicas(w.k8s, 'kianax-web')]).toEqual([15, 15]);
    expect(w.eks.writes().filter((call) => call.name === 'TagResource')).toHaveLength(1);
  });

  it.each<[string, Failure]>([
    ['answers 503 after the SDK retries', 'unavailable'],
    ['throttles it', 'throttled'],
  ])('reports a move EKS %s as InProgress, not Blocked, and the next scheduled run finishes it', async (_label, failure) => {
    // Prepare
    const w = await kianaxWorld();
    w.cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);
    w.eks.failNext('UpdateNodegroupConfig', failure);

    // Act
    const first = await runRule(w.spec, ruleOf(w.spec), alarmEvent('ALARM', NOW), w.deps(NOW), 'apply');
    const second = await runRule(w.spec, ruleOf(w.spec), { kind: 'schedule' }, w.deps(minutes(NOW, 5)), 'apply');
    w.eks.settle();

    // Assess
    expect(first.status).toBe('InProgress');
    expect(first.blocked).toEqual([]);
    expect(first.deferred.map((item) => `${item.kind} ${item.target}`)).toEqual([
      'UpdateNodegroupConfig nodegroup/general-ng',
      'PatchScaler hpa/kianax/kianax-api',
      'PatchScaler hpa/kianax/kianax-web',
    ]);
    expect(second.status).toBe('Converged');
    expect(w.eks.nodegroup('kianax', 'general-ng')?.scalingConfig?.maxSize).toBe(8);
  });

  it('patches the KEDA ScaledObject that owns the HPA, never the HPA itself', async () => {
    // Prepare
    const spec = shopWith(`
  - name: jobs
    alarm: shop-cpu-high
    hpas:
      - namespace: shop
        name: keda-hpa-jobs
        maxReplicas: { add: 10, ceiling: 40 }
`);
    const w = world(spec, (k8s) => {
      k8s.put(hpa('shop', 'keda-hpa-jobs', { max: 20 }, 'jobs'));
      k8s.put(scaledObject('shop', 'jobs', { min: 1, max: 20 }));
    });
    w.cloudWatch.setState('shop-cpu-high', 'ALARM', NOW);

    // Act
    const report = await runRule(spec, spec.scalingRules[0] ?? ruleOf(spec), alarmEvent('ALARM', NOW, 'shop-cpu-high'), w.deps(NOW), 'apply');

    // Assess
    expect(report.status).toBe('Converged');
    expect(w.k8s.patches().map((call) => `${call.kind} ${call.namespace ?? ''}/${call.name}`)).toEqual(['ScaledObject shop/jobs']);
    const stored = w.k8s.object('ScaledObject', 'shop', 'jobs');
    expect((stored?.spec as Record<string, unknown>).maxReplicaCount).toBe(30);
    expect(stored?.metadata.annotations?.[REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]).toBe('20');
    expect((w.k8s.object('HorizontalPodAutoscaler', 'shop', 'keda-hpa-jobs')?.spec as Record<string, unknown>).maxReplicas).toBe(20);
  });

  it('only plans in plan mode: no write of any kind', async () => {
    // Prepare
    const w = await kianaxWorld();

    // Act
    const report = await runRule(w.spec, ruleOf(w.spec), alarmEvent('ALARM', NOW), w.deps(NOW), 'plan');

    // Assess
    expect(report.status).toBe('Drifted');
    expect(report.boundChanges.map((change) => `${change.target} ${String(change.from)}->${String(change.to)}`)).toEqual([
      'nodegroup/general-ng 6->8',
      'hpa/kianax/kianax-api 10->15',
      'hpa/kianax/kianax-web 10->15',
    ]);
    expect(w.eks.writes()).toEqual([]);
    expect(w.k8s.patches()).toEqual([]);
  });
});

describe("scale-watch and provision's drift check", () => {
  it('shows no drift to provision while the override is active, and drift once it has expired', async () => {
    // Prepare
    const w = await kianaxWorld();
    w.cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);
    await runRule(w.spec, ruleOf(w.spec), alarmEvent('ALARM', NOW), w.deps(NOW), 'apply');
    w.eks.settle();
    const observed = await observe(w.eks, w.spec);
    const expires = minutes(NOW, 360);

    // Act
    const whileActive = planCluster(w.spec, observed, { now: minutes(NOW, 30) });
    const afterExpiry = planCluster(w.spec, observed, { now: minutes(expires, 1) });

    // Assess
    expect(whileActive.actions.filter((action) => action.target.name === 'general-ng')).toEqual([]);
    const general = afterExpiry.actions.filter((action) => action.target.name === 'general-ng');
    expect(general.map((action) => action.kind)).toEqual(['UpdateNodegroupConfig', 'UntagResource']);
    expect(general[0]?.changes).toEqual([{ field: 'scaling.max', from: 8, to: 6 }]);
    expect(general[1]?.request).toMatchObject({ tagKeys: [OVERRIDE_TAG.maxSize, OVERRIDE_TAG.expires, OVERRIDE_TAG.source] });
  });

  it('shows no drift during the hold time after OK, while the override is shortened to the return time', async () => {
    // Prepare
    const w = await kianaxWorld();
    w.cloudWatch.setState(ALARM_NAME, 'ALARM', NOW);
    await runRule(w.spec, ruleOf(w.spec), alarmEvent('ALARM', NOW), w.deps(NOW), 'apply');
    w.cloudWatch.setState(ALARM_NAME, 'OK', minutes(NOW, 20));
    await runRule(w.spec, ruleOf(w.spec), alarmEvent('OK', minutes(NOW, 20)), w.deps(minutes(NOW, 20)), 'apply');
    w.eks.settle();
    const observed = await observe(w.eks, w.spec);

    // Act
    const duringHold = planCluster(w.spec, observed, { now: minutes(NOW, 30) });

    // Assess
    expect(duringHold.actions.filter((action) => action.target.name === 'general-ng')).toEqual([]);
    expect(w.eks.nodegroup('kianax', 'general-ng')?.tags?.[OVERRIDE_TAG.expires]).toBe(minutes(NOW, 45).toISOString());
  });
});
