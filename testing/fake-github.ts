/**
 * A fake of GitHub's container package versions API on a loopback port, following
 * docs.github.com/en/rest/packages/packages ("List package versions for a package owned by an
 * organization" / "... by a user"): `GET /orgs/{org}/packages/container/{package_name}/versions`
 * and `/users/{username}/...`, `per_page` (at most 100) and `page`, a `Link` header with `rel="next"`
 * and `rel="last"`, `404 {"message": "Not Found", ...}` for an unknown package, 401 without a token,
 * and the rate-limit headers (`x-ratelimit-limit`, `-remaining`, `-reset`, `-used`, `-resource`) on
 * every answer, 403 with `x-ratelimit-remaining: 0` when the limit is used up ("Rate limits for the
 * REST API").
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One version as the API's example response shows it. */
export interface FakePackageVersion {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
  metadata: { package_type: 'container'; container: { tags: string[] } };
}

/** A running fake: publish versions, read what was asked, close. */
export interface FakeGitHub {
  url: string;
  requests: { path: string; query: URLSearchParams; authorization?: string }[];
  /** Adds a version to a package, newest first as GitHub lists them. */
  publish(owner: { org?: string; user?: string }, name: string, tags: string[], digest: string, at: string): void;
  /** Requests left before 403 (`x-ratelimit-remaining`). */
  remaining: number;
  close(): Promise<void>;
}

/**
 * @example
 * const github = await startFakeGitHub();
 * github.publish({ org: 'crypto-oms' }, 'order-ingestion', ['v1.2.0'], digest, '2026-11-22T12:00:00Z');
 */
export async function startFakeGitHub(options: { token?: string; limit?: number; resetAt?: number } = {}): Promise<FakeGitHub> {
  const packages = new Map<string, FakePackageVersion[]>();
  const limit = options.limit ?? 5000;
  const resetAt = options.resetAt ?? 1_900_000_000;
  let nextId = 1000;
  const fake: FakeGitHub = {
    url: '',
    requests: [],
    remaining: limit,
    publish(owner, name, tags, digest, at) {
      const key = `${owner.org === undefined ? `users/${owner.user ?? ''}` : `orgs/${owner.org}`}/${name}`;
      nextId += 1;
      const version: FakePackageVersion = {
        id: nextId,
        name: digest,
        created_at: at,
        updated_at: at,
        metadata: { package_type: 'container', container: { tags } },
      };
      packages.set(key, [version, ...(packages.get(key) ?? [])]);
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', fake.url);
    const authorization = request.headers.authorization;
    fake.requests.push({ path: url.pathname, query: url.searchParams, ...(authorization === undefined ? {} : { authorization }) });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(JSON.stringify(body));
    };
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return;
    }
    if (fake.remaining <= 0) {
      json(
        403,
        { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' },
        rateHeaders(),
      );
      return;
    }
    fake.remaining -= 1;
    const match = /^\/(orgs|users)\/([^/]+)\/packages\/container\/([^/]+)\/versions$/.exec(url.pathname);
    const versions = match === null ? undefined : packages.get(`${match[1]}/${decodeURIComponent(match[2] ?? '')}/${decodeURIComponent(match[3] ?? '')}`);
    if (versions === undefined) {
      json(
        404,
        {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization',
          status: '404',
        },
        rateHeaders(),
      );
      return;
    }
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '30')));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
    const last = Math.max(1, Math.ceil(versions.length / perPage));
    const link = (to: number): string => {
      const next = new URL(url);
      next.searchParams.set('page', String(to));
      return next.toString();
    };
    const links = [
      ...(page < last ? [`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`] : []),
      ...(page > 1 ? [`<${link(1)}>; rel="first"`] : []),
    ];
    json(200, versions.slice((page - 1) * perPage, page * perPage), { ...rateHeaders(), ...(links.length > 0 ? { link: links.join(', ') } : {}) });
  });
  const rateHeaders = (): Record<string, string> => ({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, fake.remaining)),
    'x-ratelimit-reset': String(resetAt),
    'x-ratelimit-used': String(limit - Math.max(0, fake.remaining)),
    'x-ratelimit-resource': 'core',
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
