/**
 * What every GitHub REST adapter sends and how it reads a refusal, written once: the headers
 * (docs.github.com, "Getting started with the REST API": `Accept: application/vnd.github+json`,
 * `X-GitHub-Api-Version: 2022-11-28`, a `User-Agent`), a ten-second timeout, and the rate limit
 * ("Rate limits for the REST API": on 403 or 429, `retry-after` seconds, else when
 * `x-ratelimit-remaining` is 0 the `x-ratelimit-reset` epoch second). Nothing is retried here.
 */
import { GitHubApiError, GitHubRateLimitedError } from '../../ports/github-packages';

/** The REST API version every request names. */
export const GITHUB_API_VERSION = '2022-11-28';

/** Where the API is, the token (read when first needed), `fetch` and the clock. */
export interface GitHubClientOptions {
  /** `https://api.github.com`, or a GitHub Enterprise Server's `https://<host>/api/v3`. */
  baseUrl: string;
  token: () => Promise<string>;
  fetch?: typeof fetch;
  now?: () => Date;
}

/**
 * Sends one request with GitHub's headers; a network failure is a GitHubApiError. The token is
 * only ever in the `Authorization` header, never in a message.
 *
 * @example
 * const url = `${base}/repos/acme/web/deployments`;
 * const response = await githubFetch(options, token, url, { method: 'POST', body: { ref: 'main' } }, { repository: 'acme/web' });
 */
export async function githubFetch(
  options: Pick<GitHubClientOptions, 'fetch'>,
  token: string,
  url: string,
  request: { method?: 'GET' | 'POST'; body?: unknown },
  context: Record<string, unknown>,
): Promise<Response> {
  try {
    return await (options.fetch ?? fetch)(url, {
      method: request.method ?? 'GET',
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${token}`,
        'X-GitHub-Api-Version': GITHUB_API_VERSION,
        'User-Agent': 'eks-pilot',
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new GitHubApiError(`GitHub API unreachable: ${error instanceof Error ? error.message : String(error)}`, { cause: error, context });
  }
}

/**
 * The rate-limit refusal of a response, or undefined when it is none (a 403 without the headers is
 * a permission refusal).
 *
 * @example
 * const limited = rateLimited(response, new Date(), { repository: 'acme/web' });
 * if (limited !== undefined) throw limited;
 */
export function rateLimited(response: Response, now: Date, context: Record<string, unknown>): GitHubRateLimitedError | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = numberHeader(response, 'retry-after');
  const reset = numberHeader(response, 'x-ratelimit-reset');
  if (retryAfter === undefined && numberHeader(response, 'x-ratelimit-remaining') !== 0) return undefined;
  const retryAt = retryAfter !== undefined ? new Date(now.getTime() + retryAfter * 1000) : new Date((reset ?? now.getTime() / 1000 + 60) * 1000);
  return new GitHubRateLimitedError(`GitHub rate limit reached: try after ${retryAt.toISOString()}`, {
    retryAt: retryAt.toISOString(),
    context: { ...context, status: response.status },
  });
}

/**
 * GitHub's error message of a response body (`{"message": ..., "documentation_url": ...}`), cut short; '' when there is none.
 *
 * @example
 * await errorMessage(response); // 'No ref found for: v1.3.0'
 */
export async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: unknown };
    return typeof body.message === 'string' ? body.message.slice(0, 300) : '';
  } catch {
    return '';
  }
}

/**
 * A header that holds a whole number, or undefined.
 *
 * @example
 * numberHeader(response, 'x-ratelimit-remaining'); // 4999
 */
export function numberHeader(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
