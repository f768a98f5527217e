/**
 * The scheduled drift check and the manual plan: render each workload at its current release,
 * server-side apply it as a dry run, and compare the answer with what the cluster holds. With
 * `onDrift: remediate` the drifted workload is applied for real. Pruning candidates (objects with
 * the workload's ownership label that left the manifests) are reported too when `prune` is on.
 * An HPA or ScaledObject under an active scale-watch override is compared with (and remediated to)
 * the override's bounds, so the override is not drift while it lasts.
 */
import type { KubernetesObject, KubernetesPort } from '../../../shared/ports/kubernetes';
import type { Status } from '../../../shared/reconcile/status';
import { OWNER_LABEL } from '../../../shared/model/cluster-spec/runtime';
import { diffObjects } from '../model/diff';
import { honourOverride } from './honour-override';
import type { PinnedImage } from '../model/images';
import { describeObject } from '../model/manifests';
import type { DeployTrigger } from '../model/plan';
import { planPrune, restoreImages } from '../model/plan';
import type { SecretValuesPort } from '../../../shared/ports/secret-values';
import { sourcedSecrets, withSecrets } from '../model/secret-values';
import { pinnedImages, ReleaseStore } from '../model/releases';
import type { ReleaseStorePort } from '../../../shared/ports/release-store';
import type { PlanReport } from '../model/preview';
import { planReport, previewPush, renderPlanned } from '../model/preview';
import { APPLY_OPTIONS, renderWorkload } from '../model/render';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { applyAll } from './apply';
import { notPruned, ownedObjects, prune } from './prune';
import type { DeployTarget } from '../model/targets';
import { targetKey } from '../model/targets';

/**
 * The suite's one status vocabulary (shared/reconcile/status.ts): Converged, in sync or remediated
 * (`drift` lists what was); InProgress, a release rolls out; Blocked, refused (the running release's
 * images are not taken by the workload's policies, so it is neither compared nor restored) or failed.
 */
export type DriftStatus = Status;

export interface DriftReport {
  cluster: string;
  workload: string;
  status: DriftStatus;
  /** `Deployment shop/web spec.template.spec.containers[0].image`, `Service shop/web missing`. */
  drift: string[];
  /** Objects deploy applied before that left the manifests (only with `prune: true`). */
  orphans: string[];
  /** Orphans deleted (only when remediating). */
  pruned: string[];
  /** Every orphan delete that failed, with why (`ConfigMap shop/old: ...`); absent when none did. */
  notPruned?: string[];
  error?: string;
}

/**
 * The drift of one workload against its current release as of `now`, remediated when `remediate` is true.
 *
 * @example
 * const report = await checkDrift(target, k8s, logger, { remediate: target.workload.onDrift === 'remediate', now: deps.now() });
 * report.drift; // ['Deployment crypto-oms/order-ingestion spec.template.spec.containers[0].image']
 */
export async function checkDrift(
  target: DeployTarget,
  k8s: KubernetesPort,
  logger: RunLogger,
  options: { remediate: boolean; now: Date; secretValues?: SecretValuesPort; releases?: ReleaseStorePort },
): Promise<DriftReport> {
  const base = { cluster: target.cluster, workload: target.workload.name };
  const facts = { cluster: target.cluster, workload: targetKey(target) };
  const records = await historyStore(k8s, target, options.releases, options.now, logger).read();
  const progressing = records.find((record) => record.result === 'progressing');
  if (progressing !== undefined) {
    // A rollout is being watched: its own worker owns the workload until it ends.
    logger.info('drift check skipped: a release is rolling out', { ...facts, revision: progressing.revision });
    return { ...base, status: 'InProgress', drift: [], orphans: [], pruned: [] };
  }
  const restore = restoreImages(target, records);
  if ('refused' in restore) {
    logger.error('drift check refused: the release record is not trusted', { ...facts, reason: restore.refused });
    return { ...base, status: 'Blocked', drift: [], orphans: [], pruned: [], error: restore.refused };
  }
  const rendered = renderWorkload(target.workload.name, target.objects, pinnedImages(restore.images));
  // Sourced Secrets are read again on every check, so a rotated source shows (and, remediating, lands) here.
  rendered.objects = withSecrets(rendered.objects, await sourcedSecrets(target, options.secretValues));
  const { drift } = await driftOf(k8s, rendered.objects, options.now);
  // Only a workload that prunes has its owned objects read: the others have nothing to plan from.
  const deletes = target.workload.prune ? planPrune(await ownedObjects(k8s, target, rendered), rendered, target.workload.name) : [];
  const orphans = deletes.map((item) => item.object);
  const pruned: string[] = [];
  if (drift.length === 0 && orphans.length === 0) {
    logger.info('workload in sync', facts);
    return { ...base, status: 'Converged', drift, orphans: [], pruned };
  }
  if (!options.remediate) {
    logger.warn('workload drifted', { ...facts, drift, orphans: orphans.map(describeObject) });
    return { ...base, status: 'Drifted', drift, orphans: orphans.map(describeObject), pruned };
  }
  await applyAll(k8s, rendered.objects, target, logger, facts, { now: options.now });
  const result = await prune(k8s, deletes);
  pruned.push(...result.pruned);
  const failed = notPruned(result);
  logger.warn('workload drift remediated', { ...facts, drift, pruned, ...(failed.length > 0 ? { notPruned: failed } : {}) });
  return { ...base, status: 'Converged', drift, orphans: orphans.map(describeObject), pruned, ...(failed.length > 0 ? { notPruned: failed } : {}) };
}

/**
 * Dry-run apply of each rendered object, as deploy would apply it at `now` (active scale-watch
 * overrides honoured), and the difference with what the cluster holds; `objects` are the objects sent.
 *
 * @example
 * const { drift } = await driftOf(k8s, rendered.objects, now); // ['HorizontalPodAutoscaler shop/web spec.maxReplicas']
 */
export async function driftOf(
  k8s: KubernetesPort,
  rendered: readonly KubernetesObject[],
  now: Date,
): Promise<{ drift: string[]; objects: KubernetesObject[] }> {
  const drift: string[] = [];
  const objects: KubernetesObject[] = [];
  for (const object of rendered) {
    const { apiVersion, kind, metadata } = object;
    const live = await k8s.get(apiVersion, kind, metadata.namespace, metadata.name);
    // The read the comparison needs anyway carries the override: no extra GET here.
    const wanted = honourOverride(object, live, now).object;
    objects.push(wanted);
    if (live === null) {
      drift.push(`${describeObject(object)} missing`);
      continue;
    }
    // An existing Namespace is the platform's, and a Secret without deploy's label someone else's: neither is applied nor compared.
    if (object.kind === 'Namespace') continue;
    if (object.kind === 'Secret' && live.metadata.labels?.[OWNER_LABEL] !== object.metadata.labels?.[OWNER_LABEL]) continue;
    const answer = await k8s.apply(wanted, { ...APPLY_OPTIONS, dryRun: true });
    for (const path of diffObjects(live, answer)) drift.push(`${describeObject(object)} ${path}`);
  }
  return { drift, objects };
}

/** A planned image and what started it, as the worker would see it (a manual invoke, a push). */
export interface PlannedImage {
  image: PinnedImage;
  trigger: DeployTrigger;
}

/**
 * Plans a workload at its current release, or what the worker would do with `planned` (planPush,
 * via previewPush): the rendering and its diff against the cluster as of `context.now` (by dry-run
 * apply). Changes nothing, records nothing. Without a cluster (offline) the history is empty (the
 * manifests' images run) and the objects are the rendering as is.
 *
 * @example
 * const plan = await planWorkload(target, { k8s, now: deps.now() }, { image, trigger: { deliveryId: 'manual-c6af9ac6', source: 'manual' } });
 * plan.decision; // { action: 'release', images: {...} }
 */
export async function planWorkload(
  target: DeployTarget,
  context: { k8s?: KubernetesPort; now: Date; releases?: ReleaseStorePort },
  planned?: PlannedImage,
): Promise<PlanReport> {
  const records = context.k8s === undefined ? [] : await historyStore(context.k8s, target, context.releases, context.now).read();
  const { rendered, decision } =
    planned === undefined
      ? { rendered: renderPlanned(target, records), decision: undefined }
      : previewPush(target, records, planned.image, planned.trigger, context.now);
  if (context.k8s === undefined) return planReport(target, rendered, [], rendered.objects, decision);
  const { drift, objects } = await driftOf(context.k8s, rendered.objects, context.now);
  return planReport(target, rendered, drift, objects, decision);
}

/** The history as the worker reads it: the durable store first, when there is one. */
function historyStore(k8s: KubernetesPort, target: DeployTarget, releases: ReleaseStorePort | undefined, now: Date, logger?: RunLogger): ReleaseStore {
  if (releases === undefined) return new ReleaseStore(k8s, target);
  return new ReleaseStore(k8s, target, {
    store: releases,
    now: () => now,
    warn: (message, facts) => {
      logger?.warn(message, facts);
    },
  });
}
