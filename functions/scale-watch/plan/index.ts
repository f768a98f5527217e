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
 */
import type { Nodegroup, UpdateNodegroupConfigCommandInput } from '@aws-sdk/client-eks';
import type { Change, Plan, TargetId } from '../../../shared/plan/plan';
import type { HpaTargetSpec, NodeGroupTargetSpec, ScalingRuleSpec, StepSpec } from '../../../shared/spec/scaling';
import { scalingDurationMs, stepRaises } from '../../../shared/spec/scaling';
import type { ClusterSpec, NodeGroupSpec } from '../../../shared/spec/schema';
import type { ScalerPatch, ScaleWatchAction } from '../actions';
import type { AlarmState, AlarmStateValue, ObservedScaler, RuleObservation } from '../observed';
import { SCALER_DEFAULTS, scalerKey } from '../observed';
import type { BoundsRecord, RecordReading, ReplicaRecord } from '../records';
import {
  nodeGroupRecordTags,
  presentOverrideTags,
  presentReplicaAnnotations,
  readNodeGroupRecord,
  readReplicaRecord,
  replicaRecordAnnotations,
} from '../records';

/** What a plan is made for. */
export type Trigger =
  /** An alarm state change (from EventBridge, or a manual "what would it do"). */
  | { kind: 'alarm'; alarmName: string; state: AlarmStateValue; at: Date }
  /** The scheduled run: the alarms' state as CloudWatch reports it. */
  | { kind: 'schedule' }
  /** A person asked for the spec's values back now. */
  | { kind: 'reset' };

/** The rule's alarms taken together: ALARM while any is, OK once all are. */
export interface RuleState {
  value: AlarmStateValue;
  /** The alarm that decides the state (the latest in ALARM, or the last to turn OK). */
  alarmName: string;
  since: Date;
}

export type Decision =
  | { kind: 'ignore'; reason: string }
  | { kind: 'step'; state: RuleState; stepAt: Date; reason: string }
  | { kind: 'cooldown'; state: RuleState; lastStep: Date; until: Date; reason: string }
  | { kind: 'hold'; state: RuleState; returnAt: Date; reason: string }
  | { kind: 'return'; reason: string; state?: RuleState }
  | { kind: 'freeze'; state: RuleState | undefined; reason: string };

export interface RulePlan extends Plan<ScaleWatchAction> {
  rule: string;
  decision: Decision;
}

/**
 * How long after its own return time a node group's override still counts as active for
 * provision: scale-watch returns HPAs first and node groups second; provision's drift check is the
 * backstop if scale-watch cannot.
 */
export const RETURN_GRACE_MS = 10 * 60_000;

/**
 * DescribeAlarms' StateTransitionedTimestamp and the event's `state.timestamp` name the same
 * transition; a newer one by more than this is another transition, and the event is stale.
 */
const SAME_TRANSITION_MS = 1_000;

interface NodeGroupTarget {
  kind: 'nodegroup';
  id: TargetId;
  spec: NodeGroupTargetSpec;
  group: NodeGroupSpec | undefined;
  observed: Nodegroup | null;
  reading: RecordReading<BoundsRecord>;
}

interface ScalerTarget {
  kind: 'scaler';
  id: TargetId;
  spec: HpaTargetSpec;
  observed: ObservedScaler | null;
  reading: RecordReading<ReplicaRecord>;
}

type Target = NodeGroupTarget | ScalerTarget;

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
    return { subject, rule: rule.name, decision, actions: [{ kind: 'Hold', classification: 'no-op', target: ruleTarget, reason: decision.reason, changes: [] }] };
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
    ...new Set(actions.filter((action) => action.kind === 'UpdateNodegroupConfig' || action.kind === 'Wait' || action.kind === 'PatchScaler').map((action): TargetId => `${action.target.kind}/${action.target.name}`)),
  ];
  const actions = raising
    ? [...nodeActions, ...withAfter(scalerActions, pendingBounds(nodeActions))]
    : [...scalerActions, ...withAfter(nodeActions, pendingBounds(scalerActions))];
  const writes = actions.filter((action) => action.classification !== 'no-op');
  const ruleHold: ScaleWatchAction[] = writes.length === 0 && holds.length === 0 ? [{ kind: 'Hold', classification: 'no-op', target: ruleTarget, reason: decision.reason, changes: [] }] : [];
  return { subject, rule: rule.name, decision, actions: [...ruleHold, ...holds, ...actions] };
}

// ---- the decision -------------------------------------------------------------------------------

function decide(rule: ScalingRuleSpec, described: readonly AlarmState[], trigger: Trigger, targets: readonly Target[], now: Date): Decision {
  if (trigger.kind === 'reset') return { kind: 'return', reason: 'reset asked for: the spec\'s values come back now' };
  const records = targets.map(recordOf).filter((record) => record !== undefined);
  const lastStep = latest(records.map((record) => record.stepAt));
  let alarms = [...described];
  if (trigger.kind === 'alarm') {
    const known = described.find((alarm) => alarm.alarmName === trigger.alarmName);
    const at = trigger.at.toISOString();
    if (known !== undefined && known.since.getTime() - trigger.at.getTime() > SAME_TRANSITION_MS) {
      return { kind: 'ignore', reason: `stale event: ${trigger.alarmName} ${trigger.state} at ${at}, but CloudWatch reports ${known.value} since ${known.since.toISOString()}` };
    }
    if (lastStep !== undefined && trigger.at.getTime() < lastStep.getTime()) {
      return { kind: 'ignore', reason: `stale event: ${trigger.alarmName} ${trigger.state} at ${at} is older than the last step taken (${lastStep.toISOString()})` };
    }
    if (lastStep !== undefined && trigger.state === 'ALARM' && trigger.at.getTime() === lastStep.getTime()) {
      return { kind: 'ignore', reason: `duplicate event: the step for ${trigger.alarmName} ALARM at ${at} was taken already` };
    }
    alarms = [...described.filter((alarm) => alarm.alarmName !== trigger.alarmName), { alarmName: trigger.alarmName, value: trigger.state, since: trigger.at }];
  }

  const state = combine(alarms);
  if (state === undefined) {
    const which = rule.alarm ?? `${rule.alarmPrefix ?? ''}*`;
    return { kind: 'freeze', state, reason: `CloudWatch reports no alarm ${which}: bounds are kept until their overrides expire` };
  }
  const value = state.value;
  switch (value) {
    case 'ALARM': {
      const cooldownMs = scalingDurationMs(rule.cooldown);
      if (lastStep !== undefined && now.getTime() - lastStep.getTime() < cooldownMs) {
        const until = new Date(lastStep.getTime() + cooldownMs);
        return { kind: 'cooldown', state, lastStep, until, reason: `${state.alarmName} in ALARM, inside the cooldown: the next step is possible at ${until.toISOString()}` };
      }
      const stepAt = trigger.kind === 'alarm' ? trigger.at : now;
      return { kind: 'step', state, stepAt, reason: `${state.alarmName} in ALARM since ${state.since.toISOString()}: one step` };
    }
    case 'OK': {
      const returnAt = new Date(state.since.getTime() + scalingDurationMs(rule.hold));
      if (now.getTime() >= returnAt.getTime()) {
        return { kind: 'return', state, reason: `${state.alarmName} OK since ${state.since.toISOString()}, past the hold time (${rule.hold}): the spec's values come back` };
      }
      return { kind: 'hold', state, returnAt, reason: `${state.alarmName} OK since ${state.since.toISOString()}: the spec's values come back at ${returnAt.toISOString()} if it stays OK` };
    }
    case 'INSUFFICIENT_DATA':
      return { kind: 'freeze', state, reason: `${state.alarmName} has INSUFFICIENT_DATA: no step and no return; overrides run out at their expiry` };
    default:
      throw new Error(`unknown alarm state ${String(value satisfies never)}`);
  }
}

/** ALARM while any alarm is; OK once every alarm is; otherwise INSUFFICIENT_DATA. */
function combine(alarms: readonly AlarmState[]): RuleState | undefined {
  if (alarms.length === 0) return undefined;
  const byRecency = [...alarms].sort((a, b) => b.since.getTime() - a.since.getTime());
  const pick = (value: AlarmStateValue): AlarmState | undefined => byRecency.find((alarm) => alarm.value === value);
  const alarmed = pick('ALARM');
  if (alarmed !== undefined) return { value: 'ALARM', alarmName: alarmed.alarmName, since: alarmed.since };
  const missing = pick('INSUFFICIENT_DATA');
  if (missing !== undefined) return { value: 'INSUFFICIENT_DATA', alarmName: missing.alarmName, since: missing.since };
  const [lastOk] = byRecency;
  return lastOk === undefined ? undefined : { value: 'OK', alarmName: lastOk.alarmName, since: lastOk.since };
}

// ---- the record each target should carry --------------------------------------------------------

interface Next<R extends BoundsRecord> {
  record: R | undefined;
  /** Why a target that should move does not (at its ceiling, missing). */
  hold?: string;
}

function nextRecord(target: Target, decision: Exclude<Decision, { kind: 'ignore' }>, rule: ScalingRuleSpec, targets: readonly Target[], now: Date): Next<BoundsRecord> {
  const current = recordOf(target);
  const expireAfter = scalingDurationMs(rule.expireAfter);
  switch (decision.kind) {
    case 'step':
      return stepped(target, current, decision.state.alarmName, decision.stepAt, new Date(now.getTime() + expireAfter));
    case 'cooldown': {
      // A target that missed the rule's last step (a write deferred, a target added) catches up with it.
      if (current?.stepAt === undefined || current.stepAt.getTime() < decision.lastStep.getTime()) {
        const alarm = targets.map(recordOf).find((record) => record?.stepAt?.getTime() === decision.lastStep.getTime())?.alarm ?? decision.state.alarmName;
        return stepped(target, current, alarm, decision.lastStep, new Date(now.getTime() + expireAfter));
      }
      // Renewed while the alarm lasts, at most every half expireAfter, so a steady ALARM costs few writes.
      const renewed = current.expires.getTime() - now.getTime() < expireAfter / 2 ? { ...current, expires: new Date(now.getTime() + expireAfter) } : current;
      return { record: renewed };
    }
    case 'hold': {
      if (current === undefined) return { record: undefined };
      const grace = target.kind === 'nodegroup' ? RETURN_GRACE_MS : 0;
      const expires = new Date(Math.min(current.expires.getTime(), decision.returnAt.getTime() + grace));
      return { record: { ...current, expires } };
    }
    case 'return':
      return { record: undefined };
    case 'freeze':
      return { record: target.reading.kind === 'active' ? target.reading.record : undefined };
    default:
      throw new Error(`unknown decision ${(decision satisfies never as Decision).kind}`);
  }
}

function stepped(target: Target, current: BoundsRecord | undefined, alarm: string, stepAt: Date, expires: Date): Next<BoundsRecord> {
  const moves = movesOf(target);
  if (moves === undefined) return { record: current, hold: missingReason(target) };
  const values: { min?: number; max?: number } = {};
  const atLimit: string[] = [];
  for (const move of moves.bounds) {
    const from = current?.[move.bound] ?? move.base;
    const to = applyStep(from, move.step);
    if (to === from) atLimit.push(`${move.field} is at its ${stepRaises(move.step) ? `ceiling (${String(move.step.ceiling)})` : `floor (${String(move.step.floor)})`}: ${from}`);
    values[move.bound] = to;
  }
  // minimum never above maximum: the maximum's ceiling wins.
  const maxInForce = values.max ?? current?.max ?? moves.baseMax;
  if (values.min !== undefined && values.min > maxInForce) values.min = maxInForce;
  const hold = atLimit.length > 0 ? atLimit.join('; ') : undefined;
  const unchanged = moves.bounds.every((move) => values[move.bound] === (current?.[move.bound] ?? move.base));
  // Nothing raised and nothing to raise: no override that only restates the spec.
  if (current === undefined && unchanged) return { record: undefined, ...(hold === undefined ? {} : { hold }) };
  const record: BoundsRecord = { ...values, expires, alarm, stepAt };
  if (target.kind === 'scaler' && target.observed !== null) {
    const previous = target.reading.kind === 'none' || target.reading.kind === 'malformed' ? undefined : target.reading.record;
    const replica: ReplicaRecord = {
      ...record,
      ...(values.min === undefined ? {} : { specMin: previous?.specMin !== undefined ? previous.specMin : (target.observed.min ?? null) }),
      ...(values.max === undefined ? {} : { specMax: previous?.specMax !== undefined ? previous.specMax : (target.observed.max ?? null) }),
    };
    return { record: replica, ...(hold === undefined ? {} : { hold }) };
  }
  return { record, ...(hold === undefined ? {} : { hold }) };
}

interface Move {
  bound: 'min' | 'max';
  field: string;
  step: StepSpec;
  /** The value to step from when nothing is recorded: the spec's (node group) or the object's (HPA). */
  base: number;
}

function movesOf(target: Target): { bounds: Move[]; baseMax: number } | undefined {
  if (target.kind === 'nodegroup') {
    const group = target.group;
    if (group === undefined || target.observed === null) return undefined;
    const bounds: Move[] = [];
    if (target.spec.minSize) bounds.push({ bound: 'min', field: `minSize of ${group.name}`, step: target.spec.minSize, base: group.scaling.min });
    if (target.spec.maxSize) bounds.push({ bound: 'max', field: `maxSize of ${group.name}`, step: target.spec.maxSize, base: group.scaling.max });
    return { bounds, baseMax: group.scaling.max };
  }
  const scaler = target.observed;
  if (scaler === null) return undefined;
  const defaults = SCALER_DEFAULTS[scaler.via];
  const record = target.reading.kind === 'active' || target.reading.kind === 'expired' ? target.reading.record : undefined;
  // Step from the value before the first step when one is recorded: the object holds our raised value.
  const baseMin = record?.specMin !== undefined ? (record.specMin ?? defaults.min) : (scaler.min ?? defaults.min);
  const baseMax = record?.specMax !== undefined ? (record.specMax ?? defaults.max) : (scaler.max ?? defaults.max);
  const [minField, maxField] = scaler.via === 'keda' ? ['minReplicaCount', 'maxReplicaCount'] : ['minReplicas', 'maxReplicas'];
  const bounds: Move[] = [];
  const where = `${scaler.kind} ${scaler.namespace}/${scaler.name}`;
  if (target.spec.minReplicas) bounds.push({ bound: 'min', field: `${minField} of ${where}`, step: target.spec.minReplicas, base: baseMin });
  if (target.spec.maxReplicas) bounds.push({ bound: 'max', field: `${maxField} of ${where}`, step: target.spec.maxReplicas, base: baseMax });
  return { bounds, baseMax };
}

/**
 * One step from `value`, within the step's ceiling (raising) or floor (lowering). A multiplying step
 * moves by at least 1 and never moves the wrong way; a value already past the limit stays.
 *
 * @example
 * applyStep(5, { add: 2, ceiling: 10 });       // 7
 * applyStep(9, { add: 2, ceiling: 10 });       // 10
 * applyStep(10, { multiply: 1.5, ceiling: 20 }); // 15
 */
export function applyStep(value: number, step: StepSpec): number {
  const raises = stepRaises(step);
  let next: number;
  if (step.add !== undefined) next = value + step.add;
  else {
    const product = value * (step.multiply ?? 1);
    // Rounded away from the current value; the epsilon keeps 10 * 1.1 from rounding up to 12.
    next = raises ? Math.max(Math.ceil(product - 1e-9), value + 1) : Math.min(Math.floor(product + 1e-9), value - 1);
  }
  if (raises) return Math.max(value, Math.min(next, step.ceiling ?? next));
  return Math.min(value, Math.max(next, step.floor ?? next, 0));
}

// ---- node groups --------------------------------------------------------------------------------

function nodeGroupActions(spec: ClusterSpec, target: NodeGroupTarget, next: BoundsRecord | undefined, decision: Exclude<Decision, { kind: 'ignore' }>): ScaleWatchAction[] {
  const targetRef = split(target.id);
  const current = recordOf(target);
  const group = target.group;
  const observed = target.observed;
  const wantsMove = next !== undefined || current !== undefined || target.reading.kind === 'malformed';
  if (!wantsMove) return [];
  if (group === undefined || observed === null) {
    return [{ kind: 'Refuse', classification: 'forbidden', target: targetRef, reason: missingReason(target), changes: [] }];
  }
  const status = observed.status ?? 'ACTIVE';
  switch (status) {
    case 'ACTIVE':
    case 'DEGRADED':
    case 'UPDATING':
      break;
    case 'CREATING':
      return [{ kind: 'Wait', classification: 'no-op', target: targetRef, reason: 'node group is CREATING', changes: [] }];
    case 'DELETING':
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
      return [{ kind: 'Refuse', classification: 'forbidden', target: targetRef, reason: `node group is ${status}`, changes: [] }];
    default:
      throw new Error(`unknown node group status ${String(status satisfies never)}`);
  }
  const arn = observed.nodegroupArn ?? '';
  const present = presentOverrideTags(observed.tags);
  const wanted = next === undefined ? {} : nodeGroupRecordTags(next);
  const bounds = boundsFor(group, next, observed);
  const actions: ScaleWatchAction[] = [];
  const reason = reasonFor(decision, next);

  const stale = Object.keys(present).filter((key) => !(key in wanted)).sort();
  const changedTags = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => present[key] !== value));
  const overrideChange: Change = { field: 'override', from: describeRecord(current), to: describeRecord(next) };
  if (next !== undefined) {
    // Raising: the record first, then the bounds, so provision never sees raised bounds without it.
    if (stale.length > 0) {
      actions.push({ kind: 'UntagResource', classification: 'update', target: targetRef, reason: 'override tags this record does not use', changes: stale.map((key) => ({ field: `tags.${key}`, from: present[key] })), request: { resourceArn: arn, tagKeys: stale } });
    }
    if (Object.keys(changedTags).length > 0) {
      actions.push({ kind: 'TagResource', classification: 'update', target: targetRef, reason, changes: [overrideChange], request: { resourceArn: arn, tags: wanted } });
    }
    actions.push(...boundsAction(spec, target, bounds, observed, reason, actions.length > 0));
  } else {
    // Lowering: the bounds first, then the record, once EKS has accepted the bounds.
    const moved = boundsAction(spec, target, bounds, observed, reason, false);
    actions.push(...moved);
    if (Object.keys(present).length > 0) {
      actions.push({
        kind: 'UntagResource',
        classification: 'update',
        target: targetRef,
        reason,
        changes: [overrideChange],
        request: { resourceArn: arn, tagKeys: Object.keys(present).sort() },
        ...(moved.length > 0 ? { after: [target.id] } : {}),
      });
    }
  }
  return actions;
}

interface Bounds {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

/** The record's bounds (else the spec's); desiredSize is only brought inside them (the autoscaler owns it). */
function boundsFor(group: NodeGroupSpec, record: BoundsRecord | undefined, observed: Nodegroup): Bounds {
  const minSize = record?.min ?? group.scaling.min;
  const maxSize = Math.max(record?.max ?? group.scaling.max, minSize);
  const current = observed.scalingConfig?.desiredSize ?? minSize;
  return { minSize, maxSize, desiredSize: Math.min(Math.max(current, minSize), maxSize) };
}

function boundsAction(spec: ClusterSpec, target: NodeGroupTarget, bounds: Bounds, observed: Nodegroup, reason: string, afterRecord: boolean): ScaleWatchAction[] {
  const now = observed.scalingConfig ?? {};
  const changes: Change[] = [
    ...(now.minSize === bounds.minSize ? [] : [{ field: 'scaling.minSize', from: now.minSize, to: bounds.minSize }]),
    ...(now.maxSize === bounds.maxSize ? [] : [{ field: 'scaling.maxSize', from: now.maxSize, to: bounds.maxSize }]),
    ...(now.desiredSize === undefined || now.desiredSize === bounds.desiredSize ? [] : [{ field: 'scaling.desiredSize', from: now.desiredSize, to: bounds.desiredSize }]),
  ];
  if (changes.length === 0) return [];
  const targetRef = split(target.id);
  if (observed.status === 'UPDATING') {
    return [{ kind: 'Wait', classification: 'no-op', target: targetRef, reason: `node group is UPDATING; its bounds follow on a later run (${reason})`, changes }];
  }
  const request: UpdateNodegroupConfigCommandInput = {
    clusterName: spec.name,
    nodegroupName: target.spec.name,
    scalingConfig: {
      minSize: bounds.minSize,
      maxSize: bounds.maxSize,
      ...(now.desiredSize === undefined || now.desiredSize === bounds.desiredSize ? {} : { desiredSize: bounds.desiredSize }),
    },
  };
  return [{ kind: 'UpdateNodegroupConfig', classification: 'update', target: targetRef, reason, changes, request, ...(afterRecord ? { after: [target.id] } : {}) }];
}

// ---- HPAs and ScaledObjects ---------------------------------------------------------------------

function scalerPatchActions(target: ScalerTarget, next: BoundsRecord | undefined, decision: Exclude<Decision, { kind: 'ignore' }>): ScaleWatchAction[] {
  const current = target.reading.kind === 'active' || target.reading.kind === 'expired' ? target.reading.record : undefined;
  const wantsMove = next !== undefined || current !== undefined || target.reading.kind === 'malformed';
  if (!wantsMove) return [];
  const scaler = target.observed;
  if (scaler === null) return [{ kind: 'Refuse', classification: 'forbidden', target: split(target.id), reason: missingReason(target), changes: [] }];
  const replica: ReplicaRecord | undefined = next;
  const [minField, maxField] = scaler.via === 'keda' ? ['minReplicaCount', 'maxReplicaCount'] : ['minReplicas', 'maxReplicas'];
  const fields: Record<string, number | null> = {};
  const changes: Change[] = [];
  const set = (field: string, from: number | undefined, to: number | null): void => {
    if ((from ?? null) === to) return;
    fields[field] = to;
    changes.push({ field: `spec.${field}`, from, to: to ?? undefined });
  };
  if (replica !== undefined) {
    if (replica.min !== undefined) set(minField, scaler.min, replica.min);
    if (replica.max !== undefined) set(maxField, scaler.max, replica.max);
  } else if (current !== undefined) {
    // Back to the values the object had before the first step (unset stays unset).
    if (current.specMin !== undefined) set(minField, scaler.min, current.specMin);
    if (current.specMax !== undefined) set(maxField, scaler.max, current.specMax);
  }
  const present = presentReplicaAnnotations(scaler.annotations);
  const wanted = replica === undefined ? {} : replicaRecordAnnotations(replica);
  const annotations: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(wanted)) if (present[key] !== value) annotations[key] = value;
  for (const key of Object.keys(present)) if (!(key in wanted)) annotations[key] = null;
  const recordChanged = Object.keys(annotations).length > 0;
  if (!recordChanged && changes.length === 0) return [];
  if (recordChanged) changes.push({ field: 'override', from: describeRecord(current), to: describeRecord(replica) });
  const request: ScalerPatch = {
    apiVersion: scaler.apiVersion,
    kind: scaler.kind,
    namespace: scaler.namespace,
    name: scaler.name,
    patch: {
      ...(recordChanged ? { metadata: { annotations } } : {}),
      ...(Object.keys(fields).length > 0 ? { spec: fields } : {}),
    },
  };
  const via = scaler.via === 'keda' ? ` (through ScaledObject ${scaler.name}, which owns HPA ${target.spec.name})` : '';
  return [{ kind: 'PatchScaler', classification: 'update', target: split(target.id), reason: `${reasonFor(decision, next)}${via}`, changes, request }];
}

// ---- helpers ------------------------------------------------------------------------------------

function targetsOf(spec: ClusterSpec, rule: ScalingRuleSpec, observed: RuleObservation, now: Date): Target[] {
  const groups: Target[] = rule.nodeGroups.map((target) => {
    const found = observed.nodeGroups[target.name] ?? null;
    return {
      kind: 'nodegroup',
      id: `nodegroup/${target.name}`,
      spec: target,
      group: spec.nodeGroups.find((group) => group.name === target.name),
      observed: found,
      reading: found === null ? { kind: 'none' } : readNodeGroupRecord(found.tags, now),
    };
  });
  const scalers: Target[] = rule.hpas.map((target) => {
    const found = observed.scalers[scalerKey(target)] ?? null;
    const kind = found?.via === 'keda' ? 'scaledobject' : 'hpa';
    return {
      kind: 'scaler',
      id: `${kind}/${target.namespace}/${found?.name ?? target.name}`,
      spec: target,
      observed: found,
      reading: found === null ? { kind: 'none' } : readReplicaRecord(found.annotations, now),
    };
  });
  return [...groups, ...scalers];
}

function recordOf(target: Target): BoundsRecord | undefined {
  return target.reading.kind === 'active' || target.reading.kind === 'expired' ? target.reading.record : undefined;
}

function latest(dates: readonly (Date | undefined)[]): Date | undefined {
  return dates.reduce<Date | undefined>((found, date) => (date !== undefined && (found === undefined || date.getTime() > found.getTime()) ? date : found), undefined);
}

function withAfter(actions: readonly ScaleWatchAction[], after: readonly TargetId[]): ScaleWatchAction[] {
  if (after.length === 0) return [...actions];
  return actions.map((action) => (action.classification === 'no-op' || action.classification === 'forbidden' ? action : { ...action, after: [...(action.after ?? []), ...after] }));
}

function split(id: TargetId): { kind: string; name: string } {
  const slash = id.indexOf('/');
  return { kind: id.slice(0, slash), name: id.slice(slash + 1) };
}

function missingReason(target: Target): string {
  if (target.kind === 'nodegroup') return target.group === undefined ? `node group ${target.spec.name} is not in the spec` : `node group ${target.spec.name} does not exist in EKS`;
  return `HPA ${target.spec.namespace}/${target.spec.name} (or the ScaledObject that owns it) does not exist`;
}

function reasonFor(decision: Exclude<Decision, { kind: 'ignore' }>, next: BoundsRecord | undefined): string {
  switch (decision.kind) {
    case 'step':
      return `${decision.state.alarmName} ALARM: one step${next?.expires ? `, until ${next.expires.toISOString()} unless renewed` : ''}`;
    case 'cooldown':
      return `${decision.state.alarmName} ALARM: catching up with the step of ${decision.lastStep.toISOString()} (or renewing)`;
    case 'hold':
      return `${decision.state.alarmName} OK since ${decision.state.since.toISOString()}: expires at the return time ${decision.returnAt.toISOString()}`;
    case 'return':
      return decision.reason;
    case 'freeze':
      return decision.reason;
    default:
      throw new Error(`unknown decision ${(decision satisfies never as Decision).kind}`);
  }
}

function describeRecord(record: BoundsRecord | undefined): string | undefined {
  if (record === undefined) return undefined;
  const bounds = [record.min === undefined ? undefined : `min ${record.min}`, record.max === undefined ? undefined : `max ${record.max}`].filter(Boolean).join(', ');
  return `${bounds} until ${record.expires.toISOString()} (alarm ${record.alarm})`;
}
