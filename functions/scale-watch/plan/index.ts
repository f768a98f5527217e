/**
 * Pure planning for scale-watch: (cluster spec, rule, observed, trigger, now) -> Plan. No SDK
 * client, no clock, no I/O. Requests are built here in full, so a printed plan is exactly what is
 * sent.
 *
 * First a rule-level decision from the alarm state (the trigger's, folded into what CloudWatch
 * reports) and the records on the targets:
 * - an event older than the alarm's current state, or than the last step taken, is ignored; an
 *   ALARM event whose transition already made a step is a duplicate and ignored too;
 * - ALARM: a step, unless the last step is inside the cooldown (then only renewal and catch-up);
 * - OK: once the alarm has been OK for the hold time, the spec's values come back; before that the
 *   overrides are shortened to expire then;
 * - INSUFFICIENT_DATA: nothing moves; the overrides run out at their expiry.
 * Then, per target, the record it should carry and the bounds that follow from it, compared with
 * what was observed. Raising moves node groups before HPAs; lowering moves HPAs before node groups.
 *
 * This file holds that order; the decision, the record each target should carry, the node group
 * and HPA actions and the targets each have their file beside it, with the types in types.ts.
 */
import type { TargetId } from '../../../shared/model/plan/plan';
import type { ScalingRuleSpec } from '../../../shared/model/cluster-spec/scaling';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ScaleWatchAction } from '../actions';
import type { RuleObservation } from '../observed';
import { decide } from './decision';
import { nextRecord } from './next-record';
import { nodeGroupActions } from './node-groups';
import { scalerPatchActions } from './scalers';
import { split, targetsOf } from './targets';
import type { RulePlan, Trigger } from './types';

export { applyStep, RETURN_GRACE_MS } from './next-record';
export type { Decision, RulePlan, RuleState, Trigger } from './types';

/**
 * Plans one scaling rule.
 *
 * @example
 * const plan = planRule(spec, rule, observed, { kind: 'alarm', alarmName: 'kianax-general-ng-cpu-high', state: 'ALARM', at }, now);
 * plan.decision.kind; // 'step'
 * plan.actions.map((action) => action.kind); // ['TagResource', 'UpdateNodegroupConfig', 'PatchScaler', 'PatchScaler']
 */
export function planRule(spec: ClusterSpec, rule: ScalingRuleSpec, observed: RuleObservation, trigger: Trigger, now: Date): RulePlan {
  const subject = { cluster: spec.name, region: spec.region };
  const targets = targetsOf(spec, rule, observed, now);
  const decision = decide(rule, observed.alarms, trigger, targets, now);
  const ruleTarget = { kind: 'rule', name: rule.name };
  if (decision.kind === 'ignore') {
    return {
      subject,
      rule: rule.name,
      decision,
      actions: [{ kind: 'Hold', classification: 'no-op', target: ruleTarget, reason: decision.reason, changes: [] }],
    };
  }

  const holds: ScaleWatchAction[] = [];
  const nodeActions: ScaleWatchAction[] = [];
  const scalerActions: ScaleWatchAction[] = [];
  for (const target of targets) {
    const next = nextRecord(target, decision, rule, targets, now);
    if (next.hold !== undefined) holds.push({ kind: 'Hold', classification: 'no-op', target: split(target.id), reason: next.hold, changes: [] });
    if (target.kind === 'nodegroup') nodeActions.push(...nodeGroupActions(spec, target, next.record, decision));
    else scalerActions.push(...scalerPatchActions(target, next.record, decision));
  }

  const raising = decision.kind === 'step' || decision.kind === 'cooldown';
  const pendingBounds = (actions: readonly ScaleWatchAction[]): TargetId[] => [
    ...new Set(
      actions
        .filter((action) => action.kind === 'UpdateNodegroupConfig' || action.kind === 'Wait' || action.kind === 'PatchScaler')
        .map((action): TargetId => `${action.target.kind}/${action.target.name}`),
    ),
  ];
  const actions = raising
    ? [...nodeActions, ...withAfter(scalerActions, pendingBounds(nodeActions))]
    : [...scalerActions, ...withAfter(nodeActions, pendingBounds(scalerActions))];
  const writes = actions.filter((action) => action.classification !== 'no-op');
  const ruleHold: ScaleWatchAction[] =
    writes.length === 0 && holds.length === 0 ? [{ kind: 'Hold', classification: 'no-op', target: ruleTarget, reason: decision.reason, changes: [] }] : [];
  return { subject, rule: rule.name, decision, actions: [...ruleHold, ...holds, ...actions] };
}

function withAfter(actions: readonly ScaleWatchAction[], after: readonly TargetId[]): ScaleWatchAction[] {
  if (after.length === 0) return [...actions];
  return actions.map((action) =>
    action.classification === 'no-op' || action.classification === 'forbidden' ? action : { ...action, after: [...(action.after ?? []), ...after] },
  );
}
