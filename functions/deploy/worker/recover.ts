/**
 * Missed-push recovery: GitHub never retries a webhook delivery that failed, so a workload that
 * opts in (`recover: { every: 1h }`) has its images' container package versions listed through
 * GitHub's REST API on the drift schedule, and the newest tag its policy takes is queued when no
 * webhook delivered it (the release history knows neither its digest nor runs it). The message is
 * the webhook's own (`toFifo` deduplicates on repository, tag, digest and workload, never on the
 * delivery id), so a push found twice, or found and delivered late, deploys once; the worker's
 * `planPush` drops any replay after SQS's five minutes.
 */
import { errorFacts } from '../../../shared/errors';
import { recoverEveryMs } from '../../../shared/model/cluster-spec/runtime';
import type { ContainerVersion, GitHubPackagesPort } from '../../../shared/ports/github-packages';
import { GitHubRateLimitedError, PackageNotFoundError } from '../../../shared/ports/github-packages';
import type { FifoQueuePort } from '../../../shared/ports/fifo-queue';
import type { KubernetesPort } from '../../../shared/ports/kubernetes';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import { parseImageRef, pinnedRef } from '../model/images';
import type { DeployMessage } from '../model/messages';
import { toFifo } from '../model/messages';
import { decide } from '../model/policy';
import type { ReleaseRecord } from '../model/releases';
import { currentImages, ReleaseStore } from '../model/releases';
import type { DeployTarget } from '../model/targets';
import { targetKey } from '../model/targets';

/** The schedule that runs the check (serverless.yml, deploy-worker's rate(15 minutes)). */
export const SCHEDULE_MS = 15 * 60_000;

/** Pages of 100 versions read per package: the newest 300 versions. */
export const MAX_PAGES = 3;

/** What the check needs. */
export interface RecoverDeps {
  github: GitHubPackagesPort;
  connect(target: DeployTarget): Promise<KubernetesPort>;
  queue: FifoQueuePort;
  now(): Date;
  logger: RunLogger;
}

/** What the check found for one workload. */
export interface RecoverReport {
  cluster: string;
  workload: string;
  status: 'queued' | 'up-to-date' | 'failed';
  queued: string[];
  /** Why the check failed (every image's listing failed, or the cluster could not be read). */
  reason?: string;
  /** Images whose versions could not be listed (a 404, the rate limit), each with why; the others were checked. */
  problems?: string[];
}

/**
 * Whether a workload's check is due at a schedule tick: the first tick of each `every` window, so a
 * 1h check runs once an hour on the 15-minute schedule, with no state kept.
 *
 * @example
 * recoverDue('1h', new Date('2026-12-01T10:00:00Z')); // true
 * recoverDue('1h', new Date('2026-12-01T10:15:00Z')); // false
 */
export function recoverDue(every: string, at: Date): boolean {
  const ms = recoverEveryMs(every);
  const t = at.getTime();
  return Math.floor(t / ms) !== Math.floor((t - SCHEDULE_MS) / ms);
}

/**
 * The push to queue for one image policy, pure: the newest version (by update time) with a tag the
 * policy takes over what runs, unless the history already knows its digest or it runs.
 *
 * @example
 * missedPush(target, 'ghcr.io/acme/web', versions, history); // { repository, tag: 'v1.3.0', digest, publishedAt } or undefined
 */
export function missedPush(
  target: DeployTarget,
  repository: string,
  versions: readonly ContainerVersion[],
  records: readonly ReleaseRecord[],
): { repository: string; tag: string; digest: string; publishedAt?: string } | undefined {
  const policy = target.workload.images.find((candidate) => candidate.repository === repository);
  if (policy === undefined) return undefined;
  const running = currentImages(records, target)[repository];
  const runningRef = running === undefined ? undefined : parseImageRef(running);
  const newestFirst = [...versions].sort((a, b) => Date.parse(b.updatedAt ?? b.createdAt ?? '') - Date.parse(a.updatedAt ?? a.createdAt ?? ''));
  for (const version of newestFirst) {
    const tag = version.tags.find((candidate) => decide(policy, target.workload.environment, candidate, runningRef?.tag).deploy);
    if (tag === undefined) continue;
    const delivered = (record: ReleaseRecord): boolean => record.image?.digest === version.digest || record.digests?.includes(version.digest) === true;
    const known = runningRef?.digest === version.digest || records.some(delivered);
    if (known) return undefined;
    const publishedAt = version.updatedAt ?? version.createdAt;
    return { repository, tag, digest: version.digest, ...(publishedAt === undefined ? {} : { publishedAt }) };
  }
  return undefined;
}

/**
 * Runs the check for every opted-in workload due at `at`; one workload's failure (a 404, the rate
 * limit, the cluster) is reported and the others carry on. Never throws.
 *
 * @example
 * const reports = await recoverMissedPushes(targets, deps, new Date(event.time), context.awsRequestId);
 */
export async function recoverMissedPushes(targets: readonly DeployTarget[], deps: RecoverDeps, at: Date, requestId: string): Promise<RecoverReport[]> {
  const reports: RecoverReport[] = [];
  for (const target of targets) {
    const every = target.workload.recover?.every;
    if (every === undefined || !recoverDue(every, at)) continue;
    const facts = { cluster: target.cluster, workload: targetKey(target) };
    try {
      const records = await new ReleaseStore(await deps.connect(target), target).read();
      const messages: DeployMessage[] = [];
      const problems: string[] = [];
      let checked = 0;
      for (const policy of target.workload.images) {
        const [host, owner, ...name] = policy.repository.split('/');
        if (host !== 'ghcr.io' || owner === undefined || name.length === 0) continue;
        const ownerType = target.workload.recover?.owner;
        let listed;
        try {
          listed = await deps.github.listContainerVersions({ owner, name: name.join('/'), maxPages: MAX_PAGES, ...(ownerType ? { ownerType } : {}) });
        } catch (error) {
          if (!(error instanceof PackageNotFoundError) && !(error instanceof GitHubRateLimitedError)) throw error;
          problems.push(`${policy.repository}: ${error.message}`);
          deps.logger.warn('package versions not listed', { ...facts, repository: policy.repository, error: errorFacts(error) });
          // The limit is the account's: the other images would meet it too.
          if (error instanceof GitHubRateLimitedError) break;
          continue;
        }
        checked += 1;
        if (listed.truncated)
          deps.logger.warn('package versions cut at the page cap', { ...facts, repository: policy.repository, versions: listed.versions.length });
        const push = missedPush(target, policy.repository, listed.versions, records);
        if (push === undefined) continue;
        messages.push({
          type: 'deploy',
          cluster: target.cluster,
          workload: target.workload.name,
          image: { repository: push.repository, tag: push.tag, digest: push.digest },
          deliveryId: `recover-${requestId}`,
          event: 'recover',
          receivedAt: deps.now().toISOString(),
          ...(push.publishedAt === undefined ? {} : { publishedAt: push.publishedAt }),
        });
      }
      if (messages.length > 0) await deps.queue.send(messages.map(toFifo));
      const queued = messages.map((message) => pinnedRef(message.image));
      for (const image of queued) deps.logger.warn('missed push queued', { ...facts, image });
      const status = queued.length > 0 ? 'queued' : checked === 0 && problems.length > 0 ? 'failed' : 'up-to-date';
      reports.push({
        cluster: target.cluster,
        workload: target.workload.name,
        status,
        queued,
        ...(status === 'failed' ? { reason: 'no image of the workload could be listed' } : {}),
        ...(problems.length > 0 ? { problems } : {}),
      });
    } catch (error) {
      deps.logger.error('missed-push check failed', { ...facts, error: errorFacts(error) });
      reports.push({
        cluster: target.cluster,
        workload: target.workload.name,
        status: 'failed',
        queued: [],
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return reports;
}
