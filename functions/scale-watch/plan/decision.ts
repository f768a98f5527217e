/**
 * The rule-level decision, from the alarm state (the trigger's, folded into what CloudWatch
 * reports) and the records on the targets: ignore a stale or duplicate event, step, cool down,
 * hold, return, or freeze.
 */
import type { ScalingRuleSpec } from '../../../shared/model/cluster-spec/scaling';
import { scalingDurationMs } from '../../../shared/model/cluster-spec/runtime';
import type { AlarmState, AlarmStateValue } from '../observed';
import { recordOf } from './targets';
import type { Decision, RuleState, Target, Trigger } from './types';

/**
 * DescribeAlarms' StateTransitionedTimestamp and the event's `state.timestamp` name the same
 * transition; a newer one by more than this is another transition, and the event is stale.
 */
const SAME_TRANSITION_MS = 1_000;

/**
 * What the rule does now, before any target is looked at one by one.
 *
 * @example
 * decide(rule, [{ alarmName: 'kianax-general-ng-cpu-high', value: 'OK', since }], { kind: 'schedule' }, targets, now).kind;
 * // 'hold' until the alarm has been OK for the rule's hold time, then 'return'
 */
export function decide(rule: ScalingRuleSpec, described: readonly AlarmState[], trigger: Trigger, targets: readonly Target[], now: Date): Decision {
  if (trigger.kind === 'reset') return { kind: 'return', reason: "reset asked for: the spec's values come back now" };
  const records = targets.map(recordOf).filter((record) => record !== undefined);
  const lastStep = latest(records.map((record) => record.stepAt));
  let alarms = [...described];
  if (trigger.kind === 'alarm') {
    const known = described.find((alarm) => alarm.alarmName === trigger.alarmName);
    const at = trigger.at.toISOString();
    if (known !== undefined && known.since.getTime() - trigger.at.getTime() > SAME_TRANSITION_MS) {
      return {
        kind: 'ignore',
        reason: `stale event: ${trigger.alarmName} ${trigger.state} at ${at}, but CloudWatch reports ${known.value} since ${known.since.toISOString()}`,
      };
    }
    if (lastStep !== undefined && trigger.at.getTime() < lastStep.getTime()) {
      return {
        kind: 'ignore',
        reason: `stale event: ${trigger.alarmName} ${trigger.state} at ${at} is older than the last step taken (${lastStep.toISOString()})`,
      };
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
        return {
          kind: 'cooldown',
          state,
          lastStep,
          until,
          reason: `${state.alarmName} in ALARM, inside the cooldown: the next step is possible at ${until.toISOString()}`,
        };
      }
      const stepAt = trigger.kind === 'alarm' ? trigger.at : now;
      return { kind: 'step', state, stepAt, reason: `${state.alarmName} in ALARM since ${state.since.toISOString()}: one step` };
    }
    case 'OK': {
      const returnAt = new Date(state.since.getTime() + scalingDurationMs(rule.hold));
      if (now.getTime() >= returnAt.getTime()) {
        return {
          kind: 'return',
          state,
          reason: `${state.alarmName} OK since ${state.since.toISOString()}, past the hold time (${rule.hold}): the spec's values come back`,
        };
      }
      return {
        kind: 'hold',
        state,
        returnAt,
        reason: `${state.alarmName} OK since ${state.since.toISOString()}: the spec's values come back at ${returnAt.toISOString()} if it stays OK`,
      };
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

function latest(dates: readonly (Date | undefined)[]): Date | undefined {
  return dates.reduce<Date | undefined>(
    (found, date) => (date !== undefined && (found === undefined || date.getTime() > found.getTime()) ? date : found),
    undefined,
  );
}
