/**
 * What one provision invocation does with its event: load the specs, pick the clusters and the
 * mode, reconcile the fleet, publish metrics, and answer with a report a person can read in the
 * console (the same plan text the CLI prints).
 */
import { clip, InvalidEventError } from '../../shared/errors';
import type { MetricsSink } from '../../shared/reconcile/metrics';
import { publishCounts } from '../../shared/reconcile/metrics';
import { renderPlan } from '../../shared/model/plan/render';
import type { LoadedSpec } from '../../shared/model/cluster-spec/load';
import { loadSpecsOnce } from '../../shared/model/cluster-spec/load';
import type { ProvisionEvent } from './event';
import { isManualInvoke } from './event';
import { accessEntryDetailDue } from './observed';
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
}

export interface ProvisionResponse {
  reports: (Omit<ClusterReport, 'plan'> & { plan?: string[] })[];
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
  const reports = await reconcileFleet(
    selected.map((loaded) => ({ spec: loaded.spec, file: loaded.file, mode: modeFor(loaded) })),
    deps,
    { ...(manual?.only ? { only: manual.only } : {}), accessEntryDetail },
  );
  publishMetrics(reports, deps.metrics);
  if (deps.notify) await notifyNewDrift(reports, { ...deps.notify, logger: deps.logger });
  return {
    reports: reports.map(({ plan, ...report }) => ({ ...report, ...(plan ? { plan: renderPlan(plan).trimEnd().split('\n') } : {}) })),
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
