import { handleWorkerEvent, processBatch } from '../../../../functions/deploy/worker/invoke';
import type { ScheduleResponse } from '../../../../functions/deploy/worker/invoke';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import { deployImage } from '../../../../functions/deploy/worker/run';
import { recoverDue } from '../../../../functions/deploy/worker/recover';
import { toFifo } from '../../../../functions/deploy/model/messages';
import type { DeployMessage } from '../../../../functions/deploy/model/messages';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import type { FifoMessage } from '../../../../shared/ports/fifo-queue';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { GitHubPackages } from '../../../../shared/adapters/github/packages';
import { GitHubRateLimitedError, PackageNotFoundError } from '../../../../shared/ports/github-packages';
import { startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster } from '../../../../testing/fake-k8s';
import { startFakeGitHub } from '../../../../testing/fake-github';
import type { FakeGitHub } from '../../../../testing/fake-github';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';

const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';
const TOKEN = 'ghp_test-token';
const schedule = (
  time: string,
): { trigger: 'schedule'; event: { 'detail-type': 'Scheduled Event'; source: 'aws.events'; time: string; resources: string[] } } => ({
  trigger: 'schedule',
  event: { 'detail-type': 'Scheduled Event', source: 'aws.events', time, resources: [] },
});

describe('missed-push recovery', () => {
  let cluster: FakeCluster | undefined;
  let github: FakeGitHub | undefined;
  let queued: FifoMessage[];
  const budget: Budget = { remainingMs: () => 900_000 };

  async function setUp(): Promise<{ target: DeployTarget; deps: WorkerDeps; github: FakeGitHub }> {
    const started = await startFakeCluster();
    cluster = started;
    github = await startFakeGitHub({ token: TOKEN });
    const [loaded] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
    if (loaded === undefined) throw new Error('crypto-oms has no workload');
    const target: DeployTarget = { ...loaded, workload: { ...loaded.workload, recover: { every: '1h' } } };
    const quiet = (): undefined => undefined;
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(started.port),
      queue: {
        send: (messages) => {
          queued.push(...messages);
          return Promise.resolve(messages.map((_, index) => `m${index}`));
        },
      },
      github: new GitHubPackages({ baseUrl: github.url, token: () => Promise.resolve(TOKEN) }),
      now: () => new Date('2026-12-01T10:00:05Z'),
      sleep: () => Promise.resolve(),
      logger: { info: quiet, warn: quiet, error: quiet },
      secretValues: new FakeSecretValues(),
      pollMs: 5_000,
      reserveMs: 20_000,
    };
    return { target, deps, github };
  }

  function releases(): ReleaseRecord[] {
    const configMap = cluster?.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
    return JSON.parse((configMap?.data as Record<string, string>)[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  /** What Lambda's SQS source would hand the worker, after SQS dropped what its FIFO deduplication drops. */
  function records(messages: readonly FifoMessage[]): { messageId: string; body: string; attributes: { MessageGroupId: string } }[] {
    const seen = new Set<string>();
    return messages.flatMap((message, index) => {
      if (seen.has(message.deduplicationId)) return [];
      seen.add(message.deduplicationId);
      return [{ messageId: `m-${index}`, body: message.body, attributes: { MessageGroupId: message.groupId } }];
    });
  }

  beforeEach(() => {
    queued = [];
  });

  afterEach(async () => {
    await cluster?.close();
    await github?.close();
    cluster = undefined;
    github = undefined;
  });

  it('finds a tag published while webhooks were down, deploys it once, and queues nothing new on the next run', async () => {
    // Prepare
    const { target, deps, github: api } = await setUp();
    const delivered = { repository: ORDER_INGESTION, tag: 'v1.1.0', digest: digestOf(`${ORDER_INGESTION}:v1.1.0`) };
    api.publish({ org: 'crypto-oms' }, 'order-ingestion', ['v1.1.0'], delivered.digest, '2026-12-01T08:00:00Z');
    await deployImage(target, delivered, 'webhook-1', deps, budget, { source: 'push', publishedAt: '2026-12-01T08:00:00Z' });
    const missed = digestOf(`${ORDER_INGESTION}:v1.2.0`);
    api.publish({ org: 'crypto-oms' }, 'order-ingestion', ['v1.2.0', 'latest'], missed, '2026-12-01T09:30:00Z');
    api.publish({ org: 'crypto-oms' }, 'order-ingestion', ['main-4f2a9c1'], digestOf('main'), '2026-12-01T09:40:00Z');

    // Act
    const first = (await handleWorkerEvent(schedule('2026-12-01T10:00:00Z'), deps, budget, 'req-1')) as ScheduleResponse;
    const firstQueued = [...queued];
    const batch = await processBatch(records(firstQueued), deps, budget);
    queued = [];
    const second = (await handleWorkerEvent(schedule('2026-12-01T11:00:00Z'), deps, budget, 'req-2')) as ScheduleResponse;

    // Assess
    expect(first.recovery).toMatchObject([
      { cluster: 'crypto-oms', workload: 'crypto-oms', status: 'queued', queued: [`${ORDER_INGESTION}:v1.2.0@${missed}`] },
    ]);
    expect(first.recovery?.[0]?.problems).toHaveLength(3);
    const message = JSON.parse(firstQueued[0]?.body ?? '{}') as DeployMessage;
    expect(message).toMatchObject({
      type: 'deploy',
      image: { tag: 'v1.2.0', digest: missed },
      deliveryId: 'recover-req-1',
      publishedAt: '2026-12-01T09:30:00Z',
    });
    // The webhook's own deduplication id: a late webhook delivery of the same push is one SQS message.
    const webhook: DeployMessage = { ...message, deliveryId: 'f4a1c3b0-late', event: 'registry_package' };
    expect(firstQueued[0]?.deduplicationId).toBe(toFifo(webhook).deduplicationId);
    expect(batch.batchItemFailures).toEqual([]);
    expect(releases().map((record) => [record.revision, record.image?.tag, record.result])).toEqual([
      [1, 'v1.1.0', 'succeeded'],
      [2, 'v1.2.0', 'succeeded'],
    ]);
    expect(second.recovery).toMatchObject([{ cluster: 'crypto-oms', workload: 'crypto-oms', status: 'up-to-date', queued: [] }]);
    expect(queued).toEqual([]);
    expect(api.requests.every((request) => request.query.get('per_page') === '100' && request.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('runs the check at the first tick of each window only', () => {
    // Act
    const ticks = ['10:00', '10:15', '10:30', '10:45', '11:00'].map((time) => recoverDue('1h', new Date(`2026-12-01T${time}:00Z`)));

    // Assess
    expect(ticks).toEqual([true, false, false, false, true]);
  });

  it('reports a package GitHub does not know and carries on', async () => {
    // Prepare
    const { deps } = await setUp();

    // Act
    const response = (await handleWorkerEvent(schedule('2026-12-01T10:00:00Z'), deps, budget, 'req-1')) as ScheduleResponse;

    // Assess
    expect(response.recovery?.[0]).toMatchObject({ status: 'failed', reason: 'no image of the workload could be listed' });
    expect(response.recovery?.[0]?.problems?.[0]).toBe(
      'ghcr.io/crypto-oms/order-ingestion: container package crypto-oms/order-ingestion not found (or the token may not read it)',
    );
    expect(queued).toEqual([]);
    expect(github?.requests.slice(0, 2).map((request) => request.path)).toEqual([
      '/orgs/crypto-oms/packages/container/order-ingestion/versions',
      '/users/crypto-oms/packages/container/order-ingestion/versions',
    ]);
  });
});

describe('GitHubPackages against the fake GitHub API', () => {
  let github: FakeGitHub | undefined;

  afterEach(async () => {
    await github?.close();
    github = undefined;
  });

  it('follows the Link header page by page and stops at the page cap', async () => {
    // Prepare
    github = await startFakeGitHub();
    for (let index = 0; index < 250; index += 1) github.publish({ user: 'octocat' }, 'hello', [`v${index}`], digestOf(`v${index}`), '2026-12-01T00:00:00Z');
    const client = new GitHubPackages({ baseUrl: github.url, token: () => Promise.resolve(TOKEN) });

    // Act
    const all = await client.listContainerVersions({ owner: 'octocat', name: 'hello', ownerType: 'user', maxPages: 5 });
    const capped = await client.listContainerVersions({ owner: 'octocat', name: 'hello', ownerType: 'user', maxPages: 2 });

    // Assess
    expect([all.versions.length, all.truncated]).toEqual([250, false]);
    expect([capped.versions.length, capped.truncated]).toEqual([200, true]);
    expect(all.versions[0]).toMatchObject({ digest: digestOf('v249'), tags: ['v249'] });
    expect(github.requests.map((request) => request.query.get('page') ?? '1')).toEqual(['1', '2', '3', '1', '2']);
  });

  it('raises the rate limit with the reset time and a 404 as not found', async () => {
    // Prepare
    github = await startFakeGitHub({ limit: 1, resetAt: 1_900_000_000 });
    github.publish({ org: 'acme' }, 'web', ['v1'], digestOf('v1'), '2026-12-01T00:00:00Z');
    const client = new GitHubPackages({ baseUrl: github.url, token: () => Promise.resolve(TOKEN) });

    // Act
    const missing = await client.listContainerVersions({ owner: 'acme', name: 'nope', ownerType: 'org', maxPages: 1 }).catch((error: unknown) => error);
    const limited = await client.listContainerVersions({ owner: 'acme', name: 'web', ownerType: 'org', maxPages: 1 }).catch((error: unknown) => error);

    // Assess
    expect(missing).toBeInstanceOf(PackageNotFoundError);
    expect(limited).toBeInstanceOf(GitHubRateLimitedError);
    expect((limited as GitHubRateLimitedError).retryAt).toBe(new Date(1_900_000_000_000).toISOString());
  });
});
