import { GitHubDeployments } from '../../../../shared/adapters/github/deployments';
import { GitHubNoAccessError, GitHubRefNotFoundError } from '../../../../shared/ports/github-deployments';
import type { DeploymentRequest } from '../../../../shared/ports/github-deployments';
import { GitHubApiError, GitHubRateLimitedError } from '../../../../shared/ports/github-packages';
import { startFakeGitHub } from '../../../../testing/fake-github';
import type { FakeGitHub } from '../../../../testing/fake-github';

const TOKEN = 'ghp_deployments0123456789abcdefghijklmn';
const NOW = new Date('2026-12-01T10:00:00Z');

const REQUEST: DeploymentRequest = {
  repository: 'acme/web',
  ref: 'v1.3.0',
  environment: 'prod',
  description: 'eks-pilot release 4 of web to payments',
  payload: { cluster: 'payments', workload: 'web', revision: 4, digest: `sha256:${'c3'.repeat(32)}`, release: 'payments/web/4/2026-12-01T10:00:00.000Z' },
  productionEnvironment: true,
};

describe('GitHubDeployments', () => {
  let github: FakeGitHub;

  beforeEach(async () => {
    github = await startFakeGitHub({ token: TOKEN });
    github.addRepository('acme/web', ['main', 'v1.3.0']);
  });

  afterEach(async () => {
    await github.close();
  });

  function adapter(fetcher?: typeof fetch): GitHubDeployments {
    return new GitHubDeployments({ baseUrl: `${github.url}/`, token: () => Promise.resolve(TOKEN), now: () => NOW, ...(fetcher ? { fetch: fetcher } : {}) });
  }

  it('creates a deployment with auto_merge off and no required contexts, then a status, with GitHub’s headers', async () => {
    // Prepare
    const deployments = adapter();

    // Act
    const id = await deployments.createDeployment(REQUEST);
    await deployments.createStatus({
      repository: 'acme/web',
      deploymentId: id,
      state: 'in_progress',
      description: 'x'.repeat(200),
      logUrl: 'https://console.aws.amazon.com/eks/home?region=eu-west-1#/clusters/payments',
    });

    // Assess
    const [created, status] = github.requests;
    expect(created).toMatchObject({
      method: 'POST',
      path: '/repos/acme/web/deployments',
      accept: 'application/vnd.github+json',
      apiVersion: '2022-11-28',
      authorization: `Bearer ${TOKEN}`,
      body: {
        ref: 'v1.3.0',
        task: 'deploy',
        auto_merge: false,
        required_contexts: [],
        environment: 'prod',
        payload: REQUEST.payload,
        transient_environment: false,
        production_environment: true,
      },
    });
    expect(status).toMatchObject({
      method: 'POST',
      path: `/repos/acme/web/deployments/${id}/statuses`,
      body: { state: 'in_progress', description: 'x'.repeat(140) },
    });
    expect(github.deployments('acme/web')[0]?.statuses.map((item) => item.state)).toEqual(['in_progress']);
  });

  it('finds the deployment of the same release by its payload, and none of another release', async () => {
    // Prepare
    const deployments = adapter();
    const id = await deployments.createDeployment(REQUEST);
    await deployments.createDeployment({ ...REQUEST, payload: { ...REQUEST.payload, revision: 5, release: 'payments/web/5/2026-12-01T11:00:00.000Z' } });

    // Act
    const found = await deployments.findDeployment(REQUEST);
    const other = await deployments.findDeployment({ ...REQUEST, payload: { ...REQUEST.payload, release: 'payments/web/6/2026-12-01T12:00:00.000Z' } });

    // Assess
    expect(found).toBe(id);
    expect(other).toBeUndefined();
    const listed = github.requests.filter((request) => request.method === 'GET');
    expect(listed[0]?.query.get('ref')).toBe('v1.3.0');
    expect(listed[0]?.query.get('environment')).toBe('prod');
  });

  it.each([
    {
      name: 'a ref the repository lacks (422)',
      act: (deployments: GitHubDeployments) => deployments.createDeployment({ ...REQUEST, ref: 'v9.9.9' }),
      error: GitHubRefNotFoundError,
      message: 'GitHub knows no ref v9.9.9 in acme/web: No ref found for: v9.9.9',
    },
    {
      name: 'a repository the token may not see (404)',
      act: (deployments: GitHubDeployments) => deployments.createDeployment({ ...REQUEST, repository: 'acme/secret' }),
      error: GitHubNoAccessError,
      message: 'GitHub answered 404 for acme/secret (no such repository, or the token may not write its deployments): Not Found',
    },
    {
      name: 'a status of a deployment that does not exist (404)',
      act: (deployments: GitHubDeployments) => deployments.createStatus({ repository: 'acme/web', deploymentId: 1, state: 'success', description: 'ok' }),
      error: GitHubNoAccessError,
      message: 'GitHub answered 404 for acme/web (no such repository, or the token may not write its deployments): Not Found',
    },
  ])('raises a typed error for $name, with GitHub’s message and never the token', async ({ act, error, message }) => {
    // Act
    const failure = act(adapter());

    // Assess
    await expect(failure).rejects.toBeInstanceOf(error);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.not.toThrow(TOKEN);
  });

  it('reads a used-up rate limit (403, x-ratelimit-remaining 0) and a secondary one (429, retry-after)', async () => {
    // Prepare
    github.remaining = 0;
    const secondary: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ message: 'You have exceeded a secondary rate limit', documentation_url: 'https://docs.github.com/rest' }), {
          status: 429,
          headers: { 'retry-after': '60' },
        }),
      );

    // Act
    const primary = await adapter()
      .createDeployment(REQUEST)
      .catch((error: unknown) => error);
    const limited = await adapter(secondary)
      .createStatus({ repository: 'acme/web', deploymentId: 1, state: 'success', description: 'ok' })
      .catch((error: unknown) => error);

    // Assess
    expect(primary).toBeInstanceOf(GitHubRateLimitedError);
    expect(primary).toMatchObject({ retryAt: '2030-03-17T17:46:40.000Z' });
    expect(limited).toBeInstanceOf(GitHubRateLimitedError);
    expect(limited).toMatchObject({ retryAt: '2026-12-01T10:01:00.000Z' });
  });

  it('raises GitHubApiError for a 5xx and for an answer that is no created deployment', async () => {
    // Prepare
    const outage: typeof fetch = () => Promise.resolve(new Response(JSON.stringify({ message: 'Server Error' }), { status: 502 }));
    const merged: typeof fetch = () =>
      Promise.resolve(new Response(JSON.stringify({ message: 'Auto-merged master into topic-branch on deployment.' }), { status: 202 }));

    // Act
    const down = await adapter(outage)
      .createDeployment(REQUEST)
      .catch((error: unknown) => error);
    const accepted = await adapter(merged)
      .createDeployment(REQUEST)
      .catch((error: unknown) => error);

    // Assess
    expect(down).toBeInstanceOf(GitHubApiError);
    expect(down).toHaveProperty('message', 'GitHub answered 502 for POST /repos/acme/web/deployments: Server Error');
    expect(accepted).toBeInstanceOf(GitHubApiError);
    expect(accepted).toHaveProperty('message', 'GitHub created no deployment for acme/web@v1.3.0 (202: Auto-merged master into topic-branch on deployment.)');
  });
});
