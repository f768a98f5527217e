/**
 * `eks-pilot status`: one screen per fleet, live. Per cluster: provision's status and drift; each
 * workload's running release, its last result and its drift; the scaling overrides in force and
 * when they expire; each pool's held, attached and missing addresses. A cluster whose Kubernetes API
 * cannot be reached gets an `unreachable` line; the rest of the screen is still printed.
 */
import type { DriftReport } from '../../functions/deploy/worker/drift';
import { checkDrift } from '../../functions/deploy/worker/drift';
import type { ReleaseRecord } from '../../functions/deploy/model/releases';
import { ReleaseStore, runningRelease, waitingRelease } from '../../functions/deploy/model/releases';
import type { DeployTarget } from '../../functions/deploy/model/targets';
import { targetsOf } from '../../functions/deploy/model/targets';
import type { PoolReport } from '../../functions/eip-manager/run';
import type { ClusterReport } from '../../functions/provision/run';
import { ClusterUnavailableError, KubernetesUnreachableError } from '../../shared/ports/kubernetes-errors';
import type { LoadedSpec } from '../../shared/model/cluster-spec/load';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { parseCommand, specPaths } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, oneLine, QUIET_LOGGER, toJson, UsageError } from '../output';
import type { RuleView } from '../scaling';
import { liveRuleView } from '../scaling';

export const STATUS_USAGE = `Usage: eks-pilot status [--json] [--detailed-exitcode] <spec file or folder>...
`;

interface WorkloadStatus {
  workload: string;
  /** The release that runs: the newest one applied. */
  running?: Pick<ReleaseRecord, 'revision' | 'result' | 'kind' | 'startedAt' | 'images'>;
  /** The newest record of any result (a refusal included). */
  last?: Pick<ReleaseRecord, 'revision' | 'result' | 'reason' | 'startedAt'>;
  /** The held release that waits for an approval or the end of a freeze, with why. */
  waiting?: Pick<ReleaseRecord, 'revision' | 'reason' | 'startedAt' | 'images'>;
  drift?: Pick<DriftReport, 'status' | 'drift' | 'orphans'>;
  /** `unreachable: ...` when the Kubernetes API could not be reached, else the error. */
  error?: string;
}

interface ClusterStatus {
  cluster: string;
  region: string;
  source: string;
  provision: Pick<ClusterReport, 'status' | 'summary' | 'drift'>;
  workloads: WorkloadStatus[];
  scaling: RuleView[];
  pools: PoolReport[];
  poolsError?: string;
}

export async function statusCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    offline: { type: 'boolean', default: false },
    'detailed-exitcode': { type: 'boolean', default: false },
  });
  if (values.offline) throw new UsageError('status shows what runs in the account; it has no --offline (eks-pilot plan --offline shows what would be created)');
  const specs = await loadSpecs(specPaths(positionals, undefined, 'status'));
  const targets = await targetsOf(specs);
  const [{ reconcileFleet }, { reconcilePools }] = await Promise.all([import('../../functions/provision/run'), import('../../functions/eip-manager/run')]);
  const provision = await ports.provision();
  const reports = await reconcileFleet(
    specs.map(({ spec, file }) => ({ spec, file, mode: 'plan' as const })),
    provision,
  );
  const clusters: ClusterStatus[] = [];
  for (const [index, loaded] of specs.entries()) {
    const { spec, file } = loaded;
    const report = reports[index];
    const status: ClusterStatus = {
      cluster: spec.name,
      region: spec.region,
      source: file,
      provision: { status: report?.status ?? 'Blocked', summary: report?.summary ?? 'not read', drift: report?.drift ?? [] },
      workloads: await workloadStatuses(
        targets.filter((target) => target.source === loaded.file),
        ports,
      ),
      scaling: [],
      pools: [],
    };
    if (spec.scalingRules.length > 0) {
      const [cloudWatchFor, connect] = await Promise.all([ports.cloudWatch(), ports.kubernetes()]);
      for (const rule of spec.scalingRules) {
        const observe = { eks: provision.eksFor(spec), cloudWatch: cloudWatchFor(spec), kubernetes: () => connect(refOf(loaded)) };
        status.scaling.push(await liveRuleView(spec, rule, observe, ports.now()));
      }
    }
    if (spec.elasticIpPools.length > 0) {
      const pools = await reconcilePools(spec, await ports.eip(), { mode: 'plan', source: file });
      status.pools = pools.pools;
      if (pools.plan === undefined) status.poolsError = pools.summary;
    }
    clusters.push(status);
  }
  io.stdout.write(values.json ? toJson({ clusters }) : renderStatus(clusters));
  const unread = clusters.some(
    (cluster) =>
      reports.find((report) => report.cluster === cluster.cluster && report.region === cluster.region)?.plan === undefined ||
      cluster.poolsError !== undefined ||
      cluster.workloads.some((workload) => workload.error !== undefined) ||
      cluster.scaling.some((rule) => rule.error !== undefined || rule.unreachable !== undefined),
  );
  if (unread) return EXIT.error;
  const pending = clusters.some(
    (cluster) =>
      cluster.provision.drift.length > 0 ||
      cluster.workloads.some((workload) => workload.drift?.status === 'Drifted') ||
      cluster.pools.some((pool) => pool.status !== 'Converged'),
  );
  return values['detailed-exitcode'] && pending ? EXIT.changesPending : EXIT.ok;
}

function refOf({ spec }: LoadedSpec): { cluster: string; region: string; assumeRoleArn?: string } {
  return { cluster: spec.name, region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) };
}

async function workloadStatuses(targets: readonly DeployTarget[], ports: Ports): Promise<WorkloadStatus[]> {
  const statuses: WorkloadStatus[] = [];
  for (const target of targets) {
    let k8s;
    try {
      k8s = await (await ports.kubernetes())(target);
    } catch (error) {
      // No endpoint, no token, no kubeconfig: the API cannot be reached, whatever the cause.
      statuses.push({ workload: target.workload.name, error: `unreachable: ${oneLine(error)}` });
      continue;
    }
    try {
      const records = await new ReleaseStore(k8s, target).read();
      const running = runningRelease(records);
      const last = records.at(-1);
      const waiting = waitingRelease(records);
      const drift = await checkDrift(target, k8s, QUIET_LOGGER, {
        remediate: false,
        now: ports.now(),
        ...(target.workload.secrets.length > 0 ? { secretValues: await ports.secrets() } : {}),
      });
      statuses.push({
        workload: target.workload.name,
        ...(running
          ? { running: { revision: running.revision, result: running.result, kind: running.kind, startedAt: running.startedAt, images: running.images } }
          : {}),
        ...(last ? { last: { revision: last.revision, result: last.result, startedAt: last.startedAt, ...(last.reason ? { reason: last.reason } : {}) } } : {}),
        ...(waiting
          ? {
              waiting: {
                revision: waiting.revision,
                startedAt: waiting.startedAt,
                images: waiting.images,
                ...(waiting.reason ? { reason: waiting.reason } : {}),
              },
            }
          : {}),
        drift: { status: drift.status, drift: drift.drift, orphans: drift.orphans },
      });
    } catch (error) {
      const unreachable = error instanceof KubernetesUnreachableError || error instanceof ClusterUnavailableError;
      statuses.push({ workload: target.workload.name, error: `${unreachable ? 'unreachable' : 'error'}: ${oneLine(error)}` });
    }
  }
  return statuses;
}

function renderStatus(clusters: readonly ClusterStatus[]): string {
  const blocks = clusters.map((cluster) => {
    const lines = [`${cluster.cluster} (${cluster.region}) from ${cluster.source}`, `  provision: ${cluster.provision.status}: ${cluster.provision.summary}`];
    for (const drift of cluster.provision.drift) lines.push(`    drift ${drift}`);
    lines.push(`  workloads:${cluster.workloads.length === 0 ? ' none in the spec' : ''}`);
    for (const workload of cluster.workloads) lines.push(`    ${workload.workload}: ${describeWorkload(workload)}`);
    lines.push(`  scaling overrides:${cluster.scaling.length === 0 ? ' no scaling rules in the spec' : ''}`);
    for (const rule of cluster.scaling) {
      if (rule.error !== undefined || rule.unreachable !== undefined) {
        lines.push(`    ${rule.rule}: ${rule.unreachable === undefined ? `unreadable: ${rule.error ?? ''}` : `unreachable: ${rule.unreachable}`}`);
        continue;
      }
      const active = rule.targets.filter((target) => target.state === 'overridden' || target.state === 'expired');
      lines.push(
        `    ${rule.rule}${rule.alarmState ? ` (${rule.alarmState})` : ''}: ${active.length === 0 ? 'none active, at spec values' : `${active.length} in force`}`,
      );
      for (const target of active) lines.push(`      ${target.target}: ${target.text}`);
    }
    lines.push(`  pools:${cluster.pools.length === 0 && cluster.poolsError === undefined ? ' no Elastic IP pools in the spec' : ''}`);
    if (cluster.poolsError !== undefined) lines.push(`    unreadable: ${cluster.poolsError}`);
    for (const pool of cluster.pools)
      lines.push(`    ${pool.pool}: ${pool.status}: ${pool.held} held, ${pool.attached} attached, ${pool.missing} missing (of ${pool.count})`);
    return `${lines.join('\n')}\n`;
  });
  return `Fleet of ${clusters.length} ${clusters.length === 1 ? 'cluster' : 'clusters'}\n\n${blocks.join('\n')}`;
}

function describeWorkload(workload: WorkloadStatus): string {
  if (workload.error !== undefined) return workload.error;
  const running =
    workload.running === undefined
      ? "no release recorded (the manifests' images)"
      : `release ${workload.running.revision} ${workload.running.result} (${workload.running.kind}, ${workload.running.startedAt})`;
  const waiting =
    workload.waiting === undefined
      ? ''
      : `; waiting: release ${workload.waiting.revision} (${workload.waiting.reason ?? 'held'}, since ${workload.waiting.startedAt})`;
  const last =
    workload.last !== undefined && workload.last.revision !== workload.running?.revision && workload.last.revision !== workload.waiting?.revision
      ? `; last: release ${workload.last.revision} ${workload.last.result}${workload.last.reason ? ` (${workload.last.reason})` : ''}`
      : '';
  const drift =
    workload.drift === undefined ? '' : workload.drift.status === 'Drifted' ? `; drifted: ${workload.drift.drift.join(', ')}` : `; ${workload.drift.status}`;
  return `${running}${waiting}${last}${drift}`;
}
