/** The view of a pool the plan reports: what it holds, what the plan changes, what stays for a person. */
import type { EipAction } from '../actions';
import { attachLabel, parameterOf } from './describe';
import { keptSurplus } from './surplus';
import type { HeldAddress, PoolContext, PoolView, SurplusDecision } from './types';

/**
 * The view of one pool once the plan has run: `lifecycle` holds the plan's releases of the pool.
 *
 * @example
 * view(context, held, 1, lifecycle, 2, 0, surplus).toAllocate; // 1
 */
export function view(
  context: PoolContext,
  held: HeldAddress[],
  toAllocate: number,
  lifecycle: readonly EipAction[],
  targets: number,
  unserved: number,
  surplus: SurplusDecision,
): PoolView {
  const { pool } = context;
  const toRelease = lifecycle.flatMap((action) => (action.kind === 'ReleaseAddress' ? [action.address.allocationId] : []));
  return {
    name: pool.name,
    count: pool.count,
    attachTo: attachLabel(pool),
    parameter: parameterOf(context),
    held,
    toAllocate,
    toRelease,
    targets,
    unserved,
    surplus: Math.max(0, held.length - toRelease.length - pool.count),
    surplusKept: keptSurplus(
      context,
      surplus,
      lifecycle.filter((action) => action.kind === 'ReleaseAddress' && action.rule === 'afterUnused'),
    ),
  };
}
