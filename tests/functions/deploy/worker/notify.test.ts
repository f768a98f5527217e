import { deployImage, rollbackTo } from '../../../../functions/deploy/worker/run';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import { releaseNotification } from '../../../../functions/deploy/worker/notify';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { renderNotification } from '../../../../shared/model/notification';
import { UpstreamError } from '../../../../shared/errors';
import { deadlineExceeded, startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions, RolloutSimulator } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';
import { RecordingNotifier } from '../../../../testing/fake-notifier';

const START = Date.parse('2026-11-22T12:00:00Z');
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';

function image(tag: string): { repository: string; tag: string; digest: string } {
  return { repository: ORDER_INGESTION, tag, digest: digestOf(`${ORDER_INGESTION}:${tag}`) };
}

function failingTag(tag: string, simulate: RolloutSimulator): RolloutSimulator {
  return (object, reads) => (JSON.stringify(object.spec).includes(`:${tag}@`) ? simulate(object, reads) : undefined);
}

describe('deploy notifications: one per release outcome', () => {
  let cluster: FakeCluster | undefined;
  let clock = START;
  const budget: Budget = { remainingMs: () => 900_000 - (clock - START) };

  async function setUp(options: FakeClusterOptions = {}, rollback = true): Promise<{ target: DeployTarget; deps: WorkerDeps; notifier: RecordingNotifier }> {
    const started = await startFakeCluster(options);
    cluster = started;
    const [loaded] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
    if (loaded === undefined) throw new Error('crypto-oms has no workload');
    const target = { ...loaded, workload: { ...loaded.workload, rollout: { ...loaded.workload.rollout, rollback } } };
    const notifier = new RecordingNotifier();
    const quiet = (): undefined => undefined;
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(started.port),
      queue: { send: (messages) => Promise.resolve(messages.map((_, index) => `m${index}`)) },
      notifier,
      now: () => new Date(clock),
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      logger: { info: quiet, warn: quiet, error: quiet },
      secretValues: new FakeSecretValues(),
      pollMs: 5_000,
      reserveMs: 20_000,
    };
    return { target, deps, notifier };
  }

  function releases(): ReleaseRecord[] {
    const configMap = cluster?.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
    return JSON.parse((configMap?.data as Record<string, string>)[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  beforeEach(() => {
    clock = START;
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it.each([
    {
      outcome: 'succeeded',
      options: {},
      rollback: true,
      act: async (target: DeployTarget, deps: WorkerDeps) => deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' }),
      events: ['deploy.released', 'deploy.succeeded'],
      summary: 'release 1 of crypto-oms succeeded: ghcr.io/crypto-oms/order-ingestion:v1.1.0 runs',
    },
    {
      outcome: 'refused',
      options: {},
      rollback: true,
      act: async (target: DeployTarget, deps: WorkerDeps) => deployImage(target, image('v0.9.0'), 'd1', deps, budget, { source: 'push' }),
      events: ['deploy.refused'],
      summary: 'ghcr.io/crypto-oms/order-ingestion:v0.9.0 refused for crypto-oms',
    },
    {
      outcome: 'failed',
      options: { rollout: { 'order-ingestion': failingTag('v1.1.0', deadlineExceeded) } },
      rollback: false,
      act: async (target: DeployTarget, deps: WorkerDeps) => deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' }),
      events: ['deploy.released', 'deploy.failed'],
      summary: 'release 1 of crypto-oms failed',
    },
    {
      outcome: 'rolled back',
      options: { rollout: { 'order-ingestion': failingTag('v1.2.0', deadlineExceeded) } },
      rollback: true,
      act: async (target: DeployTarget, deps: WorkerDeps) => {
        await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });
        return deployImage(target, image('v1.2.0'), 'd2', deps, budget, { source: 'push' });
      },
      events: ['deploy.released', 'deploy.succeeded', 'deploy.released', 'deploy.rolled-back', 'deploy.succeeded'],
      summary: 'release 2 of crypto-oms failed and was rolled back (rollback release 3)',
    },
  ])('tells a $outcome release once, with the cluster, workload, reason and links', async ({ options, rollback, act, events, summary }) => {
    // Prepare
    const { target, deps, notifier } = await setUp(options, rollback);

    // Act
    await act(target, deps);

    // Assess
    expect(notifier.events()).toEqual(events);
    const told = notifier.documents().find((document) => document.summary === summary);
    expect(told).toMatchObject({
      format: 'eks-pilot.notification/v1',
      function: 'deploy-worker',
      cluster: 'crypto-oms',
      region: 'eu-west-1',
      workload: 'crypto-oms',
    });
    expect(typeof told?.reason).toBe('string');
    const links = (told?.links as { url: string }[]).map((link) => link.url);
    expect(links[0]).toBe('https://console.aws.amazon.com/eks/home?region=eu-west-1#/clusters/crypto-oms');
    expect(links.slice(1)).toContain('https://ghcr.io/crypto-oms/order-ingestion');
    for (const message of notifier.sent) {
      expect(Object.keys(message.attributes).sort()).toEqual(['cluster', 'event', 'function']);
      expect(message.attributes).toMatchObject({ function: 'deploy-worker', cluster: 'crypto-oms' });
    }
    const records = releases();
    for (const record of records.filter((item) => item.result !== 'superseded')) expect(record.notified?.length ?? 0).toBeGreaterThan(0);
  });

  it('does not tell an outcome twice when the push is redelivered or the rollback re-run finds it done', async () => {
    // Prepare
    const { target, deps, notifier } = await setUp();
    await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });
    const told = notifier.sent.length;

    // Act
    const redelivered = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });
    const replayed = await deployImage(target, image('v1.1.0'), 'd1-again', deps, budget, { source: 'push' });

    // Assess
    expect([redelivered.outcome, replayed.outcome]).toEqual(['unchanged', 'unchanged']);
    expect(notifier.sent).toHaveLength(told);
    expect(releases()[0]?.notified).toEqual(['deploy.released', 'deploy.succeeded']);
  });

  it('keeps a release succeeded when the publish fails, and tells it once on the next read', async () => {
    // Prepare
    const { target, deps, notifier } = await setUp();
    notifier.failWith = new UpstreamError('Publish failed: throttled');

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });
    const untold = releases()[0]?.notified;
    notifier.failWith = undefined;
    await rollbackTo(target, undefined, 'manual-1', deps, budget);
    await rollbackTo(target, undefined, 'manual-2', deps, budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 1 });
    expect(untold).toEqual([]);
    expect(notifier.events().filter((event) => event === 'deploy.succeeded')).toEqual(['deploy.succeeded']);
    expect(releases()[0]?.notified).toEqual(['deploy.succeeded']);
  });

  it('tells nothing of a history written before notifications were configured', async () => {
    // Prepare
    const { target, deps, notifier } = await setUp();
    await deployImage(target, image('v1.1.0'), 'd1', { ...deps, notifier: undefined }, budget, { source: 'push' });

    // Act
    await deployImage(target, image('v1.1.0'), 'd1', deps, budget, { source: 'push' });

    // Assess
    expect(releases()[0]).not.toHaveProperty('notified');
    expect(notifier.sent).toEqual([]);
  });

  it('names the waiting event for a release held for approval, scrubbed of secrets', async () => {
    // Prepare
    const { target } = await setUp();
    const record: ReleaseRecord = {
      revision: 5,
      cluster: 'crypto-oms',
      workload: 'crypto-oms',
      kind: 'deploy',
      image: image('v2.0.0'),
      images: { [ORDER_INGESTION]: `${ORDER_INGESTION}:v2.0.0@${image('v2.0.0').digest}` },
      deliveryId: 'd5',
      startedAt: '2026-11-22T12:00:00.000Z',
      result: 'progressing',
      reason: 'approval required; token Bearer abcdefghijklmnop seen',
    };

    // Act
    const rendered = renderNotification(releaseNotification(target, record, 'deploy.waiting'));

    // Assess
    expect(rendered.subject).toBe('eks-pilot deploy.waiting: crypto-oms/crypto-oms');
    expect(rendered.attributes).toEqual({ event: 'deploy.waiting', function: 'deploy-worker', cluster: 'crypto-oms' });
    expect(rendered.text).toContain('release 5 of crypto-oms waits for approval: ghcr.io/crypto-oms/order-ingestion:v2.0.0');
    expect(rendered.text).toContain('Bearer [redacted]');
    expect(rendered.text).not.toContain('abcdefghijklmnop');
    expect(rendered.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
  });
});
