import type { RuleObservation } from '../../../../functions/scale-watch/observed';
import { planRule } from '../../../../functions/scale-watch/plan';
import { REPLICA_OVERRIDE_ANNOTATION } from '../../../../functions/scale-watch/records';
import { alarmEvent, alarmState, applyPlan, kianax, kinds, minutes, NOW, observationFor, ruleOf, scaler, shopWith, step } from '../support';
import { only } from './support';

describe('planRule with KEDA, prefixes and both bounds', () => {
  it('patches the ScaledObject that owns the HPA, and puts an unset field back to unset', () => {
    // Prepare
    const spec = shopWith(`
  - name: queue
    alarm: shop-cpu-high
    hpas:
      - namespace: shop
        name: keda-hpa-worker
        maxReplicas: { multiply: 2, ceiling: 200 }
        minReplicas: { add: 1, ceiling: 3 }
`);
    const rule = spec.scalingRules[0];
    if (!rule) throw new Error('no rule');
    const observed: RuleObservation = {
      alarms: [],
      nodeGroups: {},
      scalers: { 'shop/keda-hpa-worker': scaler('shop', 'keda-hpa-worker', { max: 50 }, 'worker') },
    };

    // Act
    const raisedPlan = planRule(spec, rule, observed, alarmEvent('ALARM', NOW, 'shop-cpu-high'), NOW);
    const raisedState = applyPlan(observed, raisedPlan);
    const back = planRule(spec, rule, raisedState, { kind: 'reset' }, minutes(NOW, 1));

    // Assess
    expect(kinds(raisedPlan)).toEqual(['PatchScaler scaledobject/shop/worker']);
    expect(only(raisedPlan.actions, 'PatchScaler')[0]?.request).toMatchObject({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      name: 'worker',
      patch: { spec: { minReplicaCount: 1, maxReplicaCount: 100 } },
    });
    expect(only(raisedPlan.actions, 'PatchScaler')[0]?.request.patch.metadata?.annotations).toMatchObject({
      [REPLICA_OVERRIDE_ANNOTATION.specMinReplicas]: '',
      [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: '50',
    });
    expect(only(back.actions, 'PatchScaler')[0]?.request.patch.spec).toEqual({ minReplicaCount: null, maxReplicaCount: 50 });
  });

  it('stays in ALARM while any alarm of a prefix rule is, and returns once all are OK for the hold time', () => {
    // Prepare
    const spec = shopWith(`
  - name: web
    alarmPrefix: shop-
    hold: 10m
    nodeGroups:
      - name: web-ng
        maxSize: { add: 2, ceiling: 8 }
`);
    const rule = spec.scalingRules[0];
    if (!rule) throw new Error('no rule');
    const start = observationFor(spec, rule, [alarmState('OK', minutes(NOW, -60), 'shop-cpu-high'), alarmState('OK', minutes(NOW, -60), 'shop-memory-high')]);
    let observed = step(spec, rule, start, alarmEvent('ALARM', NOW, 'shop-cpu-high'), NOW).observed;
    observed = step(spec, rule, observed, alarmEvent('ALARM', minutes(NOW, 1), 'shop-memory-high'), minutes(NOW, 1)).observed;

    // Act
    const cpuOk = step(spec, rule, observed, alarmEvent('OK', minutes(NOW, 20), 'shop-cpu-high'), minutes(NOW, 40));
    const memoryOk = step(spec, rule, cpuOk.observed, alarmEvent('OK', minutes(NOW, 41), 'shop-memory-high'), minutes(NOW, 41));
    const back = planRule(spec, rule, memoryOk.observed, { kind: 'schedule' }, minutes(NOW, 51));

    // Assess
    expect(cpuOk.plan.decision.kind).toBe('step');
    expect(memoryOk.plan.decision.kind).toBe('hold');
    expect(back.decision.kind).toBe('return');
    expect(only(back.actions, 'UpdateNodegroupConfig')[0]?.request.scalingConfig).toEqual({ minSize: 2, maxSize: 4 });
  });

  it('keeps minSize under maxSize when both move', () => {
    // Prepare
    const spec = shopWith(`
  - name: batch
    alarm: shop-cpu-high
    nodeGroups:
      - name: batch-ng
        minSize: { add: 3, ceiling: 5 }
        maxSize: { add: 1, ceiling: 5 }
`);
    const rule = spec.scalingRules[0];
    if (!rule) throw new Error('no rule');

    // Act
    const plan = planRule(spec, rule, observationFor(spec, rule), alarmEvent('ALARM', NOW, 'shop-cpu-high'), NOW);

    // Assess
    expect(only(plan.actions, 'UpdateNodegroupConfig')[0]?.request.scalingConfig).toEqual({ minSize: 4, maxSize: 4, desiredSize: 4 });
  });

  it('skips an HPA that does not exist, saying so, and still raises the node group', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = observationFor(spec, rule);
    observed.scalers['kianax/kianax-web'] = null;

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', NOW), NOW);

    // Assess
    expect(kinds(plan)).toContain('UpdateNodegroupConfig nodegroup/general-ng');
    expect(kinds(plan)).toContain('Hold hpa/kianax/kianax-web');
    expect(kinds(plan)).not.toContain('PatchScaler hpa/kianax/kianax-web');
  });

  it('waits for a node group that is UPDATING and records the override meanwhile', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = observationFor(spec, rule);
    const general = observed.nodeGroups['general-ng'];
    if (!general) throw new Error('no general-ng');
    general.status = 'UPDATING';

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', NOW), NOW);

    // Assess
    expect(kinds(plan).slice(0, 2)).toEqual(['TagResource nodegroup/general-ng', 'Wait nodegroup/general-ng']);
    expect(only(plan.actions, 'PatchScaler')[0]?.after).toEqual(['nodegroup/general-ng']);
  });
});
