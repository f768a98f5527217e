/**
 * `eks-pilot pools`: eip-manager's plan of every Elastic IP pool in the specs, with each pool's held,
 * attached and missing addresses and where its allow-list is published. Reads EC2 (never writes);
 * `--offline` plans the allocations for an empty account.
 */
import { EMPTY_ACCOUNT as NO_ADDRESSES } from '../../functions/eip-manager/observed';
import type { EipPlan } from '../../functions/eip-manager/plan';
import { planPools } from '../../functions/eip-manager/plan';
import { renderPoolPlan } from '../../functions/eip-manager/render';
import type { PoolReport } from '../../functions/eip-manager/run';
import { planStatus } from '../../shared/model/plan/plan';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { PLAN_OPTIONS, parseCommand, specPaths } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, exitFor, toJson } from '../output';
import { planJson } from '../sections';

export async function poolsCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, PLAN_OPTIONS);
  const specs = (await loadSpecs(specPaths(positionals, undefined, 'pools'))).filter(({ spec }) => spec.elasticIpPools.length > 0);
  if (specs.length === 0) {
    io.stdout.write(values.json ? toJson({ plans: [], pools: [] }) : 'No Elastic IP pools: no spec has elasticIpPools.\n');
    return EXIT.ok;
  }
  const plans: EipPlan[] = [];
  const pools: (PoolReport & { cluster: string; region: string })[] = [];
  let unread = false;
  if (values.offline) {
    const now = ports.now();
    for (const { spec, file } of specs) plans.push(planPools(spec, NO_ADDRESSES, { now, source: file }));
  } else {
    const { reconcilePools } = await import('../../functions/eip-manager/run');
    const deps = await ports.eip();
    for (const { spec, file } of specs) {
      const report = await reconcilePools(spec, deps, { mode: 'plan', source: file });
      if (report.plan === undefined) {
        unread = true;
        io.stderr.write(`error: ${report.cluster} (${report.region}): ${report.summary}\n`);
        continue;
      }
      plans.push(report.plan);
      pools.push(...report.pools.map((pool) => ({ cluster: report.cluster, region: report.region, ...pool })));
    }
  }
  if (values.json) io.stdout.write(toJson({ plans: plans.map(planJson), pools }));
  else {
    io.stdout.write(plans.map(renderPoolPlan).join('\n'));
    if (pools.length > 0) {
      io.stdout.write('\nHeld, attached, missing:\n');
      for (const pool of pools)
        io.stdout.write(
          `  ${pool.cluster}/${pool.pool}: ${pool.status}: ${pool.held} held, ${pool.attached} attached, ${pool.missing} missing (of ${pool.count})\n`,
        );
    }
  }
  return unread ? EXIT.error : exitFor(plans.map(planStatus), values['detailed-exitcode']);
}
