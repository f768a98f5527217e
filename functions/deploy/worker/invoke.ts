/**
 * What one deploy-worker invocation does with its event: work through a queue batch in order
 * (reporting partial batch failures), run the drift check on the schedule, or answer a manual
 * invoke. Messages that can never succeed (malformed, or naming a workload the specs no longer
 * have) are logged and dropped rather than retried into the dead-letter queue.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { clip, errorFacts, InvalidEventError } from '../../../shared/errors';
import { forbidden } from './apply';
import { BrokenWorkloadError } from '../model/errors';
import type { WorkerEvent } from './event';
import type { PlanReport } from '../model/preview';
import type { DriftReport } from './drift';
import { checkDrift, planWorkload } from './drift';
import { parsePinned, pinnedRef } from '../model/images';
import { queueMessageSchema, toFifo } from '../model/messages';
import type { PushPlan } from '../model/queue-push';
import { planPushMessages } from '../model/queue-push';
import type { EcrImageAction } from '../../../shared/model/ecr-event';
import { ECR_IMAGE_ACTION, parseEcrEvent } from '../../../shared/model/ecr-event';
import type { ReleaseRecord } from '../model/releases';
import type { Budget, DeployOutcome, WorkerDeps } from './run';
import { continueWatch, decideHeld, deployImage, releaseStoreOf, restoreWorkload, rollbackTo } from './run';
import type { RecoverReport } from './recover';
import { recoverMissedPushes } from './recover';
import { findTarget, targetKey } from '../model/targets';
import type { PlatformReport } from './platform';

/** What a manual invoke answers. */
export type ManualResponse =
  | { action: 'history'; cluster: string; workload: string; releases: ReleaseRecord[] }
  | { action: 'platform'; reports: PlatformReport[] }
  | { action: 'plan'; plan: PlanReport }
  | { action: 'deploy' | 'rollback' | 'approve' | 'reject' | 'restore'; cluster: string; workload: string; result: DeployOutcome };

/** What an ECR push event answers: the deploys it queued, or why none. */
export interface EcrPushResponse {
  status: 'queued' | 'ignored';
  eventId: string;
  reason?: string;
  queued?: { cluster: string; workload: string; image: string }[];
  skipped?: PushPlan['skipped'];
  broken?: PushPlan['broken'];
}

/** What the schedule did with a held release: released it (and how that went), or found it refused. */
export interface HeldReport {
  cluster: string;
  workload: string;
  result: DeployOutcome;
}

/**
 * The schedule's answer: the platform applied, what happened to held releases it released (or found
 * refused), the drift reports, and the missed-push checks that were due (when any workload opts in).
 */
export interface ScheduleResponse {
  reports: DriftReport[];
  platform?: PlatformReport[];
  held?: HeldReport[];
  recovery?: RecoverReport[];
}

export type WorkerResponse = SQSBatchResponse | ScheduleResponse | ManualResponse | EcrPushResponse;

/**
 * @example
 * await handleWorkerEvent({ trigger: 'manual', event: { action: 'history', workload: 'crypto-oms' } }, deps, budget, 'c6af9ac6');
 */
export async function handleWorkerEvent(event: WorkerEvent, deps: WorkerDeps, budget: Budget, requestId: string): Promise<WorkerResponse> {
  switch (event.trigger) {
    case 'queue':
      return processBatch(event.event.Records, deps, budget);
    case 'schedule':
      return schedule(event.event.time, deps, requestId, budget);
    case 'manual':
      return manual(event.event, deps, budget, requestId);
    case 'ecr':
      return queueEcrPush(event.event, deps);
    default:
      throw new Error(`unknown trigger ${(event satisfies never as WorkerEvent).trigger}`);
  }
}

/**
 * Processes the batch in order. A message that fails transiently goes back to the queue together
 * with the later messages of its own message group (one workload's deploys stay in order); the
 * other groups' messages are processed as usual. A message that can never succeed (malformed, for
 * a workload the specs no longer have or whose spec is broken, or refused by the cluster's access
 * policy) is logged and dropped rather than retried into the dead-letter queue.
 *
 * @example
 * const { batchItemFailures } = await processBatch(event.Records, deps, budget);
 */
export async function processBatch(
  records: readonly { messageId: string; body: string; attributes?: { MessageGroupId?: string | undefined } | undefined }[],
  deps: WorkerDeps,
  budget: Budget,
): Promise<SQSBatchResponse> {
  const targets = await deps.targets();
  const broken = (await deps.broken?.()) ?? [];
  const failedGroups = new Set<string>();
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    const facts: Record<string, unknown> = { messageId: record.messageId };
    const parsed = queueMessageSchema.safeParse(parseJson(record.body));
    if (!parsed.success) {
      deps.logger.error('queue message dropped: not a deploy message', {
        ...facts,
        issues: parsed.error.issues.map((issue) => clip(`${issue.path.join('.')}: ${issue.message}`)),
      });
      continue;
    }
    const message = parsed.data;
    const group = record.attributes?.MessageGroupId ?? `${message.cluster}/${message.workload}`;
    Object.assign(facts, { cluster: message.cluster, workload: `${message.cluster}/${message.workload}`, deliveryId: message.deliveryId, type: message.type });
    if (failedGroups.has(group)) {
      deps.logger.warn('queue message goes back to the queue: an earlier message of its group failed', { ...facts, group });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      let target;
      try {
        target = findTarget(targets, message.workload, message.cluster, broken);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        deps.logger.error(error instanceof BrokenWorkloadError ? 'queue message dropped: broken workload' : 'queue message dropped: unknown workload', {
          ...facts,
          reason: error.message,
        });
        continue;
      }
      // Before the first deploy to a cluster in this container: its namespaces and controllers.
      if (message.type === 'deploy') await ensurePlatform(target.cluster, deps);
      const outcome =
        message.type === 'deploy'
          ? await deployImage(target, message.image, message.deliveryId, deps, budget, {
              source: 'push',
              ...(message.publishedAt === undefined ? {} : { publishedAt: message.publishedAt }),
              ...(message.imageSource === undefined ? {} : { imageSource: message.imageSource }),
            })
          : await continueWatch(target, message, deps, budget);
      deps.logger.info('queue message processed', { ...facts, ...outcome });
    } catch (error) {
      const denied = forbidden(error);
      if (denied !== undefined) {
        // Asking again gets the same 403: never a retry loop into the dead-letter queue.
        deps.logger.error('queue message dropped: forbidden', { ...facts, permission: denied.permission, error: errorFacts(error) });
        continue;
      }
      failedGroups.add(group);
      batchItemFailures.push({ itemIdentifier: record.messageId });
      deps.logger.error('queue message failed; it and the later messages of its group go back to the queue', { ...facts, group, error: errorFacts(error) });
    }
  }
  return { batchItemFailures };
}

/**
 * An ECR push goes the way a GHCR push does: the same matching and static policy
 * ({@link planPushMessages}) and the same FIFO envelope ({@link toFifo}: deduplicated on repository,
 * tag, digest and workload), so a push EventBridge delivers twice is one deploy, and the queue's
 * consumer (this function's `processBatch`) pins and releases it.
 *
 * @example
 * await queueEcrPush(ecrEvent, deps); // { status: 'queued', eventId, queued: [{ cluster, workload, image }] }
 */
export async function queueEcrPush(event: EcrImageAction, deps: WorkerDeps): Promise<EcrPushResponse> {
  const facts = { eventId: event.id, repository: event.detail['repository-name'], account: event.account, region: event.region };
  const parsed = parseEcrEvent(event);
  if (parsed.kind === 'ignored') {
    deps.logger.info('ecr event ignored', { ...facts, reason: parsed.reason });
    return { status: 'ignored', eventId: event.id, reason: parsed.reason };
  }
  const { push } = parsed;
  const origin = { deliveryId: event.id, event: ECR_IMAGE_ACTION, receivedAt: deps.now().toISOString(), publishedAt: event.time };
  const { messages, skipped, broken, reason } = planPushMessages(push, await deps.targets(), (await deps.broken?.()) ?? [], origin);
  for (const item of broken) deps.logger.error('broken workload skipped', { ...facts, ...item });
  const extra = { ...(skipped.length > 0 ? { skipped } : {}), ...(broken.length > 0 ? { broken } : {}) };
  if (reason !== undefined) {
    deps.logger.info('ecr event ignored', { ...facts, reason });
    return { status: 'ignored', eventId: event.id, reason, ...extra };
  }
  await deps.queue.send(messages.map(toFifo));
  const image = pinnedRef(push);
  for (const message of messages)
    deps.logger.info('deploy queued', { ...facts, cluster: message.cluster, workload: `${message.cluster}/${message.workload}`, image });
  return {
    status: 'queued',
    eventId: event.id,
    queued: messages.map((message) => ({ cluster: message.cluster, workload: message.workload, image })),
    ...extra,
  };
}

/**
 * The platform first (the workloads' checks then find their namespaces and controllers), then held
 * releases (one released now is rolling out, and the drift check leaves it to its watch), then the
 * drift check, then the missed-push checks due at the event's time.
 */
async function schedule(time: string, deps: WorkerDeps, requestId: string, budget: Budget): Promise<ScheduleResponse> {
  const platform = (await deps.platform?.applyAll()) ?? [];
  const held = await releaseHeld(deps, budget);
  const reports = await driftCheck(deps);
  const done: ScheduleResponse = { reports, ...(platform.length > 0 ? { platform } : {}), ...(held.length > 0 ? { held } : {}) };
  const opted = (await deps.targets()).filter((target) => target.workload.recover !== undefined);
  if (opted.length === 0) return done;
  const at = Number.isNaN(Date.parse(time)) ? deps.now() : new Date(time);
  if (deps.github === undefined) {
    deps.logger.error('missed-push check skipped: no GitHub API configured', { workloads: opted.map(targetKey) });
    return {
      ...done,
      recovery: opted.map((target) => ({
        cluster: target.cluster,
        workload: target.workload.name,
        status: 'failed',
        queued: [],
        reason: 'no GitHub token configured (githubToken)',
      })),
    };
  }
  return { ...done, recovery: await recoverMissedPushes(opted, { ...deps, github: deps.github }, at, requestId) };
}

/**
 * Every workload's held release that nothing holds any more (its freeze ended, its approval came
 * during the freeze, the spec's gate changed) is released; a workload whose check fails is logged
 * and the others carry on (the next run tries again).
 */
async function releaseHeld(deps: WorkerDeps, budget: Budget): Promise<HeldReport[]> {
  const reports: HeldReport[] = [];
  for (const target of await deps.targets()) {
    try {
      const result = await decideHeld(target, { action: 'schedule' }, deps, budget);
      if (result.outcome !== 'ignored' && result.outcome !== 'waiting') reports.push({ cluster: target.cluster, workload: target.workload.name, result });
    } catch (error) {
      deps.logger.error('held release check failed', { cluster: target.cluster, workload: targetKey(target), error: errorFacts(error) });
    }
  }
  return reports;
}

/** Every workload of every spec, one at a time; a workload whose check fails, or whose spec is broken, is reported, the others carry on. */
async function driftCheck(deps: WorkerDeps): Promise<DriftReport[]> {
  const reports: DriftReport[] = [];
  for (const target of await deps.targets()) {
    try {
      reports.push(
        await checkDrift(target, await deps.connect(target), deps.logger, {
          remediate: target.workload.onDrift === 'remediate',
          now: deps.now(),
          ...(deps.secretValues === undefined ? {} : { secretValues: deps.secretValues }),
          ...(deps.releases === undefined ? {} : { releases: deps.releases }),
        }),
      );
    } catch (error) {
      deps.logger.error('drift check failed', { cluster: target.cluster, workload: targetKey(target), error: errorFacts(error) });
      reports.push({
        cluster: target.cluster,
        workload: target.workload.name,
        status: 'Blocked',
        drift: [],
        orphans: [],
        pruned: [],
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  for (const item of (await deps.broken?.()) ?? []) {
    deps.logger.error('drift check skipped: broken workload', { cluster: item.cluster, workload: item.workload, source: item.source, reason: item.reason });
    reports.push({
      cluster: item.cluster ?? item.source,
      workload: item.workload ?? '(spec)',
      status: 'Blocked',
      drift: [],
      orphans: [],
      pruned: [],
      error: item.reason,
    });
  }
  return reports;
}

async function manual(
  event: Extract<WorkerEvent, { trigger: 'manual' }>['event'],
  deps: WorkerDeps,
  budget: Budget,
  requestId: string,
): Promise<ManualResponse> {
  if (event.action === 'platform') {
    const runner = deps.platform;
    const reports = runner === undefined ? [] : event.cluster === undefined ? await runner.applyAll() : [await runner.apply(event.cluster)];
    return { action: 'platform', reports: reports.filter((report) => report !== undefined) };
  }
  const target = findTarget(await deps.targets(), event.workload, event.cluster, (await deps.broken?.()) ?? []);
  const base = { cluster: target.cluster, workload: target.workload.name };
  const deliveryId = `manual-${requestId}`;
  switch (event.action) {
    case 'history': {
      const releases = await releaseStoreOf(await deps.connect(target), target, deps).read();
      return { action: 'history', ...base, releases: [...releases].reverse() };
    }
    case 'plan': {
      const image = event.image === undefined ? undefined : pinned(event.image);
      return {
        action: 'plan',
        // The worker's own planPush decides, as a manual deploy of the image would.
        plan: await planWorkload(
          target,
          { k8s: await deps.connect(target), now: deps.now(), ...(deps.releases === undefined ? {} : { releases: deps.releases }) },
          image === undefined ? undefined : { image, trigger: { deliveryId, source: 'manual' } },
        ),
      };
    }
    case 'deploy':
      await ensurePlatform(target.cluster, deps);
      return {
        action: 'deploy',
        ...base,
        result: await deployImage(target, pinned(event.image), deliveryId, deps, budget, {
          source: 'manual',
          ...(event.force === undefined ? {} : { force: event.force }),
          ...(event.by === undefined ? {} : { by: event.by }),
          requestId,
        }),
      };
    case 'approve':
    case 'reject':
      await ensurePlatform(target.cluster, deps);
      return {
        action: event.action,
        ...base,
        result: await decideHeld(
          target,
          {
            action: event.action,
            ...(event.release === undefined ? {} : { release: event.release }),
            ...('force' in event && event.force !== undefined ? { force: event.force } : {}),
            ...(event.by === undefined ? {} : { by: event.by }),
            requestId,
          },
          deps,
          budget,
        ),
      };
    case 'restore':
      await ensurePlatform(target.cluster, deps);
      return { action: 'restore', ...base, result: await restoreWorkload(target, event.deliveryId, deps, budget) };
    case 'rollback':
      await ensurePlatform(target.cluster, deps);
      return {
        action: 'rollback',
        ...base,
        result: await rollbackTo(target, event.to, deliveryId, deps, budget, event.force === undefined ? {} : { force: event.force }),
      };
    default:
      throw new Error(`unknown action ${(event satisfies never as { action: string }).action}`);
  }
}

/** The cluster's platform, unless this container applied it already; a refusal is logged and the workload still deploys (its own refusal is recorded). */
async function ensurePlatform(cluster: string, deps: WorkerDeps): Promise<void> {
  const report = await deps.platform?.ensure(cluster);
  if (report?.status === 'Blocked') deps.logger.warn('platform not applied; deploying the workload anyway', { cluster, reason: report.reason });
}

function pinned(ref: string): NonNullable<ReturnType<typeof parsePinned>> {
  const image = parsePinned(ref);
  if (image === undefined) {
    const reason = 'expected ghcr.io/<owner>/<name>:<tag>@sha256:<64 hex>';
    throw new InvalidEventError(`image: ${reason}`, { context: { field: 'image' }, issues: [{ field: 'image', reason }] });
  }
  return image;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
