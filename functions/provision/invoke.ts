/**
 * What one provision invocation does with its event: load the specs, pick the clusters and the
 * mode, reconcile the fleet, publish metrics, and answer with a report a person can read in the
 * console (the same plan text the CLI prints). With a fleet queue configured, a scheduled run of
 * more than one cluster fans out instead (one message per cluster, shared/reconcile/fan-out.ts), and
 * a batch from that queue reconciles the one cluster each message names.
 */
import { clip, InvalidEventError } from '../../shared/errors';
import type { MetricsSink } from '../../shared/reconcile/metrics';
import { publishCounts } from '../../shared/reconcile/metrics';
import { renderPlan } from '../../shared/model/plan/render';
import type { LoadedSpec } from '../../shared/model/cluster-spec/load';
import { loadSpecsOnce } from '../../shared/model/cluster-spec/load';
import type { SqsBatch } from '../../shared/lambda/events';
import { parseFleetMessage } from '../../shared/lambda/events';
import type { FleetQueuePort } from '../../shared/ports/fleet-queue';
import type { BatchResponse, FanOutSummary } from '../../shared/reconcile/fan-out';
import { fanOut, queuedSpec, runQueuedClusters } from '../../shared/reconcile/fan-out';
import type { ProvisionEvent } from './event';
import { isManualInvoke } from './event';
import { accessEntryDetailDue } from './observed';
import { readsOf } from './observe';
import type { NotifyDeps } from './notify';
import { notifyNewDrift } from './notify';
import type { Mode } from '../../shared/reconcile/status';
import type { ClusterReport, ProvisionDeps } from './run';
import { reconcileFleet } from './run';

export interface InvokeDeps extends ProvisionDeps {
  specPaths: readonly string[];
  metrics?: MetricsSink;
  /** Set when a drift topic is configured: new drift is published to SNS, remembered in SSM. */
  notify?: Omit<NotifyDeps, 'logger'>;
  /** Set when the function has a fleet queue: a scheduled run of more than one cluster fans out to it. */
  fleetQueue?: FleetQueuePort;
}

export interface ProvisionResponse {
  reports: (Omit<ClusterReport, 'plan'> & { plan?: string[] })[];
  /** A scheduled run that fanned out: what it queued (the workers' reports are in their own logs). */
  fannedOut?: FanOutSummary;
}

/**
 * @example
 * await handleProvisionEvent({ mode: 'plan', cluster: 'kianax' }, deps);
 */
export async function handleProvisionEvent(event: ProvisionEvent, deps: InvokeDeps): Promise<ProvisionResponse> {
  const all = await loadSpecsOnce(deps.specPaths);
  const manual = isManualInvoke(event) ? event : undefined;
  const selected = manual?.cluster ? all.filter(({ spec }) => spec.name === manual.cluster) : all;
  if (manual?.cluster && selected.length === 0) {
    const reason = `no spec for cluster "${clip(manual.cluster)}"; the specs name ${all.map(({ spec }) => spec.name).join(', ')}`;
    throw new InvalidEventError(reason, { context: { cluster: clip(manual.cluster) }, issues: [{ field: 'cluster', reason }] });
  }
  const modeFor = (loaded: LoadedSpec): Mode => manual?.mode ?? (loaded.spec.onDrift === 'remediate' ? 'apply' : 'plan');
  // A scheduled run reads the access entries' detail once an hour (ACCESS_ENTRY_DETAIL_CHECK), keyed on
  // the schedule's own time so a retried event decides the same; a manual invoke always reads it.
  const accessEntryDetail = isManualInvoke(event) || accessEntryDetailDue(new Date(event.time));
  const items = selected.map((loaded) => ({ spec: loaded.spec, file: loaded.file, mode: modeFor(loaded) }));
  if (!isManualInvoke(event) && deps.fleetQueue && items.length > 1) {
    const fannedOut = await fanOut(
      items.map((item) => ({ ...item, cost: readsOf(item.spec, { accessEntryDetail }) })),
      { queue: deps.fleetQueue, logger: deps.logger, function: 'provision', time: event.time },
    );
    return { reports: [], fannedOut };
  }
  const reports = await reconcileFleet(items, deps, { ...(manual?.only ? { only: manual.only } : {}), accessEntryDetail });
  return report(reports, deps);
}

/**
 * A batch from the fleet queue: each message's cluster reconciled as the schedule that sent it
 * would have (its mode, the access entries' detail by its `time`); the messages whose run could
 * not read the cluster are answered as batch item failures, to be received again.
 *
 * @example
 * const { batchItemFailures } = await handleProvisionBatch(sqsEvent, deps);
 */
export async function handleProvisionBatch(batch: SqsBatch, deps: InvokeDeps): Promise<BatchResponse> {
  const all = await loadSpecsOnce(deps.specPaths);
  const reports: ClusterReport[] = [];
  const response = await runQueuedClusters(batch.Records, {
    parse: parseFleetMessage,
    logger: deps.logger,
    run: async (message) => {
      const loaded = queuedSpec(all, message, 'provision', deps.logger);
      if (loaded === undefined) return undefined;
      const accessEntryDetail = accessEntryDetailDue(new Date(message.time));
      const [clusterReport] = await reconcileFleet([{ spec: loaded.spec, file: loaded.file, mode: message.mode }], deps, { accessEntryDetail });
      if (clusterReport !== undefined) reports.push(clusterReport);
      return clusterReport;
    },
  });
  await report(reports, deps);
  return response;
}

async function report(reports: ClusterReport[], deps: InvokeDeps): Promise<ProvisionResponse> {
  publishMetrics(reports, deps.metrics);
  if (deps.notify) await notifyNewDrift(reports, { ...deps.notify, logger: deps.logger });
  return {
    reports: reports.map(({ plan, ...clusterReport }) => ({ ...clusterReport, ...(plan ? { plan: renderPlan(plan).trimEnd().split('\n') } : {}) })),
  };
}

/** Embedded metric format, per cluster: drift, pending actions, and a count under its status's name. */
function publishMetrics(reports: readonly ClusterReport[], metrics: InvokeDeps['metrics']): void {
  for (const report of reports) {
    publishCounts(metrics, { Cluster: report.cluster }, [
      ['DriftedFields', report.drift.length],
      ['PendingActions', report.deferred.length + report.executed.length],
      [report.status, 1],
    ]);
  }
}
