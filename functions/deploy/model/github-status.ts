/**
 * GitHub deployment statuses of releases, pure: which repository, ref and environment a release's
 * deployment goes to, which statuses its result calls for, and what each says. A release of a
 * pushed image (a `deploy` record that was applied) is one GitHub deployment: `in_progress` while
 * it rolls out, then `success`, `failure`, or `failure` and `inactive` when it was rolled back;
 * `inactive` when a newer release superseded it. Refused and held releases were never applied and
 * get none (the release a held one becomes gets its own). Rollbacks and restores are not pushes of
 * a ref: GitHub's own history shows the release they went back to.
 */
import type { DeploymentPayload, DeploymentState } from '../../../shared/ports/github-deployments';
import { DESCRIPTION_LIMIT } from '../../../shared/ports/github-deployments';
import { pinnedRef } from './images';
import type { ReleaseRecord, ReleaseResult } from './releases';
import type { DeployTarget } from './targets';

/** What a record keeps of its GitHub deployment. */
export type GitHubRecord = NonNullable<ReleaseRecord['github']>;

/** Where a release's deployment goes. */
export interface GitHubDestination {
  /** `owner/name`. */
  repository: string;
  /** A branch, tag or commit SHA of the repository: the image's revision label, else its tag. */
  ref: string;
  environment: string;
  production: boolean;
  environmentUrl?: string;
}

/** What `state` a deployment skipped as a whole is recorded under. */
export const WHOLE_DEPLOYMENT = 'deployment';

/** The statuses each result calls for, in order. Every result is listed, so a new one cannot be added without deciding. */
export const RESULT_STATES: Readonly<Record<ReleaseResult, readonly DeploymentState[]>> = {
  progressing: ['in_progress'],
  succeeded: ['success'],
  failed: ['failure'],
  'rolled-back': ['failure', 'inactive'],
  superseded: ['inactive'],
  refused: [],
  waiting: [],
  released: [],
  rejected: [],
};

/**
 * Whether a release gets a GitHub deployment at all: the workload asks for one (`github`), and the
 * record is a push or manual deploy that was applied.
 *
 * @example
 * hasDeployment(target, { ...record, kind: 'deploy', result: 'progressing' }); // true when target.workload.github is set
 */
export function hasDeployment(target: Pick<DeployTarget, 'workload'>, record: ReleaseRecord): boolean {
  return target.workload.github !== undefined && record.kind === 'deploy' && record.hold === undefined && record.result !== 'refused';
}

/**
 * The statuses still to post for a record's present result: those its result calls for, less the
 * ones posted or given up. None once the deployment itself was given up, and none that would create
 * a deployment only to mark it inactive.
 *
 * @example
 * dueStates({ ...record, result: 'rolled-back', github: { deploymentId: 7, posted: ['in_progress', 'failure'] } }); // ['inactive']
 */
export function dueStates(record: ReleaseRecord): DeploymentState[] {
  const github = record.github;
  const done = new Set([...(github?.posted ?? []), ...(github?.skipped ?? []).map((item) => item.state)]);
  if (done.has(WHOLE_DEPLOYMENT)) return [];
  const due = RESULT_STATES[record.result].filter((state) => !done.has(state));
  if (github?.deploymentId === undefined && due.every((state) => state === 'inactive')) return [];
  return due;
}

/**
 * Where the deployment goes, or why it cannot: the spec's repository, else the push's, else the
 * GHCR image's owner and name; the image's revision label, else its tag.
 *
 * @example
 * destinationOf(target, record); // { repository: 'crypto-oms/order-ingestion', ref: '6c62fb4...', environment: 'prod', production: true }
 */
export function destinationOf(target: Pick<DeployTarget, 'cluster' | 'workload'>, record: ReleaseRecord): GitHubDestination | { reason: string } {
  const config = target.workload.github ?? {};
  const ghcr = /^ghcr\.io\/([^/]+\/[^/]+)$/.exec(record.image?.repository ?? '')?.[1];
  const repository = config.repository ?? record.imageSource?.repository ?? ghcr;
  if (repository === undefined)
    return {
      reason: `no GitHub repository for ${record.image?.repository ?? 'the release'}: set github.repository (the image is not on ghcr.io and the push named none)`,
    };
  const ref = record.imageSource?.revision ?? record.image?.tag;
  if (ref === undefined) return { reason: 'the release names no image tag or revision to deploy as a ref' };
  const environment = config.environment ?? target.workload.environment ?? target.cluster;
  return {
    repository,
    ref,
    environment,
    production: config.production ?? /^(prod|production)$/i.test(environment),
    ...(config.environmentUrl === undefined ? {} : { environmentUrl: config.environmentUrl }),
  };
}

/**
 * The deployment's `payload`: where and which release, so a retried run finds the deployment it created.
 *
 * @example
 * deploymentPayload(target, record).release; // 'crypto-oms/crypto-oms/4/2026-12-01T10:00:00.000Z'
 */
export function deploymentPayload(target: Pick<DeployTarget, 'cluster' | 'workload'>, record: ReleaseRecord): DeploymentPayload {
  return {
    cluster: target.cluster,
    workload: target.workload.name,
    revision: record.revision,
    digest: record.image?.digest ?? '',
    release: [target.cluster, target.workload.name, String(record.revision), record.startedAt].join('/'),
  };
}

/**
 * What a status says, at most 140 characters (GitHub's limit).
 *
 * @example
 * statusDescription(target, { ...record, result: 'succeeded' }, 'success'); // 'release 4 runs on crypto-oms: ghcr.io/crypto-oms/order-ingestion:v1.3.0'
 */
export function statusDescription(target: Pick<DeployTarget, 'cluster' | 'workload'>, record: ReleaseRecord, state: DeploymentState): string {
  const image = record.image === undefined ? '' : `${record.image.repository}:${record.image.tag}`;
  const release = `release ${record.revision}`;
  const texts: Record<DeploymentState, string> = {
    in_progress: `${release} rolling out on ${target.cluster}: ${image}`,
    success: `${release} runs on ${target.cluster}: ${image}`,
    failure: `${release} failed on ${target.cluster}${record.reason === undefined ? '' : `: ${record.reason}`}`,
    inactive:
      record.result === 'rolled-back'
        ? `${release} rolled back on ${target.cluster}${record.rolledBackTo === undefined ? '' : ` (rollback release ${record.rolledBackTo})`}`
        : `${release} superseded by a newer release on ${target.cluster}`,
  };
  return clipDescription(texts[state]);
}

/**
 * The deployment's own description.
 *
 * @example
 * deploymentDescription(target, record); // 'eks-pilot release 4 of crypto-oms to crypto-oms: ghcr.io/crypto-oms/order-ingestion:v1.3.0@sha256:...'
 */
export function deploymentDescription(target: Pick<DeployTarget, 'cluster' | 'workload'>, record: ReleaseRecord): string {
  const image = record.image === undefined ? '' : `: ${pinnedRef(record.image)}`;
  return clipDescription(`eks-pilot release ${record.revision} of ${target.workload.name} to ${target.cluster}${image}`);
}

function clipDescription(text: string): string {
  return text.length <= DESCRIPTION_LIMIT ? text : `${text.slice(0, DESCRIPTION_LIMIT - 1)}…`;
}
