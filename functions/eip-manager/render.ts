import { renderPlan } from '../../shared/model/plan/render';
import type { EipPlan } from './plan';

/**
 * The pool plan as a person reads it: the plan table every function prints, under its own heading,
 * then each pool's allow-list and where it is published. Deterministic, like renderPlan.
 *
 * @example
 * process.stdout.write(renderPoolPlan(plan));
 * // Elastic IP pools of financial-move (sa-east-1) from examples/financial-move/cluster.yaml
 * //   ...
 * //   Pools:
 * //     egress (node group prod-ng): 0 of 2 held, 2 to allocate -> /eks-pilot/financial-move/eip-pools/egress
 */
export function renderPoolPlan(plan: EipPlan): string {
  const { cluster, region, source } = plan.subject;
  const heading = `Elastic IP pools of ${cluster} (${region})${source ? ` from ${source}` : ''}`;
  const [, ...table] = renderPlan(plan).trimEnd().split('\n');
  const body = table.map((line) => line.replace('No changes. The cluster matches its spec.', 'No changes. The pools match the spec.'));
  const pools = plan.pools.map((pool) => {
    const kept = pool.held.filter((address) => !pool.toRelease.includes(address.allocationId)).map((address) => address.publicIp);
    const counts = [
      `${pool.held.length} of ${pool.count} held`,
      ...(pool.toAllocate > 0 ? [`${pool.toAllocate} to allocate`] : []),
      ...(pool.toRelease.length > 0 ? [`${pool.toRelease.length} to release`] : []),
    ];
    const list = kept.length > 0 ? `: ${kept.join(', ')}` : '';
    return `    ${pool.name} (${pool.attachTo}): ${counts.join(', ')}${list} -> ${pool.parameter}`;
  });
  return `${[heading, ...body, ...(pools.length > 0 ? ['  Pools:', ...pools] : [])].join('\n')}\n`;
}
