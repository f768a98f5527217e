/**
 * The one status vocabulary of the suite: what every function and the CLI report for a cluster, a
 * pool, a rule or a workload. It names the target's state, not what the run did (that is in
 * `executed`, `decision` and the like): Converged, it matches the spec; Drifted, it differs and this
 * run changes nothing (a plan, or drift left alone); InProgress, something is under way or was left
 * for the next run (a throttle, a busy target, a write that got no answer); Blocked, a person must act
 * (a refusal, a rejected request, the quota).
 */
import { isTransient } from '../errors';

export type Status = 'Converged' | 'InProgress' | 'Drifted' | 'Blocked';

/** Whether a run only plans (sends nothing) or applies the plan. */
export type Mode = 'plan' | 'apply';

/** The statuses, worst first: a whole reads as the worst of its parts. */
export const STATUSES: readonly Status[] = ['Blocked', 'InProgress', 'Drifted', 'Converged'];

/**
 * The status of a run that failed as a whole: InProgress when the failure is transient
 * (throttling, a 5xx, the network, a busy service), so the next run retries it; Blocked otherwise.
 *
 * @example
 * statusOfFailure(new ThrottledError('DescribeCluster throttled')); // 'InProgress'
 */
export function statusOfFailure(error: unknown): Status {
  return isTransient(error) ? 'InProgress' : 'Blocked';
}

/**
 * The worst of several statuses ({@link STATUSES} order); Converged for none.
 *
 * @example
 * worstStatus(['Converged', 'Drifted']); // 'Drifted'
 */
export function worstStatus(statuses: Iterable<Status>): Status {
  const seen = new Set(statuses);
  return STATUSES.find((status) => seen.has(status)) ?? 'Converged';
}
