/**
 * What one eip-manager invocation does with its event: load the specs, pick the clusters and pools
 * the event concerns, reconcile them, publish metrics, and answer with a report a person can read
 * in the console (the same pool plan the CLI prints).
 *
 * An EC2 event is a hint, never the truth: the handler looks the instance up, finds the pools it
 * belongs to, and reconciles those pools from what it observes. A duplicate, late or out-of-order
 * event therefore finds nothing to do, or does what the schedule would have done.
 */
import { clip, InvalidEventError } from '../../shared/errors';
import type { MetricsSink } from '../../shared/reconcile/metrics';
import { publishCounts } from '../../shared/reconcile/metrics';
import type { LoadedSpec } from '../../shared/model/cluster-spec/load';
import { loadSpecsOnce } from '../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { SqsBatch } from '../../shared/lambda/events';
import { parseFleetMessage } from '../../shared/lambda/events';
import type { FleetQueuePort } from '../../shared/ports/fleet-queue';
import type { BatchResponse, FanOutSummary } from '../../shared/reconcile/fan-out';
import { accountOf, fanOut, queuedSpec, runQueuedClusters } from '../../shared/reconcile/fan-out';
import type { EipEvent, InstanceEvent } from './event';
import { isInstanceEvent, isManualInvoke } from './event';
import { readsOf } from './observe';
import { instanceFilters, instanceMatchesPool } from './members';
import { renderPoolPlan } from './render';
import type { Mode } from '../../shared/reconcile/status';
import type { EipClusterReport, EipDeps } from './run';
import type { EipNotifyDeps } from './notify';
import { notifyEipReports } from './notify';
import { reconcilePoolFleet, reconcilePools } from './run';

export interface InvokeDeps extends EipDeps {
  specPaths: readonly string[];
  metrics?: MetricsSink;
  /** Where allocations, releases, the quota and surplus are told (none: nothing is told). */
  notifier?: EipNotifyDeps['notifier'];
  /** The quota and surplus already told per cluster (notify.ts). */
  notified?: EipNotifyDeps['memory'];
  /** Set when the function has a fleet queue: a scheduled run of more than one cluster fans out to it. */
  fleetQueue?: FleetQueuePort;
}

export interface EipResponse {
  reports: (Omit<EipClusterReport, 'plan'> & { plan?: string[] })[];
  /** A scheduled run that fanned out: what it queued (the workers' reports are in their own logs). */
  fannedOut?: FanOutSummary;
}

/**
 * @example
 * await handleEipEvent({ mode: 'plan', cluster: 'financial-move' }, deps);
 */
export async function handleEipEvent(event: EipEvent, deps: InvokeDeps): Promise<EipResponse> {
  const all = await loadSpecsOnce(deps.specPaths);
  let reports: EipClusterReport[];
  if (isManualInvoke(event)) {
    const selected = event.cluster ? all.filter(({ spec }) => spec.name === event.cluster) : all.filter(({ spec }) => spec.elasticIpPools.length > 0);
    if (event.cluster && selected.length === 0) {
      const reason = `no spec for cluster "${clip(event.cluster)}"; the specs name ${all.map(({ spec }) => spec.name).join(', ')}`;
      throw new InvalidEventError(reason, { context: { cluster: clip(event.cluster) }, issues: [{ field: 'cluster', reason }] });
    }
    const pools = event.pools ?? [];
    const known = [...new Set(selected.flatMap(({ spec }) => spec.elasticIpPools.map((pool) => pool.name)))].sort();
    const unknown = pools.flatMap((name, index) => (known.includes(name) ? [] : [{ name: clip(name), index }]));
    if (unknown.length > 0) {
      const validPools = `the selected specs have ${known.join(', ') || 'no pool'}`;
      throw new InvalidEventError(`no pool named ${unknown.map((item) => item.name).join(', ')}; ${validPools}`, {
        context: { pools: unknown.map((item) => item.name) },
        issues: unknown.map((item) => ({ field: `pools[${item.index}]`, reason: `no pool named ${item.name}; ${validPools}` })),
      });
    }
    reports = await reconcilePoolFleet(
      selected.map(({ spec, file }) => ({ spec, file, mode: event.mode, ...(event.pools ? { pools: event.pools } : {}) })),
      deps,
    );
  } else if (isInstanceEvent(event)) {
    reports = await reconcileForInstance(event, all, deps);
  } else {
    const mode: Mode = 'apply';
    const items = all.filter(({ spec }) => spec.elasticIpPools.length > 0).map(({ spec, file }) => ({ spec, file, mode }));
    if (deps.fleetQueue && items.length > 1) {
      const fannedOut = await fanOut(
        items.map((item) => ({ ...item, cost: readsOf(item.spec.name, item.spec.elasticIpPools) })),
        { queue: deps.fleetQueue, logger: deps.logger, function: 'eip-manager', time: event.time },
      );
      return { reports: [], fannedOut };
    }
    reports = await reconcilePoolFleet(items, deps);
  }
  return report(reports, deps);
}

/**
 * A batch from the fleet queue: each message's cluster's pools reconciled (apply, as the schedule
 * that sent it); a run that could not read the account is answered as a batch item failure, to be
 * received again. A second delivery finds the pools whole, or waits on the first run's lease.
 *
 * @example
 * const { batchItemFailures } = await handleEipBatch(sqsEvent, deps);
 */
export async function handleEipBatch(batch: SqsBatch, deps: InvokeDeps): Promise<BatchResponse> {
  const all = await loadSpecsOnce(deps.specPaths);
  const reports: EipClusterReport[] = [];
  const response = await runQueuedClusters(batch.Records, {
    parse: parseFleetMessage,
    logger: deps.logger,
    run: async (message) => {
      const loaded = queuedSpec(all, message, 'eip-manager', deps.logger);
      if (loaded === undefined) return undefined;
      const [clusterReport] = await reconcilePoolFleet([{ spec: loaded.spec, file: loaded.file, mode: message.mode }], deps);
      if (clusterReport !== undefined) reports.push(clusterReport);
      return clusterReport;
    },
  });
  await report(reports, deps);
  return response;
}

async function report(reports: readonly EipClusterReport[], deps: InvokeDeps): Promise<EipResponse> {
  publishMetrics(reports, deps.metrics);
  await notifyEipReports(reports, {
    ...(deps.notifier === undefined ? {} : { notifier: deps.notifier }),
    ...(deps.notified === undefined ? {} : { memory: deps.notified }),
    logger: deps.logger,
    now: () => deps.now(),
  });
  return {
    reports: reports.map(({ plan, ...clusterReport }) => ({ ...clusterReport, ...(plan ? { plan: renderPoolPlan(plan).trimEnd().split('\n') } : {}) })),
  };
}

/**
 * The clusters in the event's account and Region whose instance pools the instance belongs to,
 * reconciled for those pools only, in apply mode. A spot interruption warning marks the instance
 * as leaving.
 */
async function reconcileForInstance(event: InstanceEvent, all: readonly LoadedSpec[], deps: InvokeDeps): Promise<EipClusterReport[]> {
  const instanceId = event.detail['instance-id'];
  const leaving = event['detail-type'] === 'EC2 Spot Instance Interruption Warning' ? [instanceId] : [];
  const reports: EipClusterReport[] = [];
  const candidates = all.filter(({ spec }) => spec.region === event.region && accountOf(spec) === event.account && instancePools(spec).length > 0);
  for (const { spec, file } of candidates) {
    const instance = await deps.ec2For(spec).describeInstance(instanceId);
    if (instance === null) {
      deps.logger.info('instance not found; nothing to reconcile', { cluster: spec.name, instanceId });
      continue;
    }
    const pools = instancePools(spec)
      .filter((pool) => instanceMatchesPool(spec.name, pool, instance))
      .map((pool) => pool.name);
    if (pools.length === 0) continue;
    reports.push(await reconcilePools(spec, deps, { mode: 'apply', pools, leaving, ...(file ? { source: file } : {}) }));
  }
  if (reports.length === 0) deps.logger.info('instance belongs to no pool', { instanceId, region: event.region, account: event.account });
  return reports;
}

function instancePools(spec: ClusterSpec): ClusterSpec['elasticIpPools'] {
  return spec.elasticIpPools.filter((pool) => instanceFilters(spec.name, pool) !== undefined);
}

/**
 * Embedded metric format, per pool (dimensions Cluster and Pool): ElasticIpsHeld, ElasticIpsAttached,
 * ElasticIpsMissing, ElasticIpsSurplus (held beyond count); and AddressLimitExceeded when the quota stopped an allocation, also without the
 * Cluster and Pool dimensions so one alarm covers every pool.
 */
function publishMetrics(reports: readonly EipClusterReport[], metrics: InvokeDeps['metrics']): void {
  for (const report of reports) {
    for (const pool of report.pools) {
      publishCounts(metrics, { Cluster: report.cluster, Pool: pool.pool }, [
        ['ElasticIpsHeld', pool.held],
        ['ElasticIpsAttached', pool.attached],
        ['ElasticIpsMissing', pool.missing],
        ['ElasticIpsSurplus', pool.surplus],
        ...(pool.quotaExhausted ? ([['AddressLimitExceeded', 1]] as const) : []),
      ]);
      if (pool.quotaExhausted) publishCounts(metrics, {}, [['AddressLimitExceeded', 1]]);
    }
  }
}
