/**
 * The GitHub packages port over `fetch` (Node 22): bounded (100 versions a page, a page cap),
 * following the `Link: <...>; rel="next"` header, honouring the rate-limit headers (docs.github.com,
 * "Rate limits for the REST API": on 403 or 429, `retry-after` seconds, else when
 * `x-ratelimit-remaining` is 0 the `x-ratelimit-reset` epoch second; never retried here: the next
 * schedule tries again), and stopping before the next page when the limit is used up.
 */
import type { ContainerVersion, ContainerVersions, GitHubPackagesPort } from '../../ports/github-packages';
import { GitHubApiError, PackageNotFoundError } from '../../ports/github-packages';
import type { GitHubClientOptions } from './http';
import { githubFetch, numberHeader, rateLimited } from './http';

/** GitHub's largest page. */
export const PER_PAGE = 100;

/** What the adapter needs: where the API is, the token (read when first needed), and `fetch` (shared/adapters/github/http.ts). */
export type GitHubPackagesOptions = GitHubClientOptions;

/**
 * @example
 * const github = new GitHubPackages({ baseUrl: 'https://api.github.com', token: async () => token });
 * const { versions } = await github.listContainerVersions({ owner: 'crypto-oms', name: 'order-ingestion', maxPages: 3 });
 */
export class GitHubPackages implements GitHubPackagesPort {
  private readonly options: GitHubPackagesOptions;

  constructor(options: GitHubPackagesOptions) {
    this.options = options;
  }

  async listContainerVersions(request: { owner: string; name: string; ownerType?: 'org' | 'user'; maxPages: number }): Promise<ContainerVersions> {
    if (request.ownerType !== undefined) return this.list(request.ownerType, request);
    try {
      return await this.list('org', request);
    } catch (error) {
      // A user's package answers 404 on the organization endpoint.
      if (!(error instanceof PackageNotFoundError)) throw error;
      return this.list('user', request);
    }
  }

  private async list(ownerType: 'org' | 'user', request: { owner: string; name: string; maxPages: number }): Promise<ContainerVersions> {
    const scope = ownerType === 'org' ? 'orgs' : 'users';
    const base = this.options.baseUrl.replace(/\/+$/, '');
    let url: string | undefined =
      `${base}/${scope}/${encodeURIComponent(request.owner)}/packages/container/${encodeURIComponent(request.name)}/versions?per_page=${PER_PAGE}&state=active`;
    const token = await this.options.token();
    const versions: ContainerVersion[] = [];
    let remaining: number | undefined;
    for (let page = 0; url !== undefined; page += 1) {
      if (page >= request.maxPages || remaining === 0) return { versions, truncated: true, ...(remaining === undefined ? {} : { remaining }) };
      const response = await this.get(url, token, request);
      remaining = numberHeader(response, 'x-ratelimit-remaining');
      versions.push(...parseVersions(await response.json()));
      url = nextLink(response.headers.get('link'));
    }
    return { versions, truncated: false, ...(remaining === undefined ? {} : { remaining }) };
  }

  private async get(url: string, token: string, request: { owner: string; name: string }): Promise<Response> {
    const context = { owner: request.owner, package: request.name };
    const response = await githubFetch(this.options, token, url, {}, context);
    if (response.ok) return response;
    if (response.status === 404) {
      throw new PackageNotFoundError(`container package ${request.owner}/${request.name} not found (or the token may not read it)`, { context });
    }
    const limited = rateLimited(response, (this.options.now ?? (() => new Date()))(), context);
    if (limited !== undefined) throw limited;
    throw new GitHubApiError(`GitHub packages API answered ${response.status} for ${request.owner}/${request.name}`, {
      context: { ...context, status: response.status },
    });
  }
}

/** `<https://...&page=2>; rel="next", <...>; rel="last"` -> the next URL. */
function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/** The versions of a page; anything that is not a container version with a digest is left out. */
function parseVersions(body: unknown): ContainerVersion[] {
  if (!Array.isArray(body)) return [];
  return body.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const version = item as { id?: unknown; name?: unknown; created_at?: unknown; updated_at?: unknown; metadata?: { container?: { tags?: unknown } } };
    if (typeof version.name !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(version.name)) return [];
    const tags = Array.isArray(version.metadata?.container?.tags)
      ? version.metadata.container.tags.filter((tag): tag is string => typeof tag === 'string')
      : [];
    return [
      {
        id: typeof version.id === 'number' ? version.id : 0,
        digest: version.name,
        tags,
        ...(typeof version.created_at === 'string' ? { createdAt: version.created_at } : {}),
        ...(typeof version.updated_at === 'string' ? { updatedAt: version.updated_at } : {}),
      },
    ];
  });
}
