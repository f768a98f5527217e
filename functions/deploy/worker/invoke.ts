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
import { parsePinned } from '../model/images';
import { queueMessageSchema } from '../model/messages';
import type { ReleaseRecord } from '../model/releases';
import type { Budget, DeployOutcome, WorkerDeps } from './run';
import { continueWatch, deployImage, releaseStoreOf, restoreWorkload, rollbackTo } from './run';
import { findTarget, targetKey } from '../model/targets';

/** What a manual invoke answers. */
export type ManualResponse =
  | { action: 'history'; cluster: string; workload: string; releases: ReleaseRecord[] }
  | { action: 'plan'; plan: PlanReport }
  | { action: 'deploy' | 'rollback' | 'restore'; cluster: string; workload: string; result: DeployOutcome };

export type WorkerResponse = SQSBatchResponse | { reports: DriftReport[] } | ManualResponse;

/**
 * @example
 * await handleWorkerEvent({ trigger: 'manual', event: { action: 'history', workload: 'crypto-oms' } }, deps, budget, 'c6af9ac6');
 */
export async function handleWorkerEvent(event: WorkerEvent, deps: WorkerDeps, budget: Budget, requestId: string): Promise<WorkerResponse> {
  switch (event.trigger) {
    case 'queue':
      return processBatch(event.event.Records, deps, budget);
    case 'schedule':
      return { reports: await driftCheck(deps) };
    case 'manual':
      return manual(event.event, deps, budget, requestId);
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
      const outcome =
        message.type === 'deploy'
          ? await deployImage(target, message.image, message.deliveryId, deps, budget, {
              source: 'push',
              ...(message.publishedAt === undefined ? {} : { publishedAt: message.publishedAt }),
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
      return { action: 'deploy', ...base, result: await deployImage(target, pinned(event.image), deliveryId, deps, budget) };
    case 'restore':
      return { action: 'restore', ...base, result: await restoreWorkload(target, event.deliveryId, deps, budget) };
    case 'rollback':
      return {
        action: 'rollback',
        ...base,
        result: await rollbackTo(target, event.to, deliveryId, deps, budget, event.force === undefined ? {} : { force: event.force }),
      };
    default:
      throw new Error(`unknown action ${(event satisfies never as { action: string }).action}`);
  }
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
