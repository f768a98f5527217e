/**
 * The plan model every function shares: a plan is data, a list of typed actions, each with its
 * target, a reason and a classification. The same value prints as a table, serialises as JSON,
 * feeds drift reports and is what `apply` executes. "No changes" is a plan with no actions that
 * change anything, and prints as such.
 */

/**
 * What an action does to its target, in terraform's terms. `delete` only ever comes from an
 * explicit opt-in in the spec (such as pruning node groups).
 */
export type Classification = 'create' | 'update' | 'replace' | 'delete' | 'forbidden' | 'no-op';

/** `kind/name`, e.g. `nodegroup/jobs-ng`: how actions name what they touch and what they wait for. */
export type TargetId = `${string}/${string}`;

export interface Target {
  kind: string;
  name: string;
}

/** One field the action sets or changes. `from` is absent for a create, `to` absent for a removal. */
export interface Change {
  field: string;
  from?: unknown;
  to?: unknown;
}

/**
 * One step of a plan. `kind` names the operation (for AWS, the API action it sends), `request` is
 * exactly what it sends, so a printed plan and an applied one cannot differ.
 */
export interface Action<Kind extends string = string, Request = unknown> {
  kind: Kind;
  classification: Classification;
  target: Target;
  reason: string;
  changes: readonly Change[];
  request?: Request;
  /** Targets whose actions must have finished before this one can start. */
  after?: readonly TargetId[];
}

export interface Plan<A extends Action = Action> {
  /** What the plan is for: the cluster name and Region, and the spec file it came from. */
  subject: { cluster: string; region: string; source?: string };
  actions: readonly A[];
}

export type PlanStatus = 'no-changes' | 'changes' | 'blocked';

export type PlanSummary = Record<Classification, number>;

export function targetId(target: Target): TargetId {
  return `${target.kind}/${target.name}`;
}

export function summarise(plan: Plan): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, replace: 0, delete: 0, forbidden: 0, 'no-op': 0 };
  for (const action of plan.actions) summary[action.classification] += 1;
  return summary;
}

/** `blocked` when the spec asks for something that cannot be done; else whether anything changes. */
export function planStatus(plan: Plan): PlanStatus {
  const summary = summarise(plan);
  if (summary.forbidden > 0) return 'blocked';
  return summary.create + summary.update + summary.replace + summary.delete > 0 ? 'changes' : 'no-changes';
}
