/**
 * A fake of GitHub's container package versions API on a loopback port, following
 * docs.github.com/en/rest/packages/packages ("List package versions for a package owned by an
 * organization" / "... by a user"): `GET /orgs/{org}/packages/container/{package_name}/versions`
 * and `/users/{username}/...`, `per_page` (at most 100) and `page`, a `Link` header with `rel="next"`
 * and `rel="last"`, `404 {"message": "Not Found", ...}` for an unknown package, 401 without a token,
 * and the rate-limit headers (`x-ratelimit-limit`, `-remaining`, `-reset`, `-used`, `-resource`) on
 * every answer, 403 with `x-ratelimit-remaining: 0` when the limit is used up ("Rate limits for the
 * REST API").
 *
 * It also serves deployments, following docs.github.com/en/rest/deployments/deployments ("Create a
 * deployment": 201 with the deployment, `422 {"message": "No ref found for: <ref>", ...}` for a ref
 * the repository lacks; "List deployments": newest first, filtered by `ref` and `environment`) and
 * /deployments/statuses ("Create a deployment status": 201; 422 "Validation Failed" for an unknown
 * state or a description over 140 characters), and `404 {"message": "Not Found", ...}` for a
 * repository the token may not see or a deployment that does not exist.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One version as the API's example response shows it. */
export interface FakePackageVersion {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
  metadata: { package_type: 'container'; container: { tags: string[] } };
}

/** A deployment as "Create a deployment" answers it (the fields eks-pilot and its tests read). */
export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  original_environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  statuses: { id: number; state: string; description: string; environment_url: string; log_url: string }[];
}

/** One request the fake received. */
export interface FakeGitHubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  accept?: string;
  apiVersion?: string;
  body?: unknown;
}

/** A running fake: publish versions, add repositories, read what was asked, close. */
export interface FakeGitHub {
  url: string;
  requests: FakeGitHubRequest[];
  /** A repository the token may see, with the refs (branches, tags, commit SHAs) it has. */
  addRepository(fullName: string, refs: string[]): void;
  /** The deployments of a repository, oldest first. */
  deployments(fullName: string): FakeDeployment[];
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
  const repositories = new Map<string, { refs: Set<string>; deployments: FakeDeployment[] }>();
  const limit = options.limit ?? 5000;
  const resetAt = options.resetAt ?? 1_900_000_000;
  let nextId = 1000;
  const fake: FakeGitHub = {
    url: '',
    requests: [],
    remaining: limit,
    addRepository(fullName, refs) {
      repositories.set(fullName.toLowerCase(), { refs: new Set(refs), deployments: repositories.get(fullName.toLowerCase())?.deployments ?? [] });
    },
    deployments: (fullName) => repositories.get(fullName.toLowerCase())?.deployments ?? [],
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
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      answer(request, response, chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8'));
    });
  });
  const answer = (request: IncomingMessage, response: ServerResponse, text: string | undefined): void => {
    const url = new URL(request.url ?? '/', fake.url);
    const authorization = request.headers.authorization;
    let body: unknown;
    try {
      body = text === undefined ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const accept = request.headers.accept;
    const apiVersion = request.headers['x-github-api-version'];
    fake.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      ...(authorization === undefined ? {} : { authorization }),
      ...(accept === undefined ? {} : { accept }),
      ...(typeof apiVersion === 'string' ? { apiVersion } : {}),
      ...(body === undefined ? {} : { body }),
    });
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
    if (url.pathname.startsWith('/repos/')) {
      const [status, answerBody] = deploymentsApi(request.method ?? 'GET', url, body);
      json(status, answerBody, rateHeaders());
      return;
    }
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
  };
  const DOCS = 'https://docs.github.com/rest/deployments';
  // GitHub answers a deployment without its statuses (they have their own endpoint).
  const withoutStatuses = (deployment: FakeDeployment): Omit<FakeDeployment, 'statuses'> => {
    const copy: Partial<FakeDeployment> = { ...deployment };
    delete copy.statuses;
    return copy as Omit<FakeDeployment, 'statuses'>;
  };
  const error = (status: number, message: string, doc: string): [number, unknown] => [
    status,
    { message, documentation_url: `${DOCS}/${doc}`, status: String(status) },
  ];
  const deploymentsApi = (method: string, url: URL, body: unknown): [number, unknown] => {
    const match = /^\/repos\/([^/]+)\/([^/]+)\/deployments(?:\/(\d+)\/statuses)?$/.exec(url.pathname);
    const repository =
      match === null ? undefined : repositories.get(`${decodeURIComponent(match[1] ?? '')}/${decodeURIComponent(match[2] ?? '')}`.toLowerCase());
    if (match === null || repository === undefined) return error(404, 'Not Found', 'deployments#create-a-deployment');
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const statusOf = match[3];
    if (statusOf === undefined && method === 'GET') {
      const ref = url.searchParams.get('ref');
      const environment = url.searchParams.get('environment');
      const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '30')));
      const listed = [...repository.deployments]
        .reverse()
        .filter((item) => (ref === null || item.ref === ref) && (environment === null || item.environment === environment))
        .slice(0, perPage);
      return [200, listed.map(withoutStatuses)];
    }
    if (statusOf === undefined && method === 'POST') {
      if (typeof input.ref !== 'string' || input.ref === '')
        return [422, { message: 'Invalid request.\n\n"ref" wasn\'t supplied.', documentation_url: `${DOCS}/deployments#create-a-deployment`, status: '422' }];
      if (!repository.refs.has(input.ref)) return error(422, `No ref found for: ${input.ref}`, 'deployments#create-a-deployment');
      nextId += 1;
      const environment = typeof input.environment === 'string' ? input.environment : 'production';
      const deployment: FakeDeployment = {
        id: nextId,
        sha: /^[0-9a-f]{40}$/.test(input.ref) ? input.ref : createHash('sha1').update(input.ref).digest('hex'),
        ref: input.ref,
        task: typeof input.task === 'string' ? input.task : 'deploy',
        payload: input.payload ?? {},
        environment,
        original_environment: environment,
        description: typeof input.description === 'string' ? input.description : null,
        transient_environment: input.transient_environment === true,
        production_environment: typeof input.production_environment === 'boolean' ? input.production_environment : environment === 'production',
        created_at: new Date(0).toISOString(),
        statuses: [],
      };
      repository.deployments.push(deployment);
      return [201, withoutStatuses(deployment)];
    }
    if (statusOf !== undefined && method === 'POST') {
      const deployment = repository.deployments.find((item) => item.id === Number(statusOf));
      if (deployment === undefined) return error(404, 'Not Found', 'deployments/statuses#create-a-deployment-status');
      const state = input.state;
      const description = typeof input.description === 'string' ? input.description : '';
      if (
        typeof state !== 'string' ||
        !['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'].includes(state) ||
        description.length > 140
      ) {
        return error(422, 'Validation Failed', 'deployments/statuses#create-a-deployment-status');
      }
      nextId += 1;
      const status = {
        id: nextId,
        state,
        description,
        environment_url: typeof input.environment_url === 'string' ? input.environment_url : '',
        log_url: typeof input.log_url === 'string' ? input.log_url : '',
      };
      deployment.statuses.push(status);
      return [201, { ...status, target_url: status.log_url, deployment_url: `${fake.url}${url.pathname.replace(/\/statuses$/, '')}` }];
    }
    return error(404, 'Not Found', 'deployments');
  };
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
