/**
 * What the functions use of the cluster spec at run time besides its types: the tag and label
 * names eks-pilot writes, the spec's durations in milliseconds, the small rules over its values.
 * No zod here: a bundle whose specs ship pre-validated (scripts/esbuild/prevalidated-specs.cjs)
 * carries no spec schema, and importing one of these from the schema's modules would bring it back.
 * Each schema module re-exports its own.
 */
import type { ScalingRuleSpec, StepSpec } from './scaling';

// ---- schema.ts ---------------------------------------------------------------------------------

/**
 * The tag eks-pilot puts on every Pod Identity association it creates: the only ones it ever
 * deletes or changes. One it finds without the tag belongs to someone else.
 */
export const MANAGED_TAG = 'eks-pilot/managed';

// ---- eip-pools.ts ------------------------------------------------------------------------------

/** Tags eip-manager puts on the addresses it allocates, and reads to recognise them. */
export const POOL_TAG = {
  cluster: 'eks-pilot/cluster',
  pool: 'eks-pilot/pool',
  /** ISO 8601 UTC instant since which the address has been unattached (only on `afterUnused` pools). */
  unusedSince: 'eks-pilot/unused-since',
  /** The run that allocated the address, written in the AllocateAddress request itself: a run finds what it really got even when EC2's answer was lost. */
  claim: 'eks-pilot/claim',
  /**
   * `<cluster>/<pool>` on an address a pool adopts: the IAM role associates only addresses carrying
   * the pool tags or this mark, and never releases one that carries it.
   */
  adoptedBy: 'eks-pilot/adopted-by',
} as const;

/** The managed node group tags EKS puts on every instance of a group (propagated from its Auto Scaling group). */
export const NODE_GROUP_TAG = { cluster: 'eks:cluster-name', nodeGroup: 'eks:nodegroup-name' } as const;

/**
 * `7d` -> milliseconds.
 *
 * @example
 * durationMs('12h'); // 43_200_000
 */
export function durationMs(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text);
  if (match === null) throw new Error(`not a duration: ${text}`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

// ---- workloads.ts ------------------------------------------------------------------------------

/** Label deploy puts on every object it applies: `<cluster>.<workload>`, so pruning finds them again. */
export const OWNER_LABEL = 'eks-pilot.io/workload';

/** The kinds of tag rule, in the order they are documented. */
export const TAG_RULE_KINDS = ['semver', 'glob', 'regex', 'exact'] as const;
export type TagRuleKind = (typeof TAG_RULE_KINDS)[number];

/**
 * A `recover.every` duration in milliseconds (`30m`, `1h`, `1d`); NaN when it is not one.
 *
 * @example
 * recoverEveryMs('1h'); // 3600000
 */
export function recoverEveryMs(every: string): number {
  const match = /^(\d+)([mhd])$/.exec(every);
  if (match === null) return Number.NaN;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

// ---- environments.ts ---------------------------------------------------------------------------

/** Days of the week, in the order `Intl` counts them from Monday. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

// ---- platform.ts -------------------------------------------------------------------------------

/** Label deploy puts on every object a platform component applies: `<component>`. */
export const PLATFORM_LABEL = 'eks-pilot.io/platform';

// ---- scaling.ts --------------------------------------------------------------------------------

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A spec duration in milliseconds.
 *
 * @example
 * scalingDurationMs('15m'); // 900_000
 */
export function scalingDurationMs(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (match === null) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * Whether a step moves a value up (add > 0, multiply > 1).
 *
 * @example
 * stepRaises({ add: 2 }); // true
 * stepRaises({ multiply: 0.5 }); // false
 */
export function stepRaises(step: Pick<StepSpec, 'add' | 'multiply'>): boolean {
  return (step.add ?? 0) > 0 || (step.multiply ?? 1) > 1;
}

/**
 * Whether a rule is driven by an alarm of this name.
 *
 * @example
 * ruleWatches({ alarmPrefix: 'kianax-' }, 'kianax-general-ng-cpu-high'); // true
 */
export function ruleWatches(rule: Pick<ScalingRuleSpec, 'alarm' | 'alarmPrefix'>, alarm: string): boolean {
  return rule.alarm !== undefined ? rule.alarm === alarm : rule.alarmPrefix !== undefined && alarm.startsWith(rule.alarmPrefix);
}
