/**
 * Disaster recovery in one invoke: `{"action": "rebuild", "cluster": "..."}` starts a rebuild of
 * the cluster, and every later provision run (the five-minute schedule) carries it on until it is
 * done: observe (provision's own reconcile of the cluster in apply mode, the platform's apply as the
 * journal keeps it, the workloads' restores in the durable release store, the pools' state) -> plan
 * (rebuild/plan.ts, pure) -> execute (ask deploy-worker to apply the platform until it applied, then
 * for each workload's restore once; ask eip-manager to re-attach the pools) -> report
 * (logged, answered, and kept in the store's rebuild journal, which is how the next run finds it).
 *
 * One rebuild per cluster at a time, across stages, stacks and the CLI: the rebuild holds a lease
 * (the DynamoDB lease port, key `rebuild/<region>/<cluster>`) renewed at each run; a second rebuild
 * asked while it is held is refused, naming the holder.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { Lease, LeasePort } from '../../../shared/ports/lease';
import type { PlatformPort } from '../../../shared/ports/platform';
import type { PoolsPort } from '../../../shared/ports/pools';
import type { RestoresPort } from '../../../shared/ports/restores';
import type { RebuildJournalEntry, ReleaseStorePort } from '../../../shared/ports/release-store';
import { validItems } from '../../../shared/model/json-items';
import { restoreDeliveryId } from '../../../shared/model/restore';
import { errorFacts, errorText } from '../../../shared/errors';
import type { Status } from '../../../shared/reconcile/status';
import { statusOfFailure } from '../../../shared/reconcile/status';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionDeps } from '../run';
import { reconcileCluster } from '../run';
import type { ValidationReport } from '../validate';
import type { RebuildObservation, RebuildPhase, RebuildPlan, WorkloadSeen } from './plan';
import { planRebuild } from './plan';

/**
 * How long a rebuild's lease lasts without renewal: three scheduled runs (five minutes apart), so
 * a rebuild whose runs stopped (the schedule disabled, the stack removed) frees the cluster for a
 * new rebuild within a quarter of an hour, and two missed runs do not lose it.
 */
export const REBUILD_LEASE_MS = 15 * 60_000;

/** What a rebuild needs besides provision's own ports. */
export interface RebuildDeps extends ProvisionDeps {
  /**
   * Validates the cluster once provision's apply converged it (validate.ts, read-only through the
   * Kubernetes API and DescribeAddon): required, since no workload is restored into a cluster that
   * does not serve.
   */
  validate(spec: ClusterSpec): Promise<ValidationReport>;
  /** The durable release store: the workloads' histories and the rebuild journal. */
  releases: ReleaseStorePort;
  /** The lease store of a cluster (its Region and account, as eip-manager's pool leases). */
  leaseFor(spec: ClusterSpec): LeasePort;
  /** deploy-worker: one restore per workload, asked once per rebuild. */
  restores: RestoresPort;
  /** deploy-worker: the cluster's platform components, applied before any restore is asked. */
  platform: PlatformPort;
  /** eip-manager, to re-attach the pools; without it the pools are left to eip-manager's schedule. */
  pools?: PoolsPort;
  /** Who this run is, for someone who finds the rebuild's lease taken: `lambda eks-pilot-prod-provision`. */
  holder: string;
  /** A new rebuild's id. Default a random UUID. */
  rebuildId?: () => string;
}

export interface RebuildReport {
  cluster: string;
  region: string;
  /** The rebuild's id (absent on a refusal). */
  rebuild?: string;
  /** started: this invoke began it; continued: a later run; refused: another rebuild holds the cluster. */
  outcome: 'started' | 'continued' | 'refused' | 'finished';
  phase: RebuildPhase | 'refused';
  status: Status;
  summary: string;
  waiting: string[];
  restored: RebuildPlan['restored'];
  notRestored: RebuildPlan['notRestored'];
  requestedBy?: string;
  startedAt?: string;
  /** From the rebuild's start to this run, in seconds. */
  elapsedSeconds?: number;
}

/**
 * The lease key of a cluster's rebuild.
 *
 * @example
 * rebuildLeaseKey(spec); // 'rebuild/us-east-1/kianax'
 */
export function rebuildLeaseKey(spec: Pick<ClusterSpec, 'name' | 'region'>): string {
  return `rebuild/${spec.region}/${spec.name}`;
}

/**
 * Starts a rebuild of the cluster, or refuses it when another rebuild holds the cluster's lease,
 * and runs its first step.
 *
 * @example
 * const report = await startRebuild(spec, deps, 'manual invoke 7c1f...');
 * report.outcome; // 'started' (phase 'cluster': CreateCluster sent)
 */
export async function startRebuild(spec: ClusterSpec, deps: RebuildDeps, requestedBy: string): Promise<RebuildReport> {
  const id = deps.rebuildId?.() ?? randomUUID();
  const now = deps.now();
  const leases = deps.leaseFor(spec);
  const taken = await leases.acquire({ key: rebuildLeaseKey(spec), owner: id, holder: `${deps.holder} (rebuild ${id})`, now, durationMs: REBUILD_LEASE_MS });
  if (!taken.acquired) {
    const heldBy = taken.heldBy;
    const summary = `refused: a rebuild of ${spec.name} is running${heldBy ? ` (${heldBy.holder}, lease until ${heldBy.expiresAt.toISOString()})` : ''}; wait for it to finish`;
    deps.logger.warn('rebuild refused', { cluster: spec.name, region: spec.region, heldBy: heldBy?.holder, until: heldBy?.expiresAt.toISOString() });
    return {
      cluster: spec.name,
      region: spec.region,
      outcome: 'refused',
      phase: 'refused',
      status: 'Blocked',
      summary,
      waiting: [],
      restored: [],
      notRestored: [],
    };
  }
  const entry: RebuildJournalEntry = {
    region: spec.region,
    cluster: spec.name,
    id,
    requestedBy,
    startedAt: now.toISOString(),
    state: 'running',
    phase: 'cluster',
    summary: 'started',
    updatedAt: now.toISOString(),
  };
  await deps.releases.saveRebuild(entry);
  deps.logger.info('rebuild started', { cluster: spec.name, region: spec.region, rebuild: id, requestedBy });
  return step(spec, entry, taken.lease, 'started', deps);
}

/**
 * Carries a running rebuild on by one step (a scheduled run). A rebuild whose lease another took
 * over after it expired is left to that one.
 *
 * @example
 * const entry = await deps.releases.rebuild(spec.region, spec.name);
 * if (entry?.state === 'running') await continueRebuild(spec, entry, deps);
 */
export async function continueRebuild(spec: ClusterSpec, entry: RebuildJournalEntry, deps: RebuildDeps): Promise<RebuildReport> {
  const now = deps.now();
  const held: Lease = { key: rebuildLeaseKey(spec), owner: entry.id, holder: `${deps.holder} (rebuild ${entry.id})`, expiresAt: now };
  const lease = await deps.leaseFor(spec).renew(held, now, REBUILD_LEASE_MS);
  if (lease === null) {
    const summary = `rebuild ${entry.id} lost its lease to another rebuild: left to it`;
    deps.logger.warn('rebuild lease lost', { cluster: spec.name, region: spec.region, rebuild: entry.id });
    return {
      cluster: spec.name,
      region: spec.region,
      rebuild: entry.id,
      outcome: 'refused',
      phase: 'refused',
      status: 'Blocked',
      summary,
      waiting: [],
      restored: [],
      notRestored: [],
    };
  }
  return step(spec, entry, lease, 'continued', deps);
}

/** One run: observe, plan, apply the platform when due and plan again with its answer, execute, observe the pools' answer, report, journal. */
async function step(spec: ClusterSpec, entry: RebuildJournalEntry, lease: Lease, outcome: 'started' | 'continued', deps: RebuildDeps): Promise<RebuildReport> {
  const facts = { cluster: spec.name, region: spec.region, rebuild: entry.id };
  const cluster = await reconcileCluster(spec, deps, { mode: 'apply' });
  const hasPools = spec.elasticIpPools.length > 0 && deps.pools !== undefined;
  let observation: RebuildObservation = {
    cluster: {
      status: cluster.status,
      summary: cluster.summary,
      ...(cluster.validation === undefined ? {} : { validation: { status: cluster.validation.status, failures: cluster.validation.failures } }),
    },
    hasPlatform: spec.platform !== undefined,
    ...(entry.platform?.status === 'Converged' ? { platform: { status: 'Converged' as const, summary: entry.platform.summary } } : {}),
    workloads: cluster.status === 'Converged' ? await observeWorkloads(spec, entry.id, deps.releases) : [],
    hasPools,
  };
  let plan = planRebuild(observation);
  // The platform's answer decides whether this same run may ask for the restores.
  if (plan.actions.some((action) => action.kind === 'ApplyPlatform')) {
    const platform = await applyPlatform(spec, deps);
    deps.logger[platform.status === 'Converged' ? 'info' : 'warn']('rebuild platform', { ...facts, status: platform.status, summary: platform.summary });
    observation = { ...observation, platform };
    plan = planRebuild(observation);
  }
  let pools: RebuildObservation['pools'];
  for (const action of plan.actions) {
    switch (action.kind) {
      case 'ApplyPlatform':
        // Asked above, once per run; still due, it is asked again by the next run.
        break;
      case 'QueueRestore':
        await deps.restores.restore({ action: 'restore', workload: action.workload, cluster: spec.name, deliveryId: restoreDeliveryId(entry.id) });
        deps.logger.info('rebuild restore asked', { ...facts, workload: action.workload, reason: action.reason });
        break;
      case 'ReattachPools':
        pools = await reattach(spec, deps);
        break;
      default:
        throw new Error(`unknown rebuild action ${(action satisfies never as { kind: string }).kind}`);
    }
  }
  // The pools answered this run: decide again with their answer (the restores asked stay asked).
  const final = pools === undefined ? plan : planRebuild({ ...observation, pools });
  const now = deps.now();
  const finished = final.finished;
  const note = spec.elasticIpPools.length > 0 && deps.pools === undefined ? ['pools left to eip-manager (no EKS_PILOT_EIP_MANAGER_FUNCTION)'] : [];
  const summary = [final.summary, ...note].join('; ');
  const platformApplied = entry.platform === undefined && observation.platform?.status === 'Converged';
  await deps.releases.saveRebuild({
    ...entry,
    ...(platformApplied ? { platform: { status: 'Converged', summary: observation.platform?.summary ?? '', appliedAt: now.toISOString() } } : {}),
    phase: final.phase,
    summary,
    updatedAt: now.toISOString(),
    ...(finished ? { state: 'finished' as const, finishedAt: now.toISOString() } : {}),
  });
  const elapsedSeconds = Math.round((now.getTime() - Date.parse(entry.startedAt)) / 1000);
  deps.logger.info(finished ? 'rebuild finished' : 'rebuild progress', {
    ...facts,
    phase: final.phase,
    status: final.status,
    waiting: final.waiting,
    restored: final.restored.length,
    notRestored: final.notRestored,
    elapsedSeconds,
  });
  if (finished) await deps.leaseFor(spec).release(lease);
  return {
    cluster: spec.name,
    region: spec.region,
    rebuild: entry.id,
    outcome: finished ? 'finished' : outcome,
    phase: final.phase,
    status: final.status,
    summary,
    waiting: final.waiting,
    restored: final.restored,
    notRestored: final.notRestored,
    requestedBy: entry.requestedBy,
    startedAt: entry.startedAt,
    elapsedSeconds,
  };
}

async function applyPlatform(spec: ClusterSpec, deps: RebuildDeps): Promise<{ status: Status; summary: string }> {
  try {
    return await deps.platform.apply(spec.name);
  } catch (error) {
    deps.logger.error('rebuild platform apply failed', { cluster: spec.name, region: spec.region, error: errorFacts(error) });
    return { status: statusOfFailure(error), summary: `deploy-worker failed: ${errorText(error)}` };
  }
}

async function reattach(spec: ClusterSpec, deps: RebuildDeps): Promise<{ status: Status; summary: string }> {
  try {
    return (await deps.pools?.reattach(spec.name)) ?? { status: 'Converged', summary: 'no pools' };
  } catch (error) {
    deps.logger.error('rebuild pools re-attach failed', { cluster: spec.name, region: spec.region, error: errorFacts(error) });
    return { status: statusOfFailure(error), summary: `eip-manager failed: ${errorText(error)}` };
  }
}

/** The fields of a release record the rebuild reads (deploy's model owns the record; only these are relied on). */
const recordSchema = z.looseObject({
  revision: z.number(),
  result: z.string(),
  deliveryId: z.string(),
  lastDeliveryId: z.optional(z.string()),
  reason: z.optional(z.string()),
  images: z.optional(z.record(z.string(), z.string())),
});

/**
 * Each workload of the spec as the durable store shows it: the newest succeeded release before the
 * rebuild, and the rebuild's own restore (the record carrying its delivery id), if made.
 *
 * @example
 * await observeWorkloads(spec, '3f0c9a52', releases); // [{ workload: 'kianax', lastSucceeded: 4, restore: { revision: 5, result: 'progressing' } }]
 */
export async function observeWorkloads(spec: ClusterSpec, rebuildId: string, releases: ReleaseStorePort): Promise<WorkloadSeen[]> {
  const deliveryId = restoreDeliveryId(rebuildId);
  const seen: WorkloadSeen[] = [];
  for (const workload of spec.workloads) {
    const stored = await releases.read({ region: spec.region, cluster: spec.name, workload: workload.name });
    const records = stored === null ? [] : recordsOf(stored.history);
    const restore = records.find((record) => record.deliveryId === deliveryId || record.lastDeliveryId === deliveryId);
    const before = records.filter((record) => record.result === 'succeeded' && record !== restore).at(-1);
    seen.push({
      workload: workload.name,
      ...(before === undefined ? {} : { lastSucceeded: before.revision }),
      ...(restore === undefined
        ? {}
        : {
            restore: {
              revision: restore.revision,
              result: restore.result,
              ...(restore.reason === undefined ? {} : { reason: restore.reason }),
              ...(restore.images === undefined ? {} : { images: restore.images }),
            },
          }),
    });
  }
  return seen;
}

function recordsOf(text: string): z.output<typeof recordSchema>[] {
  return validItems(text, recordSchema);
}
