import { deployImage } from '../../../../functions/deploy/worker/run';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import { GitHubStatusHistory, NO_TOKEN } from '../../../../functions/deploy/worker/github-status';
import type { ReleaseHistory } from '../../../../functions/deploy/worker/notify';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY, ReleaseStore } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { GitHubDeployments } from '../../../../shared/adapters/github/deployments';
import type { GitHubDeploymentsPort } from '../../../../shared/ports/github-deployments';
import { deadlineExceeded, startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions, RolloutSimulator } from '../../../../testing/fake-k8s';
import { startFakeGitHub } from '../../../../testing/fake-github';
import type { FakeGitHub } from '../../../../testing/fake-github';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';
import { RecordingNotifier } from '../../../../testing/fake-notifier';

const START = Date.parse('2026-11-22T12:00:00Z');
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';
const REPOSITORY = 'crypto-oms/order-ingestion';
const TOKEN = 'ghp_statuses0123456789abcdefghijklmnopq';
const COMMIT = '6c62fb45fe66bfb1ea9a66abc38f6a0cc974292b';

function image(tag: string): { repository: string; tag: string; digest: string } {
  return { repository: ORDER_INGESTION, tag, digest: digestOf(`${ORDER_INGESTION}:${tag}`) };
}

function failingTag(tag: string, simulate: RolloutSimulator): RolloutSimulator {
  return (object, reads) => (JSON.stringify(object.spec).includes(`:${tag}@`) ? simulate(object, reads) : undefined);
}

describe('GitHub deployment statuses of releases', () => {
  let cluster: FakeCluster | undefined;
  let github: FakeGitHub | undefined;
  let clock = START;
  const budget: Budget = { remainingMs: () => 900_000 - (clock - START) };
  const warnings: { message: string; facts: Record<string, unknown> }[] = [];

  async function setUp(
    options: { cluster?: FakeClusterOptions; rollback?: boolean; token?: boolean; refs?: string[] } = {},
  ): Promise<{ target: DeployTarget; deps: WorkerDeps; fake: FakeGitHub }> {
    const started = await startFakeCluster(options.cluster ?? {});
    cluster = started;
    const fake = await startFakeGitHub({ token: TOKEN });
    github = fake;
    fake.addRepository(REPOSITORY, options.refs ?? ['main', 'v1.1.0', 'v1.2.0', COMMIT]);
    const [loaded] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
    if (loaded === undefined) throw new Error('crypto-oms has no workload');
    const target: DeployTarget = {
      ...loaded,
      workload: { ...loaded.workload, rollout: { ...loaded.workload.rollout, rollback: options.rollback ?? true }, github: { environment: 'prod' } },
    };
    const deployments: GitHubDeploymentsPort = new GitHubDeployments({ baseUrl: fake.url, token: () => Promise.resolve(TOKEN), now: () => new Date(clock) });
    const quiet = (): undefined => undefined;
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(started.port),
      queue: { send: (messages) => Promise.resolve(messages.map((_, index) => `m${index}`)) },
      ...(options.token === false ? {} : { deployments }),
      notifier: new RecordingNotifier(),
      now: () => new Date(clock),
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      logger: {
        info: quiet,
        warn: (message, facts) => {
          warnings.push({ message, facts });
        },
        error: quiet,
      },
      secretValues: new FakeSecretValues(),
      pollMs: 5_000,
      reserveMs: 20_000,
    };
    return { target, deps, fake };
  }

  function releases(): ReleaseRecord[] {
    const configMap = cluster?.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
    return JSON.parse((configMap?.data as Record<string, string>)[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  function states(fake: FakeGitHub): string[][] {
    return fake.deployments(REPOSITORY).map((deployment) => deployment.statuses.map((status) => status.state));
  }

  beforeEach(() => {
    clock = START;
    warnings.length = 0;
  });

  afterEach(async () => {
    await cluster?.close();
    await github?.close();
    cluster = undefined;
    github = undefined;
  });

  it('creates one deployment for a released image at its revision label, marked in_progress then success', async () => {
    // Prepare
    const { target, deps, fake } = await setUp();

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, {
      source: 'push',
      imageSource: { repository: REPOSITORY, revision: COMMIT },
    });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 1 });
    const [deployment] = fake.deployments(REPOSITORY);
    expect(fake.deployments(REPOSITORY)).toHaveLength(1);
    expect(deployment).toMatchObject({ ref: COMMIT, environment: 'prod', production_environment: true, transient_environment: false, task: 'deploy' });
    expect(deployment?.payload).toMatchObject({ cluster: 'crypto-oms', workload: 'crypto-oms', revision: 1, digest: image('v1.1.0').digest });
    expect(states(fake)).toEqual([['in_progress', 'success']]);
    expect(deployment?.statuses[1]?.description).toBe('release 1 runs on crypto-oms: ghcr.io/crypto-oms/order-ingestion:v1.1.0');
    expect(deployment?.statuses[1]?.log_url).toBe('https://console.aws.amazon.com/eks/home?region=eu-west-1#/clusters/crypto-oms');
    const created = fake.requests.find((request) => request.method === 'POST' && request.path === `/repos/${REPOSITORY}/deployments`);
    expect(created?.body).toMatchObject({ ref: COMMIT, auto_merge: false, required_contexts: [], environment: 'prod' });
    for (const request of fake.requests) {
      expect(request).toMatchObject({ accept: 'application/vnd.github+json', apiVersion: '2022-11-28', authorization: `Bearer ${TOKEN}` });
    }
    expect(releases()[0]?.github).toEqual({
      repository: REPOSITORY,
      environment: 'prod',
      ref: COMMIT,
      deploymentId: deployment?.id,
      posted: ['in_progress', 'success'],
    });
    expect(JSON.stringify(releases())).not.toContain(TOKEN);
  });

  it('marks a failed release failure, and a rolled-back one failure then inactive', async () => {
    // Prepare
    const failed = await setUp({ cluster: { rollout: { 'order-ingestion': failingTag('v1.1.0', deadlineExceeded) } }, rollback: false });

    // Act
    const failedOutcome = await deployImage(failed.target, image('v1.1.0'), 'd1', failed.deps, budget, { source: 'push' });
    const failedStates = states(failed.fake);
    await cluster?.close();
    await github?.close();
    clock = START;
    const rolled = await setUp({ cluster: { rollout: { 'order-ingestion': failingTag('v1.2.0', deadlineExceeded) } } });
    await deployImage(rolled.target, image('v1.1.0'), 'd1', rolled.deps, budget, { source: 'push' });
    const rolledOutcome = await deployImage(rolled.target, image('v1.2.0'), 'd2', rolled.deps, budget, { source: 'push' });

    // Assess
    expect(failedOutcome).toMatchObject({ outcome: 'failed', revision: 1 });
    expect(failedStates).toEqual([['in_progress', 'failure']]);
    expect(rolledOutcome).toMatchObject({ outcome: 'rolled-back', revision: 2 });
    expect(rolled.fake.deployments(REPOSITORY).map((deployment) => deployment.ref)).toEqual(['v1.1.0', 'v1.2.0']);
    expect(states(rolled.fake)).toEqual([
      ['in_progress', 'success'],
      ['in_progress', 'failure', 'inactive'],
    ]);
    const inactive = rolled.fake.deployments(REPOSITORY)[1]?.statuses[2];
    expect(inactive?.description).toBe('release 2 rolled back on crypto-oms (rollback release 3)');
    // The rollback release is no push of a ref: no deployment of its own.
    expect(releases().find((record) => record.kind === 'rollback')).not.toHaveProperty('github');
  });

  it('goes on with the release without a token, and the record says why it has no status', async () => {
    // Prepare
    const { target, deps, fake } = await setUp({ token: false });

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 1 });
    expect(fake.requests).toEqual([]);
    expect(releases()[0]?.github).toEqual({ posted: [], skipped: [{ state: 'deployment', reason: NO_TOKEN, at: new Date(START).toISOString() }] });
    expect(warnings.filter((warning) => warning.message === 'GitHub deployment status given up')).toHaveLength(1);
  });

  it('creates one deployment when the push is redelivered or replayed under a new delivery id', async () => {
    // Prepare
    const { target, deps, fake } = await setUp();
    await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });

    // Act
    const redelivered = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });
    const replayed = await deployImage(target, image('v1.1.0'), 'd1-again', deps, budget, { source: 'push' });

    // Assess
    expect([redelivered.outcome, replayed.outcome]).toEqual(['unchanged', 'unchanged']);
    expect(fake.deployments(REPOSITORY)).toHaveLength(1);
    expect(states(fake)).toEqual([['in_progress', 'success']]);
  });

  it('finds the deployment a run created but could not record (it timed out), and creates no second one', async () => {
    // Prepare: the first invocation's write of the deployment id never lands
    const { target, deps, fake } = await setUp();
    const k8s = await deps.connect(target);
    const plain = new ReleaseStore(k8s, target);
    let writes = 0;
    const crashing: ReleaseHistory = {
      read: () => plain.read(),
      write: async (records) => {
        writes += 1;
        if (writes === 2) throw new Error('Task timed out after 900.00 seconds');
        await plain.write(records);
      },
    };
    const options = { ...(deps.deployments === undefined ? {} : { github: deps.deployments }), logger: deps.logger, now: () => deps.now() };
    const record: ReleaseRecord = {
      revision: 1,
      cluster: 'crypto-oms',
      workload: 'crypto-oms',
      kind: 'deploy',
      image: image('v1.1.0'),
      images: { [ORDER_INGESTION]: `${ORDER_INGESTION}:v1.1.0@${image('v1.1.0').digest}` },
      deliveryId: 'd1',
      startedAt: new Date(START).toISOString(),
      result: 'progressing',
    };
    const crashed = new GitHubStatusHistory(crashing, target, options);
    await crashed.read();
    await expect(crashed.write([record])).rejects.toThrow('Task timed out');
    const lost = releases()[0];

    // Act: the retried invocation
    const retried = new GitHubStatusHistory(plain, target, options);
    const history = await retried.read();
    await retried.write(history.map((item) => ({ ...item, result: 'succeeded' as const })));

    // Assess
    expect(lost).not.toHaveProperty('github');
    expect(fake.deployments(REPOSITORY)).toHaveLength(1);
    expect(states(fake)).toEqual([['in_progress', 'success']]);
    expect(releases()[0]?.github).toMatchObject({ deploymentId: fake.deployments(REPOSITORY)[0]?.id, posted: ['success'] });
  });

  it('records a ref GitHub does not know (422) and a repository it hides (404) and never fails the release', async () => {
    // Prepare
    const { target, deps, fake } = await setUp({ refs: ['main'] });
    const hidden: DeployTarget = { ...target, workload: { ...target.workload, github: { repository: 'crypto-oms/private-repo' } } };

    // Act
    const unknownRef = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });
    const first = releases()[0]?.github;
    fake.addRepository(REPOSITORY, ['main', 'v1.2.0']);
    const noAccess = await deployImage(hidden, image('v1.2.0'), 'd2', { ...deps, targets: () => Promise.resolve([hidden]) }, budget, { source: 'push' });

    // Assess
    expect([unknownRef.outcome, noAccess.outcome]).toEqual(['succeeded', 'succeeded']);
    expect(fake.deployments(REPOSITORY)).toEqual([]);
    expect(first?.posted).toEqual([]);
    expect(first?.skipped?.map((item) => item.state)).toEqual(['deployment']);
    expect(first?.skipped?.[0]?.reason).toBe('GitHub knows no ref v1.1.0 in crypto-oms/order-ingestion: No ref found for: v1.1.0');
    expect(releases()[1]?.github?.skipped?.[0]?.reason).toContain('GitHub answered 404 for crypto-oms/private-repo');
    expect(fake.requests.filter((request) => request.path.startsWith('/repos/crypto-oms/private-repo/')).map((request) => request.method)).toEqual(['GET']);
  });

  it('gives up the statuses GitHub rate-limits, records why, and the release still succeeds', async () => {
    // Prepare: two requests left, for the lookup and the creation; the in_progress status hits the limit
    const { target, deps, fake } = await setUp();
    fake.remaining = 2;

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 1 });
    const github = releases()[0]?.github;
    expect(github?.deploymentId).toBe(fake.deployments(REPOSITORY)[0]?.id);
    expect(github?.skipped?.map((item) => item.state)).toEqual(['in_progress', 'success']);
    expect(github?.skipped?.[0]?.reason).toMatch(/^GitHub rate limit reached \(until 2030-03-17T17:46:40.000Z\)/);
    expect(github?.posted).toEqual([]);
  });
});
