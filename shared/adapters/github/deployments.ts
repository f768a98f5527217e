/**
 * The GitHub deployments port over `fetch` (shared/adapters/github/http.ts: headers, timeout, rate
 * limit). Request and response shapes follow docs.github.com/en/rest/deployments/deployments
 * ("Create a deployment", "List deployments") and /deployments/statuses ("Create a deployment
 * status"). Every deployment is created with `auto_merge: false` (a release never merges branches)
 * and `required_contexts: []` (the image was built already: commit checks are not this deploy's
 * gate), so GitHub answers 201, never the 202 of an auto-merge.
 */
import type { DeploymentRequest, DeploymentStatusRequest, GitHubDeploymentsPort } from '../../ports/github-deployments';
import { DESCRIPTION_LIMIT, GitHubNoAccessError, GitHubRefNotFoundError } from '../../ports/github-deployments';
import { GitHubApiError } from '../../ports/github-packages';
import type { GitHubClientOptions } from './http';
import { errorMessage, githubFetch, rateLimited } from './http';

/** Deployments of one ref and environment looked through for an earlier one of the same release. */
export const FIND_PER_PAGE = 30;

/**
 * @example
 * const github = new GitHubDeployments({ baseUrl: 'https://api.github.com', token: async () => token });
 * const id = await github.createDeployment({ repository: 'acme/web', ref: 'v1.3.0', environment: 'prod', description, payload, productionEnvironment: true });
 */
export class GitHubDeployments implements GitHubDeploymentsPort {
  private readonly options: GitHubClientOptions;

  constructor(options: GitHubClientOptions) {
    this.options = options;
  }

  async findDeployment(request: Pick<DeploymentRequest, 'repository' | 'ref' | 'environment' | 'payload'>): Promise<number | undefined> {
    const query = new URLSearchParams({ ref: request.ref, environment: request.environment, per_page: String(FIND_PER_PAGE) });
    const response = await this.send('GET', `${this.repo(request.repository)}/deployments?${query.toString()}`, undefined, { repository: request.repository });
    const body: unknown = await response.json();
    if (!Array.isArray(body)) return undefined;
    for (const item of body as { id?: unknown; payload?: unknown }[]) {
      const payload = typeof item.payload === 'string' ? parsePayload(item.payload) : item.payload;
      if (typeof item.id === 'number' && (payload as { release?: unknown } | null)?.release === request.payload.release) return item.id;
    }
    return undefined;
  }

  async createDeployment(request: DeploymentRequest): Promise<number> {
    const response = await this.send(
      'POST',
      `${this.repo(request.repository)}/deployments`,
      {
        ref: request.ref,
        task: 'deploy',
        auto_merge: false,
        required_contexts: [],
        payload: request.payload,
        environment: request.environment,
        description: request.description.slice(0, DESCRIPTION_LIMIT),
        transient_environment: false,
        production_environment: request.productionEnvironment,
      },
      { repository: request.repository, ref: request.ref },
    );
    const body = (await response.json()) as { id?: unknown; message?: unknown };
    if (response.status !== 201 || typeof body.id !== 'number') {
      throw new GitHubApiError(
        `GitHub created no deployment for ${request.repository}@${request.ref} (${response.status}${typeof body.message === 'string' ? `: ${body.message}` : ''})`,
        {
          context: { repository: request.repository, status: response.status },
        },
      );
    }
    return body.id;
  }

  async createStatus(request: DeploymentStatusRequest): Promise<void> {
    await this.send(
      'POST',
      `${this.repo(request.repository)}/deployments/${request.deploymentId}/statuses`,
      {
        state: request.state,
        description: request.description.slice(0, DESCRIPTION_LIMIT),
        ...(request.environmentUrl === undefined ? {} : { environment_url: request.environmentUrl }),
        ...(request.logUrl === undefined ? {} : { log_url: request.logUrl }),
      },
      { repository: request.repository, deploymentId: request.deploymentId, state: request.state },
    );
  }

  private repo(repository: string): string {
    const [owner = '', name = ''] = repository.split('/');
    return `${this.options.baseUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  }

  /** One request; a refusal becomes the port's error, GitHub's message kept (it never holds the token). */
  private async send(method: 'GET' | 'POST', url: string, body: unknown, context: Record<string, unknown>): Promise<Response> {
    const token = await this.options.token();
    const response = await githubFetch(this.options, token, url, { method, ...(body === undefined ? {} : { body }) }, context);
    if (response.ok) return response;
    const limited = rateLimited(response, (this.options.now ?? (() => new Date()))(), context);
    if (limited !== undefined) throw limited;
    const message = await errorMessage(response);
    const said = message === '' ? '' : `: ${message}`;
    const facts = { context: { ...context, status: response.status } };
    if (response.status === 422 && /no ref found/i.test(message))
      throw new GitHubRefNotFoundError(`GitHub knows no ref ${String(context.ref)} in ${String(context.repository)}${said}`, facts);
    if (response.status === 404 || response.status === 403)
      throw new GitHubNoAccessError(
        `GitHub answered ${response.status} for ${String(context.repository)} (no such repository, or the token may not write its deployments)${said}`,
        facts,
      );
    throw new GitHubApiError(`GitHub answered ${response.status} for ${method} ${new URL(url).pathname}${said}`, facts);
  }
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
