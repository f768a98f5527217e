import type { RuleObservation } from '../../../../functions/scale-watch/observed';
import { planRule, RETURN_GRACE_MS } from '../../../../functions/scale-watch/plan';
import { REPLICA_OVERRIDE_ANNOTATION } from '../../../../functions/scale-watch/records';
import { OVERRIDE_TAG } from '../../../../shared/model/overrides';
import { alarmEvent, alarmState, applyPlan, boundsOf, kianax, kinds, minutes, NOW, observationFor, ruleOf, step } from '../support';
import { only } from './support';

describe('planRule on OK and INSUFFICIENT_DATA', () => {
  async function raised(): Promise<{
    spec: Awaited<ReturnType<typeof kianax>>;
    rule: ReturnType<typeof ruleOf>;
    observed: RuleObservation;
    original: Record<string, string>;
  }> {
    const spec = await kianax();
    const rule = ruleOf(spec);
    const start = observationFor(spec, rule, [alarmState('OK', minutes(NOW, -60))]);
    const observed = step(spec, rule, start, alarmEvent('ALARM', NOW), NOW).observed;
    return { spec, rule, observed, original: boundsOf(start) };
  }

  it("keeps the bounds inside the hold time and moves the overrides' expiry to the return time", async () => {
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
    expect(only(plan.actions, 'PatchScaler')[0]?.request.patch).toEqual({
      metadata: { annotations: { [REPLICA_OVERRIDE_ANNOTATION.expires]: returnAt.toISOString() } },
    });
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
    general.scalingConfig = { minSize: 2, maxSize: 8, desiredSize: 8 };

    // Act
    const plan = planRule(spec, rule, observed, { kind: 'reset' }, minutes(NOW, 1));

    // Assess
    expect(only(plan.actions, 'UpdateNodegroupConfig')[0]?.request.scalingConfig).toEqual({ minSize: 2, maxSize: 6, desiredSize: 6 });
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
