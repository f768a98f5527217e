import { continueWatch, deployImage, rollbackTo } from '../../../../functions/deploy/worker/run';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import type { WatchMessage } from '../../../../functions/deploy/model/messages';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import type { FifoMessage } from '../../../../shared/ports/fifo-queue';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { status } from '../../../../testing/kubernetes-api-server';
import { deadlineExceeded, stalled, startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions, RolloutSimulator } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS, digestOf, FINANCIAL_MOVE } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';

const START = Date.parse('2026-11-22T12:00:00Z');
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';

function image(tag: string, repository = ORDER_INGESTION): { repository: string; tag: string; digest: string } {
  return { repository, tag, digest: digestOf(`${repository}:${tag}`) };
}

/** A simulator that fails (or stalls) only the pods of one tag: the rollback to another tag completes. */
function failingTag(tag: string, simulate: RolloutSimulator): RolloutSimulator {
  return (object, reads) => (JSON.stringify(object.spec).includes(`:${tag}@`) ? simulate(object, reads) : undefined);
}

describe('deploy worker against a Kubernetes API server', () => {
  let cluster: FakeCluster | undefined;
  let clock: number;
  let sent: FifoMessage[];
  const logs: { level: string; message: string; facts: Record<string, unknown> }[] = [];

  async function setUp(
    file: string,
    options: FakeClusterOptions = {},
  ): Promise<{ target: DeployTarget; deps: WorkerDeps; budget: Budget; cluster: FakeCluster }> {
    const started = await startFakeCluster(options);
    cluster = started;
    const [target] = await targetsOf(await loadSpecs([file]));
    if (target === undefined) throw new Error(`${file} has no workload`);
    const record = (level: string) => (message: string, facts: Record<string, unknown>) => {
      logs.push({ level, message, facts });
    };
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(started.port),
      queue: {
        send: (messages) => {
          sent.push(...messages);
          return Promise.resolve(messages.map((_, index) => `m${index}`));
        },
      },
      now: () => new Date(clock),
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      logger: { info: record('info'), warn: record('warn'), error: record('error') },
      secretValues: new FakeSecretValues(),
      pollMs: 5_000,
      reserveMs: 20_000,
    };
    const budget: Budget = { remainingMs: () => 900_000 - (clock - START) };
    return { target, deps, budget, cluster: started };
  }

  function releasesIn(fake: FakeCluster, namespace: string, workload: string): ReleaseRecord[] {
    const configMap = fake.objects.get(`/api/v1/namespaces/${namespace}/configmaps/eks-pilot-releases-${workload}`);
    return JSON.parse((configMap?.data as Record<string, string>)[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  function deploymentImage(fake: FakeCluster, namespace: string, name: string): string | undefined {
    const deployment = fake.objects.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`) as
      (KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } }) | undefined;
    return deployment?.spec.template.spec.containers[0]?.image;
  }

  beforeEach(() => {
    clock = START;
    sent = [];
    logs.length = 0;
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('deploys the crypto-oms example end to end: ordered server-side applies, the pinned image, a watched rollout and a release', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS);
    const pushed = image('v1.1.0');

    // Act
    const outcome = await deployImage(target, pushed, 'delivery-1', deps, budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 1 });
    expect(fake.appliedObjects()).toEqual([
      'Namespace crypto-oms',
      'ConfigMap crypto-oms/app-config',
      'Secret crypto-oms/app-secrets',
      'Service crypto-oms/order-ingestion',
      'Service crypto-oms/order-processor',
      'Service crypto-oms/risk-engine',
      'Service crypto-oms/market-data',
      'Deployment crypto-oms/order-ingestion',
      'Deployment crypto-oms/order-processor',
      'Deployment crypto-oms/risk-engine',
      'Deployment crypto-oms/market-data',
      'HorizontalPodAutoscaler crypto-oms/order-ingestion',
      'HorizontalPodAutoscaler crypto-oms/risk-engine',
      'HorizontalPodAutoscaler crypto-oms/market-data',
      'Ingress crypto-oms/crypto-oms',
      'ConfigMap crypto-oms/eks-pilot-releases-crypto-oms',
      'ConfigMap crypto-oms/eks-pilot-releases-crypto-oms',
    ]);
    for (const request of fake.applies()) {
      expect(request.method).toBe('PATCH');
      expect(request.headers['content-type']).toBe('application/apply-patch+yaml');
      expect(Object.fromEntries(request.query)).toEqual({ fieldManager: 'eks-pilot-deploy', force: 'true', fieldValidation: 'Strict' });
    }
    const deployment = fake.applies().find((request) => request.path === '/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion');
    const body = JSON.parse(deployment?.body ?? '{}') as KubernetesObject & {
      spec: Record<string, unknown> & { template: { spec: { containers: { image: string }[] } } };
    };
    expect(body.spec.template.spec.containers[0]?.image).toBe(`ghcr.io/crypto-oms/order-ingestion:v1.1.0@${pushed.digest}`);
    expect(body.spec).not.toHaveProperty('replicas');
    expect(body.metadata.labels).toMatchObject({ 'eks-pilot.io/workload': 'crypto-oms', 'app.kubernetes.io/managed-by': 'eks-pilot' });
    const processor = fake.applies().find((request) => request.path.endsWith('/deployments/order-processor'));
    expect((JSON.parse(processor?.body ?? '{}') as { spec: { replicas?: number } }).spec.replicas).toBe(2);
    expect(fake.applies().find((request) => request.path.endsWith('/deployments/risk-engine'))?.body).toContain(
      '"image":"ghcr.io/crypto-oms/risk-engine:v1.0.0"',
    );
    expect(fake.server.requests.filter((request) => request.method === 'GET' && request.path.includes('/deployments/'))).toHaveLength(4);
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')).toEqual([
      {
        revision: 1,
        cluster: 'crypto-oms',
        workload: 'crypto-oms',
        kind: 'deploy',
        image: pushed,
        replaced: 'ghcr.io/crypto-oms/order-ingestion:v1.0.0',
        images: {
          'ghcr.io/crypto-oms/order-ingestion': `ghcr.io/crypto-oms/order-ingestion:v1.1.0@${pushed.digest}`,
          'ghcr.io/crypto-oms/order-processor': 'ghcr.io/crypto-oms/order-processor:v1.0.0',
          'ghcr.io/crypto-oms/risk-engine': 'ghcr.io/crypto-oms/risk-engine:v1.0.0',
          'ghcr.io/crypto-oms/market-data': 'ghcr.io/crypto-oms/market-data:v1.0.0',
        },
        deliveryId: 'delivery-1',
        startedAt: '2026-11-22T12:00:00.000Z',
        finishedAt: '2026-11-22T12:00:00.000Z',
        result: 'succeeded',
      },
    ]);
    expect(logs.find((line) => line.message === 'rollout complete')?.facts).toMatchObject({
      cluster: 'crypto-oms',
      workload: 'crypto-oms/crypto-oms',
      deliveryId: 'delivery-1',
      revision: 1,
    });
  });

  it('deploys the financial-move example end to end in dependency order, leaving the Docker Hub image alone', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(FINANCIAL_MOVE);
    const pushed = image('v1.4.0', 'ghcr.io/financial-move/pnl-worker');

    // Act
    const outcome = await deployImage(target, pushed, 'delivery-fm', deps, budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 1 });
    const kinds = fake.appliedObjects().map((item) => item.split(' ')[0]);
    expect(kinds).toEqual([
      'Namespace',
      'ConfigMap',
      'Secret',
      'Secret',
      'Secret',
      'Secret',
      'Service',
      'Service',
      'Service',
      ...Array<string>(7).fill('Deployment'),
      'HorizontalPodAutoscaler',
      'HorizontalPodAutoscaler',
      'Ingress',
      'ConfigMap',
      'ConfigMap',
    ]);
    expect(deploymentImage(fake, 'prod', 'pnl-worker')).toBe(`ghcr.io/financial-move/pnl-worker:v1.4.0@${pushed.digest}`);
    expect(deploymentImage(fake, 'prod', 'grafana')).toBe('grafana/grafana:11.2.0');
    const task = fake.applies().find((request) => request.path.endsWith('/deployments/task-service'));
    expect(JSON.parse(task?.body ?? '{}')).not.toHaveProperty('spec.replicas');
  });

  it('processes two pushes for one workload in order, the second replacing the first', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS);
    const first = image('v1.1.0');
    const second = image('v1.2.0');

    // Act
    const outcomes = [await deployImage(target, first, 'd1', deps, budget), await deployImage(target, second, 'd2', deps, budget)];

    // Assess
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['succeeded', 'succeeded']);
    const releases = releasesIn(fake, 'crypto-oms', 'crypto-oms');
    expect(releases.map((record) => [record.revision, record.image?.tag, record.result, record.replaced])).toEqual([
      [1, 'v1.1.0', 'succeeded', 'ghcr.io/crypto-oms/order-ingestion:v1.0.0'],
      [2, 'v1.2.0', 'succeeded', `ghcr.io/crypto-oms/order-ingestion:v1.1.0@${first.digest}`],
    ]);
    expect(deploymentImage(fake, 'crypto-oms', 'order-ingestion')).toBe(`ghcr.io/crypto-oms/order-ingestion:v1.2.0@${second.digest}`);
  });

  it('refuses an older semver tag after a newer one, records why, and applies nothing', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS);
    await deployImage(target, image('v1.2.0'), 'd1', deps, budget);
    const appliedBefore = fake.appliedObjects().length;

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'd2', deps, budget);

    // Assess
    expect(outcome).toEqual({ outcome: 'refused', revision: 2, reason: 'v1.1.0 is older than v1.2.0, which runs: semver rules only move forward' });
    expect(fake.appliedObjects().slice(appliedBefore)).toEqual(['ConfigMap crypto-oms/eks-pilot-releases-crypto-oms']);
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')[1]).toMatchObject({ revision: 2, result: 'refused', image: { tag: 'v1.1.0' } });
    expect(deploymentImage(fake, 'crypto-oms', 'order-ingestion')).toContain(':v1.2.0@');
  });

  it('skips an image that already runs, and a push that already ran under any delivery id', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS);
    const first = image('v1.1.0');
    await deployImage(target, first, 'd1', deps, budget, { source: 'push' });
    await deployImage(target, image('v1.2.0'), 'd2', deps, budget, { source: 'push' });
    const appliedBefore = fake.appliedObjects().length;
    const recordsBefore = releasesIn(fake, 'crypto-oms', 'crypto-oms');

    // Act
    const again = await deployImage(target, image('v1.2.0'), 'd3', deps, budget, { source: 'push' });
    const replayed = await deployImage(target, first, 'd4', deps, budget, { source: 'push' });

    // Assess
    expect(again).toEqual({ outcome: 'unchanged', reason: `${ORDER_INGESTION}:v1.2.0@${image('v1.2.0').digest} already runs` });
    expect(replayed).toEqual({
      outcome: 'duplicate',
      reason: `${ORDER_INGESTION}:v1.1.0@${first.digest} was already released (release 1): a replay changes nothing`,
    });
    expect(fake.appliedObjects()).toHaveLength(appliedBefore);
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')).toEqual(recordsBefore);
  });

  it('rolls a failed rollout (ProgressDeadlineExceeded) back to the previous successful release and records why', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS, { rollout: { 'order-ingestion': failingTag('v1.2.0', deadlineExceeded) } });
    const good = image('v1.1.0');
    await deployImage(target, good, 'd1', deps, budget);

    // Act
    const outcome = await deployImage(target, image('v1.2.0'), 'd2', deps, budget);

    // Assess
    const reason =
      'Deployment crypto-oms/order-ingestion exceeded its progress deadline (ProgressDeadlineExceeded): ReplicaSet "order-ingestion-7d9f" has timed out progressing.';
    expect(outcome).toEqual({ outcome: 'rolled-back', revision: 2, rollback: 3, reason });
    expect(deploymentImage(fake, 'crypto-oms', 'order-ingestion')).toBe(`ghcr.io/crypto-oms/order-ingestion:v1.1.0@${good.digest}`);
    const releases = releasesIn(fake, 'crypto-oms', 'crypto-oms');
    expect(releases.map((record) => [record.revision, record.kind, record.result])).toEqual([
      [1, 'deploy', 'succeeded'],
      [2, 'deploy', 'rolled-back'],
      [3, 'rollback', 'succeeded'],
    ]);
    expect(releases[1]).toMatchObject({ reason, rolledBackTo: 3 });
    expect(releases[2]).toMatchObject({ rollbackOf: 2, reason: `rollback of release 2 to release 1: ${reason}` });
  });

  it("rolls back a rollout that stalls past the workload's timeout, polling within the invocation", async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS, { rollout: { 'order-ingestion': failingTag('v1.2.0', stalled) } });
    await deployImage(target, image('v1.1.0'), 'd1', deps, budget);

    // Act
    const outcome = await deployImage(target, image('v1.2.0'), 'd2', deps, budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'rolled-back', revision: 2, rollback: 3 });
    expect(clock - START).toBe(600_000);
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')[1]?.reason).toBe(
      'rollout stalled: not finished within 600 s (Deployment crypto-oms/order-ingestion: 1 old replicas pending termination)',
    );
    expect(deploymentImage(fake, 'crypto-oms', 'order-ingestion')).toContain(':v1.1.0@');
  });

  it('hands the watch on through the queue when the invocation runs short, and the next invocation finishes it', async () => {
    // Prepare
    let slow = true;
    const {
      target,
      deps,
      cluster: fake,
    } = await setUp(CRYPTO_OMS, { rollout: { 'order-ingestion': (object, reads) => (slow ? stalled(object, reads) : undefined) } });
    const shortBudget: Budget = { remainingMs: () => 40_000 - (clock - START) };

    // Act
    const first = await deployImage(target, image('v1.1.0'), 'd1', deps, shortBudget);
    slow = false;
    const [handedOn] = sent;
    const message = JSON.parse(handedOn?.body ?? '{}') as WatchMessage;
    const second = await continueWatch(target, message, deps, { remainingMs: () => 900_000 });

    // Assess
    expect(first).toEqual({ outcome: 'watching', revision: 1, pending: 'Deployment crypto-oms/order-ingestion: 1 old replicas pending termination' });
    expect(message).toEqual({ type: 'watch', cluster: 'crypto-oms', workload: 'crypto-oms', revision: 1, deliveryId: 'd1', attempt: 1 });
    expect(handedOn?.groupId).toBe('crypto-oms/crypto-oms');
    expect(second).toMatchObject({ outcome: 'succeeded', revision: 1 });
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')[0]?.result).toBe('succeeded');
  });

  it('drops a handed-on watch whose release a newer deploy superseded', async () => {
    // Prepare
    let slow = true;
    const { target, deps } = await setUp(CRYPTO_OMS, { rollout: { 'order-ingestion': (object, reads) => (slow ? stalled(object, reads) : undefined) } });
    await deployImage(target, image('v1.1.0'), 'd1', deps, { remainingMs: () => 40_000 - (clock - START) });
    slow = false;
    await deployImage(target, image('v1.2.0'), 'd2', deps, { remainingMs: () => 900_000 });
    const message = JSON.parse(sent[0]?.body ?? '{}') as WatchMessage;

    // Act
    const outcome = await continueWatch(target, message, deps, { remainingMs: () => 900_000 });

    // Assess
    expect(outcome).toEqual({ outcome: 'ignored', reason: 'release 1 is superseded: nothing to watch' });
  });

  it('records a first deploy that fails with no earlier release to return to', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS, { rollout: { 'order-ingestion': deadlineExceeded } });

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'd1', deps, budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'failed', revision: 1 });
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')[0]?.reason).toMatch(/; no earlier successful release to roll back to$/);
  });

  it('records an apply the API server rejects and rolls back', async () => {
    // Prepare
    let reject = false;
    const {
      target,
      deps,
      budget,
      cluster: fake,
    } = await setUp(CRYPTO_OMS, {
      intercept: (request) =>
        reject && request.method === 'PATCH' && request.path.endsWith('/deployments/order-ingestion') && request.body.includes(':v1.2.0@')
          ? status(422, 'Invalid', 'Deployment.apps "order-ingestion" is invalid: spec.template.spec.containers[0].image: Invalid value')
          : undefined,
    });
    await deployImage(target, image('v1.1.0'), 'd1', deps, budget);
    reject = true;

    // Act
    const outcome = await deployImage(target, image('v1.2.0'), 'd2', deps, budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'rolled-back', revision: 2, rollback: 3 });
    expect(releasesIn(fake, 'crypto-oms', 'crypto-oms')[1]?.reason).toMatch(
      /^apply failed: Deployment crypto-oms\/order-ingestion: cluster fake rejected the request .*\(422\)/,
    );
  });

  it('rolls back by hand to a named release, and to the previous successful one when none is named', async () => {
    // Prepare
    const { target, deps, budget, cluster: fake } = await setUp(CRYPTO_OMS);
    const v1 = image('v1.1.0');
    await deployImage(target, v1, 'd1', deps, budget);
    await deployImage(target, image('v1.2.0'), 'd2', deps, budget);
    await deployImage(target, image('v1.3.0'), 'd3', deps, budget);

    // Act
    const toPrevious = await rollbackTo(target, undefined, 'manual-a', deps, budget);
    const toFirst = await rollbackTo(target, 1, 'manual-b', deps, budget);
    const unknown = await rollbackTo(target, 42, 'manual-c', deps, budget);

    // Assess
    expect(toPrevious).toMatchObject({ outcome: 'succeeded', revision: 4 });
    expect(toFirst).toMatchObject({ outcome: 'succeeded', revision: 5 });
    expect(unknown).toEqual({ outcome: 'ignored', reason: 'no applied release 42; applied releases: 1, 2, 3, 4, 5' });
    const releases = releasesIn(fake, 'crypto-oms', 'crypto-oms');
    expect(releases[3]).toMatchObject({ kind: 'rollback', rollbackOf: 3, reason: 'manual rollback to release 2' });
    expect(deploymentImage(fake, 'crypto-oms', 'order-ingestion')).toBe(`ghcr.io/crypto-oms/order-ingestion:v1.1.0@${v1.digest}`);
  });
});
