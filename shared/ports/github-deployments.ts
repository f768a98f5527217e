/**
 * GitHub deployments and their statuses (REST API, docs.github.com/en/rest/deployments):
 * "Create a deployment" (`POST /repos/{owner}/{repo}/deployments`: 201 with the deployment, 409 when
 * required status checks fail, 422 "No ref found for: <ref>" or another validation failure), "List
 * deployments" (`GET /repos/{owner}/{repo}/deployments?ref=&environment=`) and "Create a deployment
 * status" (`POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`, 201; `description` at
 * most 140 characters). 404 for a repository or deployment the token may not see. The adapter is
 * shared/adapters/github/deployments.ts; the fake API is testing/fake-github.ts.
 */
import { EksPilotError } from '../errors';

/** The states eks-pilot posts (GitHub also has error, pending and queued). */
export const DEPLOYMENT_STATES = ['in_progress', 'success', 'failure', 'inactive'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** GitHub's longest status description. */
export const DESCRIPTION_LIMIT = 140;

/** What `payload` carries: where the release went and which one it is, so a deployment is found again. */
export interface DeploymentPayload {
  cluster: string;
  workload: string;
  revision: number;
  digest: string;
  /** `<cluster>/<workload>/<revision>/<startedAt>`: one release, one deployment. */
  release: string;
}

/** A deployment to create. */
export interface DeploymentRequest {
  /** `owner/name`. */
  repository: string;
  /** A branch, tag or commit SHA of the repository. */
  ref: string;
  environment: string;
  description: string;
  payload: DeploymentPayload;
  productionEnvironment: boolean;
}

/** A status to add to a deployment. */
export interface DeploymentStatusRequest {
  repository: string;
  deploymentId: number;
  state: DeploymentState;
  /** At most {@link DESCRIPTION_LIMIT} characters. */
  description: string;
  environmentUrl?: string;
  logUrl?: string;
}

/** GitHub refused the deployment's ref (422): no branch, tag or commit of that name in the repository. */
export class GitHubRefNotFoundError extends EksPilotError {
  override name = 'GitHubRefNotFoundError';
}

/** The repository or deployment does not exist, or the token may not see or write it (404, or 403 without a rate limit). */
export class GitHubNoAccessError extends EksPilotError {
  override name = 'GitHubNoAccessError';
}

/**
 * Creates deployments and their statuses. Errors: GitHubRefNotFoundError, GitHubNoAccessError,
 * GitHubRateLimitedError and GitHubApiError (shared/ports/github-packages.ts).
 *
 * @example
 * const id = (await github.findDeployment(request)) ?? (await github.createDeployment(request));
 * await github.createStatus({ repository: 'acme/web', deploymentId: id, state: 'in_progress', description: 'release 4 rolling out' });
 */
export interface GitHubDeploymentsPort {
  /** The id of the deployment of this release (its `payload.release`) if one was created already, among the newest of its ref and environment. */
  findDeployment(request: Pick<DeploymentRequest, 'repository' | 'ref' | 'environment' | 'payload'>): Promise<number | undefined>;
  /** Creates the deployment and returns its id. */
  createDeployment(request: DeploymentRequest): Promise<number>;
  createStatus(request: DeploymentStatusRequest): Promise<void>;
}
