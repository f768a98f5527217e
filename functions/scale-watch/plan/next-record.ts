/**
 * The record each target should carry after the decision: one step further (within the step's
 * ceiling or floor), renewed, shortened to the return time, or gone.
 */
import type { ScalingRuleSpec, StepSpec } from '../../../shared/model/cluster-spec/scaling';
import { scalingDurationMs, stepRaises } from '../../../shared/model/cluster-spec/runtime';
import { SCALER_DEFAULTS } from '../observed';
import type { BoundsRecord, ReplicaRecord } from '../records';
import { missingReason, recordOf } from './targets';
import type { Decision, Target } from './types';

/**
 * How long after its own return time a node group's override still counts as active for
 * provision: scale-watch returns HPAs first and node groups second; provision's drift check is the
 * backstop if scale-watch cannot.
 */
export const RETURN_GRACE_MS = 10 * 60_000;

/** The record a target should carry, and why it does not move when it should. */
export interface Next<R extends BoundsRecord> {
  record: R | undefined;
  /** Why a target that should move does not (at its ceiling, missing). */
  hold?: string;
}

/**
 * The record the target should carry once the decision is made.
 *
 * @example
 * nextRecord(target, { kind: 'return', reason }, rule, targets, now); // { record: undefined }: the spec's values come back
 */
export function nextRecord(
  target: Target,
  decision: Exclude<Decision, { kind: 'ignore' }>,
  rule: ScalingRuleSpec,
  targets: readonly Target[],
  now: Date,
): Next<BoundsRecord> {
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
    if (to === from)
      atLimit.push(
        `${move.field} is at its ${stepRaises(move.step) ? `ceiling (${String(move.step.ceiling)})` : `floor (${String(move.step.floor)})`}: ${from}`,
      );
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
