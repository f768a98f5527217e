/**
 * What one deploy-worker invocation does with its event: work through a queue batch in order
 * (reporting partial batch failures), run the drift check on the schedule, or answer a manual
 * invoke. Messages that can never succeed (malformed, or naming a workload the specs no longer
 * have) are logged and dropped rather than retried into the dead-letter queue.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { clip, errorFacts, InvalidEventError } from '../../shared/errors';
import type { WorkerEvent } from './event';
import type { DriftReport, PlanReport } from './drift';
import { checkDrift, planWorkload } from './drift';
import { parsePinned } from './images';
import { queueMessageSchema } from './messages';
import type { ReleaseRecord } from './releases';
import { ReleaseStore } from './releases';
import type { Budget, DeployOutcome, WorkerDeps } from './run';
import { continueWatch, deployImage, rollbackTo } from './run';
import { findTarget, targetKey } from './targets';

/** What a manual invoke answers. */
export type ManualResponse =
  | { action: 'history'; cluster: string; workload: string; releases: ReleaseRecord[] }
  | { action: 'plan'; plan: PlanReport }
  | { action: 'deploy' | 'rollback'; cluster: string; workload: string; result: DeployOutcome };

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
 * Processes the batch in order. On the first failure it stops and reports that message and every
 * later one as failed, as Lambda asks of a FIFO consumer, so SQS redelivers them in their order.
 *
 * @example
 * const { batchItemFailures } = await processBatch(event.Records, deps, budget);
 */
export async function processBatch(records: readonly { messageId: string; body: string }[], deps: WorkerDeps, budget: Budget): Promise<SQSBatchResponse> {
  const targets = await deps.targets();
  for (const [index, record] of records.entries()) {
    const facts: Record<string, unknown> = { messageId: record.messageId };
    try {
      const parsed = queueMessageSchema.safeParse(parseJson(record.body));
      if (!parsed.success) {
        deps.logger.error('queue message dropped: not a deploy message', { ...facts, issues: parsed.error.issues.map((issue) => clip(`${issue.path.join('.')}: ${issue.message}`)) });
        continue;
      }
      const message = parsed.data;
      Object.assign(facts, { cluster: message.cluster, workload: `${message.cluster}/${message.workload}`, deliveryId: message.deliveryId, type: message.type });
      let target;
      try {
        target = findTarget(targets, message.workload, message.cluster);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        deps.logger.error('queue message dropped: unknown workload', { ...facts, reason: error.message });
        continue;
      }
      const outcome = message.type === 'deploy' ? await deployImage(target, message.image, message.deliveryId, deps, budget) : await continueWatch(target, message, deps, budget);
      deps.logger.info('queue message processed', { ...facts, ...outcome });
    } catch (error) {
      deps.logger.error('queue message failed; it and the rest of the batch go back to the queue', { ...facts, error: errorFacts(error) });
      return { batchItemFailures: records.slice(index).map((item) => ({ itemIdentifier: item.messageId })) };
    }
  }
  return { batchItemFailures: [] };
}

/** Every workload of every spec, one at a time; a workload whose check fails is reported, the others carry on. */
async function driftCheck(deps: WorkerDeps): Promise<DriftReport[]> {
  const reports: DriftReport[] = [];
  for (const target of await deps.targets()) {
    try {
      reports.push(await checkDrift(target, await deps.connect(target), deps.logger, { remediate: target.workload.onDrift === 'remediate', now: deps.now() }));
    } catch (error) {
      deps.logger.error('drift check failed', { cluster: target.cluster, workload: targetKey(target), error: errorFacts(error) });
      reports.push({ cluster: target.cluster, workload: target.workload.name, status: 'error', drift: [], orphans: [], pruned: [], error: error instanceof Error ? error.message : String(error) });
    }
  }
  return reports;
}

async function manual(event: Extract<WorkerEvent, { trigger: 'manual' }>['event'], deps: WorkerDeps, budget: Budget, requestId: string): Promise<ManualResponse> {
  const target = findTarget(await deps.targets(), event.workload, event.cluster);
  const base = { cluster: target.cluster, workload: target.workload.name };
  const deliveryId = `manual-${requestId}`;
  switch (event.action) {
    case 'history': {
      const releases = await new ReleaseStore(await deps.connect(target), target).read();
      return { action: 'history', ...base, releases: [...releases].reverse() };
    }
    case 'plan': {
      const image = event.image === undefined ? undefined : pinned(event.image);
      return { action: 'plan', plan: await planWorkload(target, { k8s: await deps.connect(target), now: deps.now() }, image) };
    }
    case 'deploy':
      return { action: 'deploy', ...base, result: await deployImage(target, pinned(event.image), deliveryId, deps, budget) };
    case 'rollback':
      return { action: 'rollback', ...base, result: await rollbackTo(target, event.to, deliveryId, deps, budget) };
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
