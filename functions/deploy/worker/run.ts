/**
 * Orchestration of one deploy: check the push against what runs, render, server-side apply in
 * order, record the release, watch the rollout within the invocation's time and hand the watch on
 * through the queue when time runs short, roll back to the previous successful release on failure.
 * Every cluster call goes through the Kubernetes port; the clock, the sleep and the remaining time
 * are parameters.
 */
import type { FifoQueuePort } from '../../../shared/ports/fifo-queue';
import type { EventNotifier } from '../../../shared/ports/notifier';
import type { GitHubPackagesPort } from '../../../shared/ports/github-packages';
import type { GitHubDeploymentsPort } from '../../../shared/ports/github-deployments';
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import type { ReleaseStorePort } from '../../../shared/ports/release-store';
import { applyAll, forbidden, immutableJobs, isTransient } from './apply';
import type { PinnedImage } from '../model/images';
import { pinnedRef } from '../model/images';
import { describeObject, ROLLOUT_KINDS } from '../model/manifests';
import type { WatchMessage } from '../model/messages';
import { toFifo } from '../model/messages';
import type { DeployPlan, DeployTrigger, Draft, GateRequest, WatchStep } from '../model/plan';
import { draftRecord, planAutomaticRollback, planGate, planPrune, planPush, planRestore, planRollback, planWatch } from '../model/plan';
import type { ReleaseRecord } from '../model/releases';
import { nextRevision, pinnedImages, ReleaseStore, upsert } from '../model/releases';
import { renderWorkload } from '../model/render';
import type { ReleaseHistory } from './notify';
import { NotifyingReleaseHistory } from './notify';
import { GitHubStatusHistory } from './github-status';
import { notPruned, ownedObjects, prune } from './prune';
import { rolloutState } from './rollout';
import type { SecretValuesPort } from '../../../shared/ports/secret-values';
import { sourcedSecrets, withSecrets } from '../model/secret-values';
import { SecretSourceError } from '../../../shared/ports/secret-values';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { BrokenWorkload, DeployTarget } from '../model/targets';
import { targetKey } from '../model/targets';
import { SETTING_DEFAULTS } from '../../../shared/config';
import type { PlatformRunner } from './platform';
import type { WorkloadLeaseDeps } from './lease';
import { withWorkloadLease } from './lease';

export const DEFAULT_POLL_MS = SETTING_DEFAULTS.rolloutPollMs;
/** Time kept back at the end of an invocation to record the outcome and hand the watch on. */
export const DEFAULT_RESERVE_MS = SETTING_DEFAULTS.rolloutReserveMs;

/** What the worker needs, all ports. */
export interface WorkerDeps {
  targets(): Promise<DeployTarget[]>;
  /** Where Secrets sourced from AWS are read (a workload with `secrets` and no port fails its release). */
  secretValues?: SecretValuesPort;
  /** The workloads whose spec or manifests are broken: reported and skipped (none when absent). */
  broken?(): Promise<BrokenWorkload[]>;
  /** The Kubernetes port of a target's cluster (cached per cluster by the composition root). */
  connect(target: DeployTarget): Promise<KubernetesPort>;
  /** The clusters' platform components, applied before the workloads (none when absent). */
  platform?: PlatformRunner;
  queue: FifoQueuePort;
  /** Where release outcomes are told, once each (worker/notify.ts); none, nothing is told. */
  notifier?: EventNotifier;
  /** GitHub's package versions, for the workloads with missed-push recovery (worker/recover.ts). */
  github?: GitHubPackagesPort;
  /** GitHub deployments, for the workloads with `github` statuses (worker/github-status.ts); none: no token, recorded on each release. */
  deployments?: GitHubDeploymentsPort;
  /** The durable release store (DynamoDB in the account): written before the ConfigMap, read first. Without it, the ConfigMap only. */
  releases?: ReleaseStorePort;
  /** The workloads' leases (worker/lease.ts): one writer per workload across the CLI and every stack. Absent: no lease (a test, a local run). */
  lease?: WorkloadLeaseDeps;
  now(): Date;
  sleep(ms: number): Promise<void>;
  logger: RunLogger;
  pollMs?: number;
  reserveMs?: number;
}

/** The invocation's time left, in milliseconds (the Lambda context's `getRemainingTimeInMillis`). */
export interface Budget {
  remainingMs(): number;
}

/** How one deploy, watch or rollback ended, as the worker reports it. */
export type DeployOutcome =
  | { outcome: 'succeeded'; revision: number; images: Record<string, string> }
  | { outcome: 'rolled-back'; revision: number; rollback: number; reason: string }
  | { outcome: 'failed'; revision: number; reason: string }
  | { outcome: 'watching'; revision: number; pending: string }
  | { outcome: 'refused'; revision: number; reason: string }
  /** Held by the environment's gate (an approval required, a freeze): what a notifier maps to "waiting for approval". */
  | { outcome: 'waiting'; revision: number; reason: string; approval: boolean; frozenUntil?: string; supersedes?: number }
  | { outcome: 'rejected'; revision: number; reason: string }
  | { outcome: 'unchanged'; reason: string }
  | { outcome: 'duplicate'; reason: string }
  | { outcome: 'ignored'; reason: string };

/**
 * The release history of a target: the durable store first when the worker has one, and the
 * cluster's ConfigMap.
 *
 * @example
 * const records = await releaseStoreOf(k8s, target, deps).read();
 */
export function releaseStoreOf(k8s: KubernetesPort, target: DeployTarget, deps: Pick<WorkerDeps, 'releases' | 'now' | 'logger'>): ReleaseStore {
  if (deps.releases === undefined) return new ReleaseStore(k8s, target);
  return new ReleaseStore(k8s, target, {
    store: deps.releases,
    now: () => deps.now(),
    warn: (message, facts) => {
      deps.logger.warn(message, facts);
    },
  });
}

/**
 * Deploys a pushed image to a workload as {@link planPush} decides: skips what already runs, what
 * already ran or was refused (a push replayed under any delivery id) and a push older than the
 * running release; refuses (recorded, repeated refusals coalesced) what the policy refuses; else
 * releases it.
 *
 * @example
 * await deployImage(target, { repository: 'ghcr.io/acme/web', tag: 'v1.3.0', digest }, '72d3162e-...', deps, { remainingMs: () =>
 * context.getRemainingTimeInMillis() }, { source: 'push' });
 */
export async function deployImage(
  target: DeployTarget,
  image: PinnedImage,
  deliveryId: string,
  deps: WorkerDeps,
  budget: Budget,
  trigger: Omit<DeployTrigger, 'deliveryId'> = { source: 'manual' },
): Promise<DeployOutcome> {
  const facts = { cluster: target.cluster, workload: targetKey(target), deliveryId, image: pinnedRef(image) };
  if (!target.workload.images.some((candidate) => candidate.repository === image.repository)) {
    return ignore(deps, facts, `workload ${target.workload.name} has no policy for ${image.repository}`);
  }
  return underLease(target, deps, async (leased) => {
    const k8s = await leased.connect(target);
    const store = historyOf(k8s, target, leased);
    const records = await store.read();
    const plan = planPush(target, records, image, { ...trigger, deliveryId }, leased.now());
    return carryOut(plan, target, k8s, store, records, facts, leased, budget);
  });
}

/**
 * Runs a change of the workload's history under its lease (worker/lease.ts), with a `sleep` that
 * keeps the lease between a watch's polls.
 */
function underLease(target: DeployTarget, deps: WorkerDeps, work: (leased: WorkerDeps) => Promise<DeployOutcome>): Promise<DeployOutcome> {
  return withWorkloadLease(target, deps, (keep) =>
    work({
      ...deps,
      sleep: async (ms) => {
        await deps.sleep(ms);
        await keep();
      },
    }),
  );
}

/**
 * Rolls a workload back to an earlier release (`to`), or to the newest succeeded release before the
 * one that runs, as {@link planRollback} decides: a release that failed needs `force`, and one whose
 * images the current policies do not take is refused. The rollback is a release of its own, watched
 * like a deploy, never rolled back itself.
 *
 * @example
 * await rollbackTo(target, 3, 'manual-c6af9ac6', deps, budget);
 */
export async function rollbackTo(
  target: DeployTarget,
  to: number | undefined,
  deliveryId: string,
  deps: WorkerDeps,
  budget: Budget,
  options: { force?: boolean } = {},
): Promise<DeployOutcome> {
  return underLease(target, deps, async (leased) => {
    const k8s = await leased.connect(target);
    const store = historyOf(k8s, target, leased);
    const records = await store.read();
    const plan = planRollback(
      target,
      records,
      { ...(to === undefined ? {} : { to }), ...(options.force === undefined ? {} : { force: options.force }), deliveryId },
      leased.now(),
    );
    return carryOut(plan, target, k8s, store, records, { cluster: target.cluster, workload: targetKey(target), deliveryId }, leased, budget);
  });
}

/**
 * Restores a workload after a rebuild of its cluster, as {@link planRestore} decides: its last
 * successful release from the durable store, pinned by digest, applied and watched like any
 * release (and never rolled back automatically); refused and recorded when the workload's image
 * policies do not take its images; skipped when this rebuild's restore was already made.
 *
 * @example
 * await restoreWorkload(target, 'rebuild-3f0c9a52', deps, budget);
 */
export async function restoreWorkload(target: DeployTarget, deliveryId: string, deps: WorkerDeps, budget: Budget): Promise<DeployOutcome> {
  return underLease(target, deps, async (leased) => {
    const k8s = await leased.connect(target);
    const store = releaseStoreOf(k8s, target, leased);
    const records = await store.read();
    const plan = planRestore(target, records, { deliveryId }, leased.now());
    return carryOut(plan, target, k8s, store, records, { cluster: target.cluster, workload: targetKey(target), deliveryId }, leased, budget);
  });
}

/** Carries out a plan: logs a skip, records a refusal, or releases the draft. */
async function carryOut(
  plan: DeployPlan,
  target: DeployTarget,
  k8s: KubernetesPort,
  store: ReleaseHistory,
  records: ReleaseRecord[],
  facts: Record<string, unknown>,
  deps: WorkerDeps,
  budget: Budget,
): Promise<DeployOutcome> {
  switch (plan.action) {
    case 'skip':
      return ignore(deps, facts, plan.reason, plan.outcome);
    case 'refuse':
      await store.write(plan.history);
      deps.logger.warn(`${plan.record.kind} refused`, { ...facts, revision: plan.record.revision, count: plan.record.count ?? 1, reason: plan.reason });
      return { outcome: 'refused', revision: plan.record.revision, reason: plan.reason };
    case 'release':
      return release(target, k8s, store, records, plan.draft, deps, budget);
    case 'hold': {
      await store.write(plan.history);
      const { record } = plan;
      deps.logger.info(`${record.kind} waiting`, {
        ...facts,
        revision: record.revision,
        reason: plan.reason,
        ...(plan.supersedes === undefined ? {} : { supersedes: plan.supersedes }),
      });
      return waitingOutcome(record, plan.reason, plan.supersedes);
    }
    default:
      throw new Error(`unknown plan action ${(plan satisfies never as { action: string }).action}`);
  }
}

function waitingOutcome(record: ReleaseRecord, reason: string, supersedes?: number): DeployOutcome {
  return {
    outcome: 'waiting',
    revision: record.revision,
    reason,
    approval: record.hold?.approval === true && record.approval === undefined,
    ...(record.hold?.frozenUntil === undefined ? {} : { frozenUntil: record.hold.frozenUntil }),
    ...(supersedes === undefined ? {} : { supersedes }),
  };
}

/**
 * Approves or rejects a workload's held release, or (the schedule) releases it once nothing holds
 * it any more, as {@link planGate} decides. A released one is applied and watched like any deploy.
 *
 * @example
 * await decideHeld(target, { action: 'approve', by: 'arn:aws:sts::123456789012:assumed-role/ops/ana', requestId }, deps, budget);
 */
export async function decideHeld(target: DeployTarget, request: GateRequest, deps: WorkerDeps, budget: Budget): Promise<DeployOutcome> {
  if (request.action === 'schedule' && deps.lease !== undefined) {
    // The schedule asks every workload: one with nothing to release answers from a read, and takes no lease.
    const records = await historyOf(await deps.connect(target), target, deps).read();
    const plan = planGate(target, records, request, deps.now());
    if (plan.action === 'answer' && plan.outcome === 'ignored') return { outcome: 'ignored', reason: plan.reason };
  }
  return underLease(target, deps, (leased) => decideHeldUnderLease(target, request, leased, budget));
}

async function decideHeldUnderLease(target: DeployTarget, request: GateRequest, deps: WorkerDeps, budget: Budget): Promise<DeployOutcome> {
  const k8s = await deps.connect(target);
  // The durable store and the notifications too: an approved, rejected or refused held release is an outcome like any other.
  const store = historyOf(k8s, target, deps);
  const records = await store.read();
  const plan = planGate(target, records, request, deps.now());
  const facts = { cluster: target.cluster, workload: targetKey(target), action: request.action, ...('by' in request && request.by ? { by: request.by } : {}) };
  switch (plan.action) {
    case 'answer':
      if (request.action !== 'schedule' || plan.outcome !== 'ignored')
        deps.logger.info(`held release ${plan.outcome}`, { ...facts, revision: plan.revision, reason: plan.reason });
      if (plan.outcome === 'waiting' || plan.outcome === 'refused') {
        const held = records.find((record) => record.revision === plan.revision);
        if (held !== undefined && plan.outcome === 'waiting') return waitingOutcome(held, plan.reason);
        return { outcome: 'refused', revision: plan.revision ?? 0, reason: plan.reason };
      }
      return { outcome: plan.outcome, reason: plan.reason };
    case 'record': {
      await store.write(plan.history);
      deps.logger.info(`held release ${plan.outcome}`, { ...facts, revision: plan.revision, reason: plan.reason });
      const held = plan.history.find((record) => record.revision === plan.revision);
      if (plan.outcome === 'waiting' && held !== undefined) return waitingOutcome(held, plan.reason);
      return { outcome: plan.outcome === 'waiting' ? 'refused' : plan.outcome, revision: plan.revision, reason: plan.reason };
    }
    case 'release':
      deps.logger.info('held release released', { ...facts, revision: plan.revision, reason: plan.draft.reason });
      return release(target, k8s, store, plan.history, plan.draft, deps, budget);
    default:
      throw new Error(`unknown gate plan ${(plan satisfies never as { action: string }).action}`);
  }
}

/**
 * Continues watching a release handed on by an earlier invocation. A release no longer in
 * progress (finished, or superseded by a newer deploy) needs nothing.
 *
 * @example
 * await continueWatch(target, { type: 'watch', cluster, workload, revision: 4, deliveryId, attempt: 2 }, deps, budget);
 */
export async function continueWatch(target: DeployTarget, message: WatchMessage, deps: WorkerDeps, budget: Budget): Promise<DeployOutcome> {
  return underLease(target, deps, async (leased) => {
    const k8s = await leased.connect(target);
    const store = historyOf(k8s, target, leased);
    const records = await store.read();
    const record = records.find((item) => item.revision === message.revision);
    const facts = { cluster: target.cluster, workload: targetKey(target), deliveryId: message.deliveryId, revision: message.revision };
    if (record?.result !== 'progressing') return ignore(leased, facts, `release ${message.revision} is ${record?.result ?? 'gone'}: nothing to watch`);
    const rendered = renderWorkload(target.workload.name, target.objects, pinnedImages(record.images));
    return watchAndFinish(target, k8s, store, records, record, rendered.objects, message.attempt, leased, budget);
  });
}

/** Applies a draft, records it as progressing, and watches it. */
async function release(
  target: DeployTarget,
  k8s: KubernetesPort,
  store: ReleaseHistory,
  records: ReleaseRecord[],
  draft: Draft,
  deps: WorkerDeps,
  budget: Budget,
): Promise<DeployOutcome> {
  const revision = nextRevision(records);
  const startedAt = deps.now().toISOString();
  const facts = { cluster: target.cluster, workload: targetKey(target), deliveryId: draft.deliveryId, revision, kind: draft.kind };
  // A newer release takes over from one still being watched (its queued watch will find it superseded) and, a deploy, from one waiting.
  let history = records.map((record) =>
    record.result === 'progressing' || (record.result === 'waiting' && draft.kind === 'deploy')
      ? { ...record, result: 'superseded' as const, finishedAt: startedAt, reason: `superseded by release ${revision}` }
      : record,
  );
  const rendered = renderWorkload(target.workload.name, target.objects, pinnedImages(draft.images));
  const base: ReleaseRecord = {
    ...draftRecord(draft, target, revision, startedAt, 'progressing'),
    ...(draft.rollbackOf === undefined ? {} : { rollbackOf: draft.rollbackOf }),
    ...(draft.reason ? { reason: draft.reason } : {}),
    ...(draft.heldAs === undefined ? {} : { heldAs: draft.heldAs }),
    ...(draft.approval ? { approval: draft.approval } : {}),
  };
  // Nothing was applied: recorded as refused, so what runs stays the running release. A held release
  // refused now is its own held record, refused and why (never "released as" a release that did not happen): one outcome, told once.
  const refuse = async (from: readonly ReleaseRecord[], reason: string): Promise<DeployOutcome> => {
    const finishedAt = deps.now().toISOString();
    const held = draft.heldAs === undefined ? undefined : from.find((record) => record.revision === draft.heldAs);
    if (held === undefined) {
      await store.write(upsert(from, { ...base, result: 'refused', finishedAt, reason }));
      return { outcome: 'refused', revision, reason };
    }
    const refused: ReleaseRecord = { ...held, result: 'refused', finishedAt, reason: `${draft.reason ?? 'released'}, then refused at apply time: ${reason}` };
    delete refused.releasedAs;
    await store.write(from.map((record) => (record === held ? refused : record)));
    return { outcome: 'refused', revision: held.revision, reason };
  };
  try {
    // Read at apply time: a Secret's values live in this rendering only, never in the record.
    rendered.objects = withSecrets(rendered.objects, await sourcedSecrets(target, deps.secretValues));
  } catch (error) {
    if (!(error instanceof SecretSourceError)) throw error;
    const reason = `secret source: ${error.message}`;
    deps.logger.error('deploy refused: secret source', { ...facts, reason });
    return refuse(records, reason);
  }
  const jobs = await immutableJobs(k8s, rendered.objects);
  if (jobs.length > 0 && !target.workload.recreateJobs) {
    const reason = jobs
      .map(
        (job) =>
          `${describeObject(job.object)}: its pod template is immutable and this release changes its images (${job.from.join(', ')} -> ${job.to.join(', ')}); set recreateJobs: true to delete and recreate it`,
      )
      .join('; ');
    deps.logger.warn('deploy refused: immutable Job', { ...facts, reason });
    return refuse(records, reason);
  }
  try {
    for (const job of jobs) {
      // Opted in: the Job is deleted (its pods in the background, as kubectl does) and applied anew below.
      await k8s.delete(job.object.apiVersion, job.object.kind, job.object.metadata.namespace, job.object.metadata.name);
      deps.logger.info('job deleted to be recreated', { ...facts, object: describeObject(job.object), from: job.from, to: job.to });
    }
    await applyAll(k8s, rendered.objects, target, deps.logger, facts, { now: deps.now() });
  } catch (error) {
    if (isTransient(error)) throw error;
    const denied = forbidden(error);
    if (denied !== undefined) {
      // The access policy says no, and would say no to a retry or a rollback: recorded once, never retried.
      const reason = `forbidden: deploy lacks the permission to ${denied.permission} (${denied.message})`;
      deps.logger.error('deploy refused: forbidden', { ...facts, permission: denied.permission, reason });
      return refuse(history, reason);
    }
    const reason = `apply failed: ${error instanceof Error ? error.message : String(error)}`;
    const failed: ReleaseRecord = { ...base, result: 'failed', finishedAt: deps.now().toISOString(), reason };
    history = upsert(history, failed);
    deps.logger.error('deploy apply failed', { ...facts, reason });
    if (draft.kind === 'deploy' && target.workload.rollout.rollback) return rollBack(target, k8s, store, history, failed, reason, deps, budget);
    await store.write(history);
    return { outcome: 'failed', revision, reason };
  }
  // Only a workload that prunes has its owned objects read: the others have nothing to plan from.
  const deletes = target.workload.prune ? planPrune(await ownedObjects(k8s, target, rendered), rendered, target.workload.name) : [];
  if (deletes.length > 0) {
    const result = await prune(k8s, deletes);
    deps.logger.warn('objects left the manifests', { ...facts, orphans: deletes.map((item) => describeObject(item.object)), pruned: result.pruned });
    if (result.failed.length > 0) deps.logger.error('prune could not delete', { ...facts, notPruned: notPruned(result) });
  }
  history = upsert(history, base);
  await store.write(history);
  deps.logger.info('release applied', {
    ...facts,
    objects: rendered.objects.length,
    images: rendered.images.map((change) => change.to),
    autoscaled: rendered.autoscaled,
  });
  return watchAndFinish(target, k8s, store, history, base, rendered.objects, 0, deps, budget);
}

type WatchResult = Exclude<WatchStep, { action: 'poll-again' }>;

/**
 * Polls the rollout of the rendering's Deployments, StatefulSets and DaemonSets and carries out
 * what {@link planWatch} decides after each poll: sleep and poll again, or stop with the result.
 */
async function watchRollout(
  k8s: KubernetesPort,
  objects: readonly KubernetesObject[],
  record: ReleaseRecord,
  target: DeployTarget,
  deps: WorkerDeps,
  budget: Budget,
): Promise<WatchResult> {
  const watched = objects.filter((object) => (ROLLOUT_KINDS as readonly string[]).includes(object.kind));
  const pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  for (;;) {
    const states = await Promise.all(
      watched.map(async (object) => rolloutState(await k8s.get(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name))),
    );
    const step = planWatch(states, record, target.workload.rollout.timeoutSeconds, deps.now(), { remainingMs: budget.remainingMs(), pollMs, reserveMs });
    if (step.action !== 'poll-again') return step;
    await deps.sleep(pollMs);
  }
}

async function watchAndFinish(
  target: DeployTarget,
  k8s: KubernetesPort,
  store: ReleaseHistory,
  records: ReleaseRecord[],
  record: ReleaseRecord,
  objects: readonly KubernetesObject[],
  attempt: number,
  deps: WorkerDeps,
  budget: Budget,
): Promise<DeployOutcome> {
  const facts = { cluster: target.cluster, workload: targetKey(target), deliveryId: record.deliveryId, revision: record.revision };
  const result = await watchRollout(k8s, objects, record, target, deps, budget);
  switch (result.action) {
    case 'complete': {
      const done: ReleaseRecord = { ...record, result: 'succeeded', finishedAt: deps.now().toISOString() };
      await store.write(upsert(records, done));
      deps.logger.info('rollout complete', { ...facts, kind: record.kind });
      return { outcome: 'succeeded', revision: record.revision, images: record.images };
    }
    case 'hand-on': {
      const message: WatchMessage = {
        type: 'watch',
        cluster: target.cluster,
        workload: target.workload.name,
        revision: record.revision,
        deliveryId: record.deliveryId,
        attempt: attempt + 1,
      };
      await deps.queue.send([toFifo(message)]);
      deps.logger.info('rollout watch handed on', { ...facts, attempt: message.attempt, pending: result.pending });
      return { outcome: 'watching', revision: record.revision, pending: result.pending };
    }
    case 'failed':
    case 'stalled': {
      const failed: ReleaseRecord = { ...record, result: 'failed', finishedAt: deps.now().toISOString(), reason: result.reason };
      const history = upsert(records, failed);
      deps.logger.warn('rollout failed', { ...facts, kind: record.kind, reason: result.reason });
      if (record.kind === 'deploy' && target.workload.rollout.rollback) return rollBack(target, k8s, store, history, failed, result.reason, deps, budget);
      await store.write(history);
      return { outcome: 'failed', revision: record.revision, reason: result.reason };
    }
    default:
      throw new Error(`unknown watch result ${(result satisfies never as WatchResult).action}`);
  }
}

/** The automatic rollback after a failed deploy: back to the newest succeeded release before it. */
async function rollBack(
  target: DeployTarget,
  k8s: KubernetesPort,
  store: ReleaseHistory,
  records: ReleaseRecord[],
  failed: ReleaseRecord,
  reason: string,
  deps: WorkerDeps,
  budget: Budget,
): Promise<DeployOutcome> {
  const destination = planAutomaticRollback(target, records, failed);
  const facts = { cluster: target.cluster, workload: targetKey(target), deliveryId: failed.deliveryId, revision: failed.revision };
  if ('refused' in destination) {
    const why = `${reason}; ${destination.refused}`;
    await store.write(upsert(records, { ...failed, reason: why }));
    deps.logger.error('rollback impossible', { ...facts, reason: why });
    return { outcome: 'failed', revision: failed.revision, reason: why };
  }
  const previous = destination.to;
  const rollbackRevision = nextRevision(records);
  const history = upsert(records, { ...failed, result: 'rolled-back', rolledBackTo: rollbackRevision });
  deps.logger.warn('rolling back', { ...facts, to: previous.revision, reason });
  const outcome = await release(
    target,
    k8s,
    store,
    history,
    {
      kind: 'rollback',
      images: previous.images,
      deliveryId: failed.deliveryId,
      rollbackOf: failed.revision,
      reason: `rollback of release ${failed.revision} to release ${previous.revision}: ${reason}`,
    },
    deps,
    budget,
  );
  return outcome.outcome === 'succeeded' || outcome.outcome === 'watching'
    ? { outcome: 'rolled-back', revision: failed.revision, rollback: rollbackRevision, reason }
    : outcome;
}

/**
 * The workload's release history: the durable store and the ConfigMap ({@link releaseStoreOf}),
 * posting GitHub deployment statuses once each when the workload asks (`github`), telling each
 * outcome once when a notifier is set.
 */
function historyOf(k8s: KubernetesPort, target: DeployTarget, deps: WorkerDeps): ReleaseHistory {
  const store = releaseStoreOf(k8s, target, deps);
  const statuses =
    target.workload.github === undefined
      ? store
      : new GitHubStatusHistory(store, target, {
          ...(deps.deployments === undefined ? {} : { github: deps.deployments }),
          logger: deps.logger,
          now: () => deps.now(),
        });
  return deps.notifier === undefined ? statuses : new NotifyingReleaseHistory(statuses, target, { notifier: deps.notifier, logger: deps.logger });
}

function ignore(deps: WorkerDeps, facts: Record<string, unknown>, reason: string, outcome: 'ignored' | 'duplicate' | 'unchanged' = 'ignored'): DeployOutcome {
  deps.logger.info(`deploy ${outcome}`, { ...facts, reason });
  return { outcome, reason };
}
