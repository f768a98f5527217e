/** How scale-watch tells a change: the reason a decision gives, and an override record in words. */
import type { BoundsRecord } from '../records';
import type { Decision } from './types';

/**
 * The reason each action of the decision carries.
 *
 * @example
 * reasonFor(decision, record); // 'kianax-general-ng-cpu-high ALARM: one step, until 2026-11-22T13:00:00.000Z unless renewed'
 */
export function reasonFor(decision: Exclude<Decision, { kind: 'ignore' }>, next: BoundsRecord | undefined): string {
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

/**
 * An override record as a person reads it in a plan; undefined for none.
 *
 * @example
 * describeRecord(record); // 'min 4, max 12 until 2026-11-22T13:00:00.000Z (alarm kianax-general-ng-cpu-high)'
 */
export function describeRecord(record: BoundsRecord | undefined): string | undefined {
  if (record === undefined) return undefined;
  const bounds = [record.min === undefined ? undefined : `min ${record.min}`, record.max === undefined ? undefined : `max ${record.max}`]
    .filter(Boolean)
    .join(', ');
  return `${bounds} until ${record.expires.toISOString()} (alarm ${record.alarm})`;
}
