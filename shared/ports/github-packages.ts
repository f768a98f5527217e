/**
 * GitHub's container package versions (REST API, "List package versions for a package owned by an
 * organization" / "... by a user": `GET /orgs/{org}/packages/container/{package_name}/versions`,
 * `GET /users/{username}/...`), as missed-push recovery reads them. The adapter is
 * shared/adapters/github/packages.ts; the fake API is testing/fake-github.ts.
 */
import { EksPilotError, ThrottledError, UpstreamError } from '../errors';

/** One version as the API lists it: `name` is the manifest digest, `metadata.container.tags` its tags. */
export interface ContainerVersion {
  id: number;
  /** `sha256:<64 hex>`. */
  digest: string;
  tags: string[];
  createdAt?: string;
  updatedAt?: string;
}

/** The versions read (newest first, as the API lists them) and whether the page cap stopped the listing. */
export interface ContainerVersions {
  versions: ContainerVersion[];
  truncated: boolean;
  /** `x-ratelimit-remaining` of the last response, when sent. */
  remaining?: number;
}

/** The package does not exist for that owner, or the token may not see it (GitHub answers 404 for both). */
export class PackageNotFoundError extends EksPilotError {
  override name = 'PackageNotFoundError';
}

/** GitHub's rate limit is used up (403 or 429 with `x-ratelimit-remaining: 0` or `retry-after`): try after `retryAt`. */
export class GitHubRateLimitedError extends ThrottledError {
  override name = 'GitHubRateLimitedError';

  readonly retryAt: string;

  constructor(message: string, options: { retryAt: string; cause?: unknown; context?: Record<string, unknown> }) {
    super(message, options);
    this.retryAt = options.retryAt;
  }
}

/** Any other failure: the network, a 5xx, a 401. */
export class GitHubApiError extends UpstreamError {
  override name = 'GitHubApiError';
}

/**
 * Lists a container package's versions, newest first, at most `maxPages` pages of 100.
 *
 * @example
 * const { versions } = await github.listContainerVersions({ owner: 'crypto-oms', name: 'order-ingestion', maxPages: 3 });
 */
export interface GitHubPackagesPort {
  listContainerVersions(request: { owner: string; name: string; ownerType?: 'org' | 'user'; maxPages: number }): Promise<ContainerVersions>;
}
