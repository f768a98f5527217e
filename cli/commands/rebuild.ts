/**
 * `eks-pilot rebuild`: provision's rebuild (functions/provision/rebuild/run.ts) run by the CLI
 * against the account and the new cluster: it starts the rebuild (refused while another holds the
 * cluster's rebuild lease, a Lambda's included), then carries it on itself every `--interval`
 * seconds, printing each run's phase and what it waits for, until it is done. The platform is
 * applied through deploy-worker's own platform apply (as the CLI's principal, which EKS made the
 * new cluster's admin when it created it), the restores run in the CLI through deploy-worker's own
 * restore (each rollout watched to its end), the pools through
 * eip-manager's own run. Interrupted, the rebuild is carried on by provision's schedule, if the
 * stack is deployed, or by running the command again once its lease has run out.
 */
import { hostname, userInfo } from 'node:os';
import { reconcilePools } from '../../functions/eip-manager/run';
import type { RebuildDeps, RebuildReport } from '../../functions/provision/rebuild/run';
import { continueRebuild, startRebuild } from '../../functions/provision/rebuild/run';
import { restoreWorkload } from '../../functions/deploy/worker/run';
import { findTarget, targetsOf } from '../../functions/deploy/model/targets';
import { platformsOf } from '../../functions/deploy/model/platform';
import { createPlatformRunner } from '../../functions/deploy/worker/platform';
import { validateReachable } from '../../functions/provision/validate';
import type { RestoreInvoke } from '../../shared/model/restore';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { parseCommand, specPaths, wholeNumber } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, QUIET_LOGGER, toJson, UsageError } from '../output';
import { workerDeps } from './deploy';

export const REBUILD_USAGE = `Usage: eks-pilot rebuild [--cluster <name>] [--interval <seconds>] [--json] <spec file or folder>...
`;

const OPTIONS = {
  cluster: { type: 'string' },
  interval: { type: 'string' },
} as const;

/** How long the CLI waits between two runs of a rebuild unless told: EKS moves in minutes. */
const DEFAULT_INTERVAL_SECONDS = 60;

export async function rebuildCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS);
  const loaded = await loadSpecs(specPaths(positionals, undefined, 'rebuild'));
  const candidates = values.cluster === undefined ? loaded : loaded.filter(({ spec }) => spec.name === values.cluster);
  const [chosen, ...others] = candidates;
  if (chosen === undefined)
    throw new UsageError(`no spec for cluster "${values.cluster ?? ''}"; the specs name ${loaded.map(({ spec }) => spec.name).join(', ')}`);
  if (others.length > 0)
    throw new UsageError(`rebuild takes one cluster: name it with --cluster (the specs name ${candidates.map(({ spec }) => spec.name).join(', ')})`);
  const interval = wholeNumber(values.interval, '--interval') ?? DEFAULT_INTERVAL_SECONDS;
  const releases = await ports.releases();
  if (releases === undefined) {
    throw new UsageError("rebuild restores the workloads from the stack's release table: set EKS_PILOT_RELEASE_TABLE (and AWS_REGION to the stack's Region)");
  }
  const { spec } = chosen;
  const [provision, eip] = await Promise.all([ports.provision(), ports.eip()]);
  if (eip.leaseFor === undefined) throw new UsageError('rebuild needs the lease table (EKS_PILOT_LEASE_TABLE) to keep a second rebuild out');
  const leases = eip.leaseFor.bind(eip);
  const targets = (await targetsOf([chosen])).filter((target) => target.cluster === spec.name);
  const worker = await workerDeps(targets, ports);
  const connect = await ports.kubernetes();
  const platforms = platformsOf([chosen]);
  const platform = createPlatformRunner({
    platforms: async () => (await platforms).platforms,
    broken: async () => (await platforms).broken,
    connect: (target) => connect(target),
    logger: QUIET_LOGGER,
  });
  const asked: RestoreInvoke[] = [];
  const holder = `cli ${userInfo().username}@${hostname()}`;
  const deps: RebuildDeps = {
    ...provision,
    logger: QUIET_LOGGER,
    releases,
    leaseFor: (target) => leases(target),
    restores: {
      restore: (request) => {
        asked.push(request);
        return Promise.resolve();
      },
    },
    // As `eks-pilot validate` reads it: the CLI's principal, through the spec's assumeRoleArn when it has one.
    validate: (target) =>
      validateReachable(target, provision.eksFor(target), () =>
        connect({ cluster: target.name, region: target.region, ...(target.assumeRoleArn ? { assumeRoleArn: target.assumeRoleArn } : {}) }),
      ),
    platform: {
      apply: async (cluster) => {
        const report = await platform.apply(cluster);
        if (report === undefined) return { status: 'Converged', summary: 'no platform components' };
        return { status: report.status, summary: report.reason ?? `${report.applied.length} object(s) applied` };
      },
    },
    pools: {
      reattach: async () => {
        const report = await reconcilePools(spec, eip, { mode: 'apply' });
        return { status: report.status, summary: report.summary };
      },
    },
    holder,
  };

  let report = await startRebuild(spec, deps, holder);
  for (;;) {
    print(report, io, values.json);
    if (report.outcome === 'finished' || report.outcome === 'refused') break;
    for (const request of asked.splice(0)) {
      // deploy-worker's own restore, its rollout watched to the end within the CLI's run.
      const outcome = await restoreWorkload(findTarget(targets, request.workload, spec.name), request.deliveryId, worker, {
        remainingMs: () => Number.MAX_SAFE_INTEGER,
      });
      if (!values.json) io.stdout.write(`  restore ${request.workload}: ${outcome.outcome}${'reason' in outcome ? ` (${outcome.reason})` : ''}\n`);
    }
    await ports.sleep(interval * 1000);
    const entry = await releases.rebuild(spec.region, spec.name);
    if (entry?.state !== 'running' || entry.id !== report.rebuild) break;
    report = await continueRebuild(spec, entry, deps);
  }
  return report.outcome === 'finished' && report.status === 'Converged' ? EXIT.ok : EXIT.error;
}

function print(report: RebuildReport, io: Io, json: boolean): void {
  if (json) {
    io.stdout.write(toJson({ ...report }));
    return;
  }
  const elapsed = report.elapsedSeconds === undefined ? '' : ` after ${String(Math.round(report.elapsedSeconds / 60))} min`;
  io.stdout.write(`rebuild ${report.cluster} (${report.region}): ${report.outcome}, ${report.phase}, ${report.status}${elapsed}: ${report.summary}\n`);
}
