import { planRule } from '../../../../functions/scale-watch/plan';
import { REPLICA_OVERRIDE_ANNOTATION } from '../../../../functions/scale-watch/records';
import { OVERRIDE_TAG, overrideTags } from '../../../../shared/model/overrides';
import {
  ALARM_NAME,
  alarmEvent,
  alarmState,
  applyPlan,
  boundsOf,
  kianax,
  kinds,
  MINUTE,
  minutes,
  nodegroupArn,
  NOW,
  observationFor,
  ruleOf,
  step,
} from '../support';
import { only } from './support';

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
      tags: overrideTags({ maxSize: 8, expires: new Date(NOW.getTime() + 6 * 60 * MINUTE), source: `alarm/${ALARM_NAME}@${at.toISOString()}` }),
    });
    const [update] = only(plan.actions, 'UpdateNodegroupConfig');
    expect(update?.request).toEqual({ clusterName: 'kianax', nodegroupName: 'general-ng', scalingConfig: { minSize: 2, maxSize: 8 } });
    expect(update?.after).toEqual(['nodegroup/general-ng']);
    expect(update?.changes).toEqual([{ field: 'scaling.maxSize', from: 6, to: 8 }]);
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
    expect(seen[0]).toEqual({ 'general-ng': '2-8', 'kianax/kianax-api': '2-15', 'kianax/kianax-web': '2-15' });
    expect(seen[1]).toEqual({ 'general-ng': '2-10', 'kianax/kianax-api': '2-20', 'kianax/kianax-web': '2-20' });
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
    expect(only(later.actions, 'UpdateNodegroupConfig')[0]?.request.scalingConfig).toEqual({ minSize: 2, maxSize: 10 });
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
    expect(tag?.request.tags?.[OVERRIDE_TAG.maxSize]).toBe('8');
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
    general.scalingConfig = { minSize: 2, maxSize: 10, desiredSize: 10 };
    general.tags = overrideTags({ maxSize: 10, expires: minutes(NOW, 60), source: `alarm/${ALARM_NAME}@${minutes(NOW, -30).toISOString()}` });

    // Act
    const plan = planRule(spec, rule, observed, alarmEvent('ALARM', NOW), NOW);

    // Assess
    expect(only(plan.actions, 'Hold').map((action) => action.reason)).toContain('maxSize of general-ng is at its ceiling (10): 10');
    expect(only(plan.actions, 'UpdateNodegroupConfig')).toEqual([]);
  });

  it('lets a target that missed the last step catch up inside the cooldown', async () => {
    // Prepare
    const spec = await kianax();
    const rule = ruleOf(spec);
    const observed = observationFor(spec, rule);
    const general = observed.nodeGroups['general-ng'];
    if (!general) throw new Error('no general-ng');
    general.scalingConfig = { minSize: 2, maxSize: 8, desiredSize: 2 };
    general.tags = overrideTags({ maxSize: 8, expires: minutes(NOW, 360), source: `alarm/${ALARM_NAME}@${minutes(NOW, -2).toISOString()}` });
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
