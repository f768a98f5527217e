/**
 * Fan-out for fleets: the scheduled run of a function lists the fleet and sends one message per
 * cluster to the function's own standard SQS queue; the same function, reached through its SQS
 * event source, reconciles one cluster per message. Written once here for provision and eip-manager.
 *
 * At least once: a standard queue may deliver a message twice, and a redelivered schedule event
 * builds the same messages (its `time` is in them), so a worker run must be, and is, idempotent:
 * it observes, plans and executes, and "already done" is success (plus eip-manager's pool lease).
 *
 * The request budget: EC2 throttles each account and Region with token buckets, non-mutating
 * actions 100 tokens refilled at 20 a second, mutating ones 50 at 5 a second (Amazon EC2 Developer
 * Guide, "Request throttling for the Amazon EC2 API"). EKS publishes no request-rate quota (its
 * Service Quotas page lists clusters, node groups, nodes, Fargate profiles only). The bucket is the
 * whole account's, shared with every other tool in it, so the fan-out plans for half of EC2's
 * non-mutating bucket, for EC2 and EKS alike: {@link ACCOUNT_REQUEST_BUDGET}. Each account's
 * messages are spaced with `DelaySeconds` so that, had each cluster's requests all been made the
 * moment its message becomes visible, the account never draws more than that bucket holds.
 */
import type { ClusterSpec } from '../model/cluster-spec/schema';
import type { LoadedSpec } from '../model/cluster-spec/load';
import { errorFacts, errorText, InvalidEventError } from '../errors';
import type { FleetQueuePort } from '../ports/fleet-queue';
import type { FleetItem } from './fleet';
import type { RunLogger } from './run-logger';
import type { Mode, Status } from './status';

/** The functions that fan out, each to its own queue. */
export type FleetFunction = 'provision' | 'eip-manager';

/** One cluster's message: what the worker needs to find its spec and run it as the schedule would have. */
export interface FleetMessage {
  function: FleetFunction;
  cluster: string;
  region: string;
  /** The spec file the cluster came from, as the function's package holds it. */
  file?: string;
  /** The schedule event's `time`: a redelivered schedule builds identical messages. */
  time: string;
  mode: Mode;
}

/** A token bucket: `burst` requests at once, `perSecond` refilled. */
export interface RequestBudget {
  burst: number;
  perSecond: number;
}

/** Half of EC2's non-mutating bucket per account and Region (100 tokens, 20 a second): see the module comment. */
export const ACCOUNT_REQUEST_BUDGET: RequestBudget = { burst: 50, perSecond: 10 };

/** SendMessageBatchRequestEntry `DelaySeconds`: 0 to 900 (SQS API Reference). */
export const MAX_DELAY_SECONDS = 900;

/** A cluster to fan out, with the requests its run costs (a converged run's reads). */
export interface FanOutItem extends FleetItem {
  cost: number;
}

/** One message as the fan-out plans it. */
export interface PlannedMessage {
  cluster: string;
  /** `<account>/<region>`: whose request budget the run draws on. */
  budgetKey: string;
  delaySeconds: number;
  body: string;
}

/**
 * The account a cluster's requests count against: its assume-role's when it has one (the run
 * calls through it), else its cluster role's.
 *
 * @example
 * accountOf(spec); // '777788889999'
 */
export function accountOf(spec: ClusterSpec): string | undefined {
  return (spec.assumeRoleArn ?? spec.roleArn).split(':')[4];
}

/**
 * Pure: one message per item, each account and Region's messages delayed so that its cumulative
 * cost stays within `budget` (a token bucket full at the start), in the order they become
 * visible, accounts interleaved. A delay beyond {@link MAX_DELAY_SECONDS} is cut to it.
 *
 * @example
 * planFanOut(items, { function: 'provision', time: '2026-12-01T10:00:00Z' });
 * // [{ cluster: 'a', budgetKey: '111122223333/eu-west-1', delaySeconds: 0, body: '{"function":"provision",...}' }, ...]
 */
export function planFanOut(items: readonly FanOutItem[], options: { function: FleetFunction; time: string; budget?: RequestBudget }): PlannedMessage[] {
  const budget = options.budget ?? ACCOUNT_REQUEST_BUDGET;
  const drawn = new Map<string, number>();
  const planned = items.map((item, index) => {
    const { spec, file, mode } = item;
    const budgetKey = `${accountOf(spec) ?? 'unknown'}/${spec.region}`;
    const total = (drawn.get(budgetKey) ?? 0) + item.cost;
    drawn.set(budgetKey, total);
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((total - budget.burst) / budget.perSecond)));
    const message: FleetMessage = { function: options.function, cluster: spec.name, region: spec.region, ...(file ? { file } : {}), time: options.time, mode };
    return { planned: { cluster: spec.name, budgetKey, delaySeconds, body: JSON.stringify(message) }, index };
  });
  return planned.sort((a, b) => a.planned.delaySeconds - b.planned.delaySeconds || a.index - b.index).map(({ planned: message }) => message);
}

/** What a fan-out run answers. */
export interface FanOutSummary {
  /** Messages sent, one per cluster. */
  queued: number;
  /** The accounts and Regions the fleet spans. */
  budgets: number;
  /** The longest delay a message was given. */
  lastDelaySeconds: number;
  clusters: string[];
}

/**
 * Plans the messages ({@link planFanOut}) and sends them; an error from the queue propagates, so the
 * schedule's invocation fails and EventBridge's retry sends the same messages again.
 *
 * @example
 * const summary = await fanOut(items, { queue, logger, function: 'provision', time: event.time });
 */
export async function fanOut(
  items: readonly FanOutItem[],
  deps: { queue: FleetQueuePort; logger: RunLogger; function: FleetFunction; time: string; budget?: RequestBudget },
): Promise<FanOutSummary> {
  const planned = planFanOut(items, { function: deps.function, time: deps.time, ...(deps.budget ? { budget: deps.budget } : {}) });
  await deps.queue.send(planned.map(({ body, delaySeconds }) => ({ body, delaySeconds })));
  const summary: FanOutSummary = {
    queued: planned.length,
    budgets: new Set(planned.map((message) => message.budgetKey)).size,
    lastDelaySeconds: Math.max(0, ...planned.map((message) => message.delaySeconds)),
    clusters: planned.map((message) => message.cluster),
  };
  deps.logger.info('fleet fanned out', { queued: summary.queued, budgets: summary.budgets, lastDelaySeconds: summary.lastDelaySeconds });
  return summary;
}

/** What a worker run reports that decides its message: the report of one cluster. */
export interface QueuedReport {
  status: Status;
  /** Absent when the cluster could not be read at all (or its run threw). */
  plan?: unknown;
}

/**
 * Whether a cluster's message goes back to the queue: its run could not read the cluster (or
 * threw), so nothing was planned. A plan that is blocked or waits is an answer, not a failure:
 * the next schedule asks again. A message failed `maxReceiveCount` times moves to the dead-letter queue.
 *
 * @example
 * needsRetry({ status: 'InProgress' }); // true: no plan
 */
export function needsRetry(report: QueuedReport): boolean {
  return report.plan === undefined && report.status !== 'Converged';
}

/** One SQS record, as far as the worker reads it. */
export interface QueuedRecord {
  messageId: string;
  body: string;
}

/** Lambda's partial batch response (`ReportBatchItemFailures`): the ids of the messages to receive again. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Runs one cluster per record and answers the records to retry: a body `parse` refuses, or a run
 * that {@link needsRetry} (or throws). Records run one after another: the event source sends one
 * at a time (batchSize 1 in serverless.yml), and a larger batch must not multiply the account's draw.
 *
 * @example
 * return runQueuedClusters(event.Records, { parse: parseFleetMessage, run: (message) => reconcileMessage(message, deps), logger });
 */
export async function runQueuedClusters(
  records: readonly QueuedRecord[],
  options: { parse(body: string): FleetMessage; run(message: FleetMessage): Promise<QueuedReport | undefined>; logger: RunLogger },
): Promise<BatchResponse> {
  const batchItemFailures: BatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    let message: FleetMessage;
    try {
      message = options.parse(record.body);
    } catch (error) {
      options.logger.error('fleet message refused', { messageId: record.messageId, error: errorFacts(error) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const facts = { messageId: record.messageId, cluster: message.cluster, region: message.region, scheduled: message.time };
    try {
      const report = await options.run(message);
      if (report !== undefined && needsRetry(report)) {
        options.logger.warn('fleet message returned to the queue', { ...facts, status: report.status });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    } catch (error) {
      options.logger.error('fleet message failed', { ...facts, error: errorFacts(error), reason: errorText(error) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

/**
 * The spec a message names, among the function's own: by cluster name and Region (a cluster's
 * identity; the file it is in may have been renamed since). A message for another function is refused (it fails, and ends in the
 * dead-letter queue); one whose cluster the specs no longer name is dropped with a log line: the
 * spec was removed after the schedule sent it, and there is nothing left to reconcile.
 *
 * @example
 * const loaded = queuedSpec(await loadSpecsOnce(paths), message, 'provision', logger);
 */
export function queuedSpec(all: readonly LoadedSpec[], message: FleetMessage, fn: FleetFunction, logger: RunLogger): LoadedSpec | undefined {
  if (message.function !== fn) {
    throw new InvalidEventError(`fleet message for ${message.function} reached ${fn}`, { issues: [{ field: 'function', reason: `expected ${fn}` }] });
  }
  const found = all.find(({ spec }) => spec.name === message.cluster && spec.region === message.region);
  if (found === undefined) logger.warn('fleet message names no spec; dropped', { cluster: message.cluster, region: message.region, file: message.file });
  return found;
}
