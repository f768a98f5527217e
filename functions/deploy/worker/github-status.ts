/**
 * GitHub deployment statuses, once per outcome, with the release history as the outbox (as
 * worker/notify.ts does for notifications): a write that gives a release a new result writes that
 * result first, then creates the release's deployment if the record has none (looking first for one
 * an earlier run created and could not record, by its `payload.release`), posts the statuses the
 * result calls for that the record does not list yet, and writes the deployment id and the posted
 * statuses into the record's `github`. A read posts what an earlier invocation recorded a result for
 * but could not post. So a redelivered SQS message or a retried run posts nothing twice.
 *
 * GitHub never holds a release up: a missing token, a ref GitHub does not know (422), no access
 * (404), a rate limit (403/429) or an outage is logged, recorded under `github.skipped` with the
 * reason, and never retried; the release goes on.
 */
import type { GitHubDeploymentsPort } from '../../../shared/ports/github-deployments';
import { GitHubRateLimitedError } from '../../../shared/ports/github-packages';
import { clip, scrubSecrets } from '../../../shared/errors';
import { eksConsoleUrl } from '../../../shared/model/notification';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { GitHubDestination, GitHubRecord } from '../model/github-status';
import { deploymentDescription, deploymentPayload, destinationOf, dueStates, hasDeployment, statusDescription, WHOLE_DEPLOYMENT } from '../model/github-status';
import type { ReleaseRecord, ReleaseResult } from '../model/releases';
import type { DeployTarget } from '../model/targets';
import { targetKey } from '../model/targets';
import type { ReleaseHistory } from './notify';
import { PENDING_WINDOW } from './notify';

/** Why a workload that asks for statuses gets none when the worker has no token. */
export const NO_TOKEN = 'no GitHub token configured (EKS_PILOT_GITHUB_TOKEN, the githubToken parameter)';

/**
 * A release history that posts each release's GitHub deployment statuses once (see the module comment).
 *
 * @example
 * const store = new GitHubStatusHistory(new ReleaseStore(k8s, target), target, { github, logger, now: () => new Date() });
 * await store.write(upsert(await store.read(), { ...record, result: 'succeeded' })); // writes, posts success, records it
 */
export class GitHubStatusHistory implements ReleaseHistory {
  private readonly inner: ReleaseHistory;
  private readonly target: DeployTarget;
  private readonly github: GitHubDeploymentsPort | undefined;
  private readonly logger: RunLogger;
  private readonly now: () => Date;
  /** Per release (revision and start), the result last read or written. */
  private readonly known = new Map<string, ReleaseResult>();
  /** Per release, its GitHub state, including what the caller's copy of the history lacks. */
  private readonly state = new Map<string, GitHubRecord>();

  constructor(inner: ReleaseHistory, target: DeployTarget, options: { github?: GitHubDeploymentsPort; logger: RunLogger; now: () => Date }) {
    this.inner = inner;
    this.target = target;
    this.github = options.github;
    this.logger = options.logger;
    this.now = options.now;
  }

  async read(): Promise<ReleaseRecord[]> {
    const records = await this.inner.read();
    this.remember(records);
    const due = this.due(records, false);
    return due.length === 0 ? records : this.post(records, due);
  }

  async write(records: readonly ReleaseRecord[]): Promise<void> {
    const merged = records.map((record) => this.withState(record));
    const due = this.due(merged, true);
    await this.inner.write(merged);
    this.remember(merged);
    if (due.length > 0) await this.post(merged, due);
  }

  /**
   * The records with statuses to post: within the newest {@link PENDING_WINDOW}, either tracked (a
   * `github` entry) or, when `changed` counts, new or with a new result since last seen. A record
   * from before the workload asked for statuses is never posted late.
   */
  private due(records: readonly ReleaseRecord[], changed: boolean): ReleaseRecord[] {
    const window = new Set(records.slice(-PENDING_WINDOW));
    return records.filter((record) => {
      if (!window.has(record) || !hasDeployment(this.target, record) || dueStates(record).length === 0) return false;
      return record.github !== undefined || (changed && this.known.get(keyOf(record)) !== record.result);
    });
  }

  /** Creates the deployments and posts the statuses of `due`, then writes what was done into each record's `github`. */
  private async post(records: readonly ReleaseRecord[], due: readonly ReleaseRecord[]): Promise<ReleaseRecord[]> {
    // A rate limit stops every later call of this round: asking again only spends what is left.
    let limited: string | undefined;
    for (const record of due) {
      const github: GitHubRecord = { posted: [...(record.github?.posted ?? [])], ...this.copySkipped(record.github) };
      const skip = (state: string, reason: string): void => {
        github.skipped = [...(github.skipped ?? []), { state, reason: clip(scrubSecrets(reason), 300), at: this.now().toISOString() }];
        this.logger.warn('GitHub deployment status given up', { ...this.facts(record), state, reason: clip(scrubSecrets(reason), 300) });
      };
      const destination = this.github === undefined ? { reason: NO_TOKEN } : destinationOf(this.target, record);
      if ('reason' in destination || this.github === undefined) {
        skip(WHOLE_DEPLOYMENT, 'reason' in destination ? destination.reason : NO_TOKEN);
        this.state.set(keyOf(record), github);
        continue;
      }
      Object.assign(github, { repository: destination.repository, environment: destination.environment, ref: destination.ref });
      if (record.github?.deploymentId !== undefined) github.deploymentId = record.github.deploymentId;
      for (const state of dueStates(record)) {
        if (limited !== undefined) {
          skip(github.deploymentId === undefined ? WHOLE_DEPLOYMENT : state, limited);
          if (github.deploymentId === undefined) break;
          continue;
        }
        try {
          github.deploymentId ??= await this.deployment(this.github, destination, record);
          await this.github.createStatus({
            repository: destination.repository,
            deploymentId: github.deploymentId,
            state,
            description: statusDescription(this.target, record, state),
            logUrl: eksConsoleUrl(this.target.region, this.target.cluster),
            ...(destination.environmentUrl === undefined ? {} : { environmentUrl: destination.environmentUrl }),
          });
          github.posted = [...github.posted, state];
          this.logger.info('GitHub deployment status posted', {
            ...this.facts(record),
            repository: destination.repository,
            deploymentId: github.deploymentId,
            state,
          });
        } catch (error) {
          const reason = reasonOf(error);
          if (error instanceof GitHubRateLimitedError) limited = reason;
          if (github.deploymentId === undefined) {
            skip(WHOLE_DEPLOYMENT, reason);
            break;
          }
          skip(state, reason);
        }
      }
      this.state.set(keyOf(record), github);
    }
    const marked = records.map((record) => this.withState(record));
    await this.inner.write(marked);
    this.remember(marked);
    return marked;
  }

  /** The deployment of a release: the one an earlier run created (a crash before it was recorded), else a new one. */
  private async deployment(github: GitHubDeploymentsPort, destination: GitHubDestination, record: ReleaseRecord): Promise<number> {
    const payload = deploymentPayload(this.target, record);
    const found = await github.findDeployment({ repository: destination.repository, ref: destination.ref, environment: destination.environment, payload });
    if (found !== undefined) return found;
    return github.createDeployment({
      repository: destination.repository,
      ref: destination.ref,
      environment: destination.environment,
      description: deploymentDescription(this.target, record),
      payload,
      productionEnvironment: destination.production,
    });
  }

  private copySkipped(github: GitHubRecord | undefined): Pick<GitHubRecord, 'skipped'> {
    return github?.skipped === undefined ? {} : { skipped: [...github.skipped] };
  }

  private facts(record: ReleaseRecord): Record<string, unknown> {
    return { cluster: this.target.cluster, workload: targetKey(this.target), revision: record.revision, result: record.result };
  }

  private remember(records: readonly ReleaseRecord[]): void {
    for (const record of records) {
      this.known.set(keyOf(record), record.result);
      if (record.github !== undefined && !this.state.has(keyOf(record))) this.state.set(keyOf(record), record.github);
    }
  }

  private withState(record: ReleaseRecord): ReleaseRecord {
    const github = this.state.get(keyOf(record));
    return github === undefined || github === record.github ? record : { ...record, github };
  }
}

/** Why a call failed, for the record: the port's message, which keeps GitHub's own (never the token). */
function reasonOf(error: unknown): string {
  if (error instanceof GitHubRateLimitedError) return `GitHub rate limit reached (until ${error.retryAt}): status given up`;
  return error instanceof Error ? error.message : String(error);
}

function keyOf(record: Pick<ReleaseRecord, 'revision' | 'startedAt'>): string {
  return `${record.revision}@${record.startedAt}`;
}
