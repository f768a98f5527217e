/**
 * What one provision invocation does with its event: load the specs, pick the clusters and the
 * mode, reconcile the fleet, publish metrics, and answer with a report a person can read in the
 * console (the same plan text the CLI prints). With a fleet queue configured, a scheduled run of
 * more than one cluster fans out instead (one message per cluster, shared/reconcile/fan-out.ts), and
 * a batch from that queue reconciles the one cluster each message names.
 */
import { clip, errorFacts, errorText, InvalidEventError } from '../../shared/errors';
import { statusOfFailure } from '../../shared/reconcile/status';
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
import { isManualInvoke, isRebuildInvoke } from './event';
import type { RebuildDeps, RebuildReport } from './rebuild/run';
import { continueRebuild, startRebuild } from './rebuild/run';
import { missingSetting } from '../../shared/config';
import { accessEntryDetailDue } from './observed';
import { readsOf } from './observe';
import type { NotifyDeps } from './notify';
import { notifyNewDrift } from './notify';
import type { Mode } from '../../shared/reconcile/status';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { RebuildJournalEntry } from '../../shared/ports/release-store';
import type { ClusterReport, ProvisionDeps } from './run';
import { reconcileFleet } from './run';

export interface InvokeDeps extends ProvisionDeps {
  specPaths: readonly string[];
  metrics?: MetricsSink;
  /** Set when a drift topic is configured: new drift is published to SNS, remembered in SSM. */
  notify?: Omit<NotifyDeps, 'logger'>;
  /** Set when the function has a fleet queue: a scheduled run of more than one cluster fans out to it. */
  fleetQueue?: FleetQueuePort;
  /**
   * Set when the release table is configured: rebuilds can be asked, and scheduled runs carry them
   * on. A rebuild always validates the cluster (`validate`), whether or not the drift runs do.
   */
  rebuild?: Omit<RebuildDeps, keyof ProvisionDeps> & Pick<RebuildDeps, 'validate'>;
  /** The invocation's request id, for who asked a rebuild. */
  requestId?: string;
}

export interface ProvisionResponse {
  reports: (Omit<ClusterReport, 'plan'> & { plan?: string[] })[];
  /** A scheduled run that fanned out: what it queued (the workers' reports are in their own logs). */
  fannedOut?: FanOutSummary;
  /** The rebuilds this run started or carried on, one per cluster. */
  rebuilds?: RebuildReport[];
}

/**
 * @example
 * await handleProvisionEvent({ mode: 'plan', cluster: 'kianax' }, deps);
 */
export async function handleProvisionEvent(event: ProvisionEvent, deps: InvokeDeps): Promise<ProvisionResponse> {
  const all = await loadSpecsOnce(deps.specPaths);
  if (isRebuildInvoke(event)) {
    const loaded = all.find(({ spec }) => spec.name === event.cluster);
    if (loaded === undefined) {
      const reason = `no spec for cluster "${clip(event.cluster)}"; the specs name ${all.map(({ spec }) => spec.name).join(', ')}`;
      throw new InvalidEventError(reason, { context: { cluster: clip(event.cluster) }, issues: [{ field: 'cluster', reason }] });
    }
    const rebuild = rebuildDeps(deps);
    const report = await startRebuild(loaded.spec, rebuild, `manual invoke ${deps.requestId ?? 'without a request id'}`);
    return { reports: [], rebuilds: [report] };
  }
  const manual = isManualInvoke(event) ? event : undefined;
  const selected = manual?.cluster ? all.filter(({ spec }) => spec.name === manual.cluster) : all;
  if (manual?.cluster && selected.length === 0) {
    const reason = `no spec for cluster "${clip(manual.cluster)}"; the specs name ${all.map(({ spec }) => spec.name).join(', ')}`;
    throw new InvalidEventError(reason, { context: { cluster: clip(manual.cluster) }, issues: [{ field: 'cluster', reason }] });
  }
  // A scheduled run carries every running rebuild on (in place of the cluster's drift check: the rebuild reconciles it in apply mode).
  const rebuilds: RebuildReport[] = [];
  const rebuilding = new Set<LoadedSpec>();
  if (manual === undefined && deps.rebuild !== undefined) {
    const rebuild = rebuildDeps(deps);
    for (const loaded of selected) {
      try {
        const entry = await rebuild.releases.rebuild(loaded.spec.region, loaded.spec.name);
        if (entry?.state !== 'running') continue;
        rebuilding.add(loaded);
        rebuilds.push(await continueRebuild(loaded.spec, entry, rebuild));
      } catch (error) {
        // One cluster's rebuild never stops the fleet's run; the next run tries again.
        const status = statusOfFailure(error);
        deps.logger.error('rebuild run failed', { cluster: loaded.spec.name, region: loaded.spec.region, status, error: errorFacts(error) });
        rebuilds.push({
          cluster: loaded.spec.name,
          region: loaded.spec.region,
          outcome: 'continued',
          phase: 'cluster',
          status,
          summary: `rebuild run failed: ${errorText(error)}`,
          waiting: [],
          restored: [],
          notRestored: [],
        });
      }
    }
  }
  const modeFor = (loaded: LoadedSpec): Mode => manual?.mode ?? (loaded.spec.onDrift === 'remediate' ? 'apply' : 'plan');
  // A scheduled run reads the access entries' detail once an hour (ACCESS_ENTRY_DETAIL_CHECK), keyed on
  // the schedule's own time so a retried event decides the same; a manual invoke always reads it.
  const accessEntryDetail = isManualInvoke(event) || accessEntryDetailDue(new Date(event.time));
  // A cluster being rebuilt was carried on above, in place of its drift check.
  const items = selected.filter((loaded) => !rebuilding.has(loaded)).map((loaded) => ({ spec: loaded.spec, file: loaded.file, mode: modeFor(loaded) }));
  const carried = rebuilds.length > 0 ? { rebuilds } : {};
  if (!isManualInvoke(event) && deps.fleetQueue && items.length > 1) {
    const fannedOut = await fanOut(
      items.map((item) => ({ ...item, cost: readsOf(item.spec, { accessEntryDetail }) })),
      { queue: deps.fleetQueue, logger: deps.logger, function: 'provision', time: event.time },
    );
    return { reports: [], fannedOut, ...carried };
  }
  // A manual apply leaves a cluster being rebuilt to its rebuild (a plan only reads, and runs).
  const skipped: ClusterReport[] = [];
  const applied: typeof items = [];
  for (const item of items) {
    const entry = manual?.mode === 'apply' ? await runningRebuild(item.spec, deps) : undefined;
    if (entry === undefined) applied.push(item);
    else skipped.push(rebuildSkip(item, entry, deps));
  }
  const reconciled = applied.length === 0 ? [] : await reconcileFleet(applied, deps, { ...(manual?.only ? { only: manual.only } : {}), accessEntryDetail });
  return { ...(await report([...skipped, ...reconciled], deps)), ...carried };
}

/**
 * The cluster's running rebuild, when the release table is configured and the journal has one.
 * Read-consistent (the journal's GetItem), so a rebuild started a moment ago is seen.
 */
async function runningRebuild(spec: ClusterSpec, deps: InvokeDeps): Promise<RebuildJournalEntry | undefined> {
  if (deps.rebuild === undefined) return undefined;
  const entry = await deps.rebuild.releases.rebuild(spec.region, spec.name);
  return entry?.state === 'running' ? entry : undefined;
}

/** A cluster left to its rebuild: a report that says so and why, never an error (a queued message is not retried into the dead-letter queue). */
function rebuildSkip(item: { spec: ClusterSpec; file?: string; mode: Mode }, entry: RebuildJournalEntry, deps: InvokeDeps): ClusterReport {
  const summary = `skipped: rebuild ${entry.id} in progress (phase ${entry.phase}: ${entry.summary}); the rebuild reconciles the cluster until it is done`;
  deps.logger.warn('cluster skipped: rebuild in progress', { cluster: item.spec.name, region: item.spec.region, rebuild: entry.id, phase: entry.phase });
  return {
    cluster: item.spec.name,
    region: item.spec.region,
    ...(item.file === undefined ? {} : { source: item.file }),
    mode: item.mode,
    status: 'InProgress',
    summary,
    drift: [],
    executed: [],
    deferred: [],
    blocked: [],
  };
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
      // Queued before the rebuild started (or paced by DelaySeconds past its start): the rebuild carries the cluster on, so the message is done.
      const entry = await runningRebuild(loaded.spec, deps);
      if (entry !== undefined) {
        reports.push(rebuildSkip({ spec: loaded.spec, file: loaded.file, mode: message.mode }, entry, deps));
        return undefined;
      }
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

/** The rebuild's ports, or the setting that is missing for them. */
function rebuildDeps(deps: InvokeDeps): RebuildDeps {
  if (deps.rebuild === undefined) throw missingSetting('EKS_PILOT_RELEASE_TABLE', 'the durable release store a rebuild restores the workloads from');
  return { eksFor: (spec) => deps.eksFor(spec), now: () => deps.now(), logger: deps.logger, ...(deps.lease ? { lease: deps.lease } : {}), ...deps.rebuild };
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
