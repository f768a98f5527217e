import type { ScaleWatchAction } from '../../../functions/scale-watch/actions';
import type { RuleObservation } from '../../../functions/scale-watch/observed';
import { applyStep, planRule, RETURN_GRACE_MS } from '../../../functions/scale-watch/plan';
import { REPLICA_OVERRIDE_ANNOTATION } from '../../../functions/scale-watch/records';
import { OVERRIDE_TAG, overrideTags } from '../../../shared/overrides';
import type { StepSpec } from '../../../shared/spec/scaling';
import {
  ALARM_NAME,
  MINUTE,
  NOW,
  alarmEvent,
  alarmState,
  applyPlan,
  boundsOf,
  kianax,
  kinds,
  minutes,
  nodegroupArn,
  observationFor,
  ruleOf,
  scaler,
  shopWith,
  step,
} from './support';

function only<K extends ScaleWatchAction['kind']>(actions: readonly ScaleWatchAction[], kind: K): Extract<ScaleWatchAction, { kind: K }>[] {
  return actions.filter((action): action is Extract<ScaleWatchAction, { kind: K }> => action.kind === kind);
}

describe('applyStep', () => {
  it.each<{ value: number; step: StepSpec; expected: number }>([
    { value: 5, step: { add: 2, ceiling: 10 }, expected: 7 },
    { value: 9, step: { add: 2, ceiling: 10 }, expected: 10 },
    { value: 10, step: { add: 2, ceiling: 10 }, expected: 10 },
    { value: 12, step: { add: 2, ceiling: 10 }, expected: 12 },
    { value: 10, step: { multiply: 1.5, ceiling: 40 }, expected: 15 },
    { value: 10, step: { multiply: 1.1, ceiling: 40 }, expected: 11 },
    { value: 1, step: { multiply: 1.2, ceiling: 40 }, expected: 2 },
    { value: 0, step: { multiply: 2, ceiling: 3 }, expected: 1 },
    { value: 8, step: { add: -3, floor: 6 }, expected: 6 },
    { value: 8, step: { multiply: 0.5, floor: 1 }, expected: 4 },
    { value: 3, step: { multiply: 0.9, floor: 1 }, expected: 2 },
  ])('moves $value by $step to $expected', ({ value, step: move, expected }) => {
    // Act
    const result = applyStep(value, move);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('planRule on ALARM', () => {
  it('raises general-ng max and each HPA max by one step, node group first, with the override recorded before the bounds', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const at = minutes(NOW, -1);

    // Act
    const plan = planRule(spec, rule, observationFor(spec, rule, [alarmState('OK', minutes(NOW, -60))]), alarmEvent('ALARM', at), NOW);

    // Assess
    expect(plan.decision.kind).toBe('step');
    expect(kinds(plan)).toEqual([
      'TagResource nodegroup/general-ng',
      'UpdateNodegroupConfig nodegroup/general-ng',
      'PatchScaler hpa/kianax/kianax-api',
      'PatchScaler hpa/kianax/kianax-web',
    ]);
    const [tag] = only(plan.actions, 'TagResource');
    expect(tag?.request).toEqual({
      resourceArn: nodegroupArn(spec, 'general-ng'),
      tags: overrideTags({ maxSize: 7, expires: new Date(NOW.getTime() + 6 * 60 * MINUTE), source: `alarm/${ALARM_NAME}@${at.toISOString()}` }),
    });
    const [update] = only(plan.actions, 'UpdateNodegroupConfig');
    expect(update?.request).toEqual({ clusterName: 'kianax', nodegroupName: 'general-ng', scalingConfig: { minSize: 2, maxSize: 7 } });
    expect(update?.after).toEqual(['nodegroup/general-ng']);
    expect(update?.changes).toEqual([{ field: 'scaling.maxSize', from: 5, to: 7 }]);
    const [api] = only(plan.actions, 'PatchScaler');
    expect(api?.request).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'kianax',
      name: 'kianax-api',
      patch: {
        metadata: {
          annotations: {
            [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: '15',
            [REPLICA_OVERRIDE_ANNOTATION.expires]: new Date(NOW.getTime() + 6 * 60 * MINUTE).toISOString(),
            [REPLICA_OVERRIDE_ANNOTATION.source]: `alarm/${ALARM_NAME}@${at.toISOString()}`,
            [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: '10',
          },
        },
        spec: { maxReplicas: 15 },
      },
    });
    expect(api?.after).toEqual(['nodegroup/general-ng']);
  });

  it('never crosses a ceiling however many ALARM events arrive', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    let observed = observationFor(spec, rule, [alarmState('OK', minutes(NOW, -60))]);
    const seen: Record<string, string>[] = [];

    // Act: an ALARM transition every 11 minutes (past the 10-minute cooldown), twenty times.
    for (let index = 0; index < 20; index += 1) {
      const at = minutes(NOW, index * 11);
      observed = step(spec, rule, observed, alarmEvent('OK', minutes(at, -1)), at).observed;
      observed = step(spec, rule, observed, alarmEvent('ALARM', at), at).observed;
      seen.push(boundsOf(observed));
    }

    // Assess
    expect(seen[0]).toEqual({ 'general-ng': '2-7', 'kianax/kianax-api': '2-15', 'kianax/kianax-web': '2-15' });
    expect(seen[1]).toEqual({ 'general-ng': '2-9', 'kianax/kianax-api': '2-20', 'kianax/kianax-web': '2-20' });
    for (const bounds of seen.slice(1)) expect(bounds).toEqual(seen[1]);
  });

  it('takes the next step on the schedule once the cooldown has passed while the alarm stays in ALARM', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const first = step(spec, rule, observationFor(spec, rule), alarmEvent('ALARM', NOW), NOW).observed;

    // Act
    const early = planRule(spec, rule, first, { kind: 'schedule' }, minutes(NOW, 9));
    const later = planRule(spec, rule, first, { kind: 'schedule' }, minutes(NOW, 10));

    // Assess
    expect(early.decision.kind).toBe('cooldown');
    expect(early.actions.filter((action) => action.classification !== 'no-op')).toEqual([]);
    expect(later.decision.kind).toBe('step');
    expect(only(later.actions, 'UpdateNodegroupConfig')[0]?.request.scalingConfig).toEqual({ minSize: 2, maxSize: 9 });
  });

  it('does nothing for a second ALARM inside the cooldown', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    let observed = step(spec, rule, observationFor(spec, rule), alarmEvent('ALARM', NOW), NOW).observed;
    observed = step(spec, rule, observed, alarmEvent('OK', minutes(NOW, 2)), minutes(NOW, 2)).observed;
    const before = boundsOf(observed);

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', minutes(NOW, 4)), minutes(NOW, 4));

    // Assess
    expect(plan.decision.kind).toBe('cooldown');
    expect(only(plan.actions, 'UpdateNodegroupConfig')).toEqual([]);
    expect(only(plan.actions, 'PatchScaler').flatMap((action) => action.changes.map((change) => change.field))).toEqual(['override', 'override']);
    expect(boundsOf(applyPlan(observed, plan))).toEqual(before);
  });

  it('renews the overrides it holds when the alarm comes back inside the hold time', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    let observed = step(spec, rule, observationFor(spec, rule), alarmEvent('ALARM', NOW), NOW).observed;
    observed = step(spec, rule, observed, alarmEvent('OK', minutes(NOW, 2)), minutes(NOW, 2)).observed;

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', minutes(NOW, 4)), minutes(NOW, 4));

    // Assess
    const [tag] = only(plan.actions, 'TagResource');
    expect(tag?.request.tags?.[OVERRIDE_TAG.expires]).toBe(new Date(minutes(NOW, 4).getTime() + 6 * 60 * MINUTE).toISOString());
    expect(tag?.request.tags?.[OVERRIDE_TAG.maxSize]).toBe('7');
  });

  it.each([
    { event: 'the same ALARM transition delivered twice', at: 0, expected: /^duplicate event/ },
    { event: 'an ALARM older than the last step', at: -5, expected: /^stale event: .* is older than the last step taken/ },
  ])('ignores $event and changes nothing', async ({ at, expected }) => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = step(spec, rule, observationFor(spec, rule), alarmEvent('ALARM', NOW), NOW).observed;

    // Act
    // CloudWatch's own view is left out: the record on the targets alone must be enough.
    const plan = planRule(spec, rule, { ...observed, alarms: [] }, alarmEvent('ALARM', minutes(NOW, at)), minutes(NOW, 30));

    // Assess
    expect(plan.decision).toEqual({ kind: 'ignore', reason: expect.stringMatching(expected) as string });
    expect(plan.actions.map((action) => action.kind)).toEqual(['Hold']);
  });

  it('ignores an event older than the state CloudWatch reports, even with nothing recorded', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = observationFor(spec, rule, [alarmState('OK', minutes(NOW, -1))]);

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', minutes(NOW, -30)), NOW);

    // Assess
    expect(plan.decision.kind).toBe('ignore');
    expect(plan.decision.kind === 'ignore' && plan.decision.reason).toMatch(/CloudWatch reports OK since/);
  });

  it('holds at the ceiling with nothing left to raise and says so', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = observationFor(spec, rule);
    const general = observed.nodeGroups['general-ng'];
    if (!general) throw new Error('no general-ng');
    general.scalingConfig = { minSize: 2, maxSize: 9, desiredSize: 9 };
    general.tags = overrideTags({ maxSize: 9, expires: minutes(NOW, 60), source: `alarm/${ALARM_NAME}@${minutes(NOW, -30).toISOString()}` });

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', NOW), NOW);

    // Assess
    expect(only(plan.actions, 'Hold').map((action) => action.reason)).toContain('maxSize of general-ng is at its ceiling (9): 9');
    expect(only(plan.actions, 'UpdateNodegroupConfig')).toEqual([]);
  });

  it('lets a target that missed the last step catch up inside the cooldown', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = observationFor(spec, rule);
    const general = observed.nodeGroups['general-ng'];
    if (!general) throw new Error('no general-ng');
    general.scalingConfig = { minSize: 2, maxSize: 7, desiredSize: 2 };
    general.tags = overrideTags({ maxSize: 7, expires: minutes(NOW, 360), source: `alarm/${ALARM_NAME}@${minutes(NOW, -2).toISOString()}` });
    observed.alarms = [alarmState('ALARM', minutes(NOW, -2))];

    // Act
    const plan = planRule(spec, rule, observed, { kind: 'schedule' }, NOW);

    // Assess
    expect(plan.decision.kind).toBe('cooldown');
    expect(kinds(plan)).toEqual(['PatchScaler hpa/kianax/kianax-api', 'PatchScaler hpa/kianax/kianax-web']);
    expect(only(plan.actions, 'PatchScaler')[0]?.request.patch.metadata?.annotations[REPLICA_OVERRIDE_ANNOTATION.source]).toBe(
      `alarm/${ALARM_NAME}@${minutes(NOW, -2).toISOString()}`,
    );
  });
});

describe('planRule on OK and INSUFFICIENT_DATA', () => {
  async function raised(): Promise<{ spec: Awaited<ReturnType<typeof kianax>>; rule: ReturnType<typeof ruleOf>; observed: RuleObservation; original: Record<string, string> }> {
    const spec = await kianax();
    const rule = ruleOf(spec);
    const start = observationFor(spec, rule, [alarmState('OK', minutes(NOW, -60))]);
    const observed = step(spec, rule, start, alarmEvent('ALARM', NOW), NOW).observed;
    return { spec, rule, observed, original: boundsOf(start) };
  }

  it('keeps the bounds inside the hold time and moves the overrides\' expiry to the return time', async () => {
    // Prepare
    const { spec, rule, observed } = await raised();
    const okAt = minutes(NOW, 20);

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('OK', okAt), minutes(okAt, 1));

    // Assess
    expect(plan.decision.kind).toBe('hold');
    expect(kinds(plan)).toEqual(['PatchScaler hpa/kianax/kianax-api', 'PatchScaler hpa/kianax/kianax-web', 'TagResource nodegroup/general-ng']);
    const returnAt = minutes(okAt, 15);
    expect(only(plan.actions, 'TagResource')[0]?.request.tags?.[OVERRIDE_TAG.expires]).toBe(new Date(returnAt.getTime() + RETURN_GRACE_MS).toISOString());
    expect(only(plan.actions, 'PatchScaler')[0]?.request.patch).toEqual({ metadata: { annotations: { [REPLICA_OVERRIDE_ANNOTATION.expires]: returnAt.toISOString() } } });
  });

  it('returns exactly to the spec after the hold time, HPAs before the node group', async () => {
    // Prepare
    const { spec, rule, observed, original } = await raised();
    const okAt = minutes(NOW, 20);
    const held = step(spec, rule, observed, alarmEvent('OK', okAt), okAt).observed;

    // Act
    const plan = planRule(spec, rule, held, { kind: 'schedule' }, minutes(okAt, 15));
    const after = applyPlan(held, plan);

    // Assess
    expect(plan.decision.kind).toBe('return');
    expect(kinds(plan)).toEqual([
      'PatchScaler hpa/kianax/kianax-api',
      'PatchScaler hpa/kianax/kianax-web',
      'UpdateNodegroupConfig nodegroup/general-ng',
      'UntagResource nodegroup/general-ng',
    ]);
    expect(only(plan.actions, 'UpdateNodegroupConfig')[0]?.after).toEqual(['hpa/kianax/kianax-api', 'hpa/kianax/kianax-web']);
    expect(only(plan.actions, 'UntagResource')[0]?.after).toEqual(['nodegroup/general-ng', 'hpa/kianax/kianax-api', 'hpa/kianax/kianax-web']);
    expect(boundsOf(after)).toEqual(original);
    expect(after.nodeGroups['general-ng']?.tags).toEqual({});
    expect(after.scalers['kianax/kianax-api']?.annotations).toEqual({});
  });

  it('brings desiredSize back inside the bounds on return, and only then', async () => {
    // Prepare
    const { spec, rule, observed } = await raised();
    const general = observed.nodeGroups['general-ng'];
    if (!general) throw new Error('no general-ng');
    general.scalingConfig = { minSize: 2, maxSize: 7, desiredSize: 7 };

    // Act
    const plan = planRule(spec, rule, observed, { kind: 'reset' }, minutes(NOW, 1));

    // Assess
    expect(only(plan.actions, 'UpdateNodegroupConfig')[0]?.request.scalingConfig).toEqual({ minSize: 2, maxSize: 5, desiredSize: 5 });
  });

  it('neither steps nor returns on INSUFFICIENT_DATA while the override lasts', async () => {
    // Prepare
    const { spec, rule, observed } = await raised();

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('INSUFFICIENT_DATA', minutes(NOW, 30)), minutes(NOW, 31));

    // Assess
    expect(plan.decision.kind).toBe('freeze');
    expect(plan.actions.map((action) => action.classification)).toEqual(['no-op']);
  });

  it('returns an override that ran out while the alarm had no data', async () => {
    // Prepare
    const { spec, rule, observed, original } = await raised();
    const later = minutes(NOW, 7 * 60);

    // Act
    const plan = planRule(spec, rule, { ...observed, alarms: [alarmState('INSUFFICIENT_DATA', minutes(NOW, 30))] }, { kind: 'schedule' }, later);

    // Assess
    expect(plan.decision.kind).toBe('freeze');
    expect(boundsOf(applyPlan(observed, plan))).toEqual(original);
  });
});

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
    const observed: RuleObservation = { alarms: [], nodeGroups: {}, scalers: { 'shop/keda-hpa-worker': scaler('shop', 'keda-hpa-worker', { max: 50 }, 'worker') } };

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
