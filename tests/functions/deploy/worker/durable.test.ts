import { deployImage, restoreWorkload } from '../../../../functions/deploy/worker/run';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import { ReleaseStoreError } from '../../../../shared/ports/release-store';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions } from '../../../../testing/fake-k8s';
import { status } from '../../../../testing/kubernetes-api-server';
import type { RecordedRequest } from '../../../../testing/kubernetes-api-server';
import { FakeReleaseStore } from '../../../../testing/fake-release-store';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';

const START = Date.parse('2026-11-22T12:00:00Z');
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';
const CONFIG_MAP = '/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms';
const KEY = { region: 'eu-west-1', cluster: 'crypto-oms', workload: 'crypto-oms' };
const budget: Budget = { remainingMs: () => 300_000 };

const image = (tag: string) => ({ repository: ORDER_INGESTION, tag, digest: digestOf(`${ORDER_INGESTION}:${tag}`) });
const isRecordWrite = (request: RecordedRequest): boolean => request.method === 'PATCH' && request.path === CONFIG_MAP && request.query.get('dryRun') === null;

describe('release records in the durable store', () => {
  let cluster: FakeCluster | undefined;
  let logs: { level: string; message: string }[];

  async function setUp(store: FakeReleaseStore, options: FakeClusterOptions = {}): Promise<{ target: DeployTarget; deps: WorkerDeps; cluster: FakeCluster }> {
    const started = await startFakeCluster(options);
    cluster = started;
    const [target] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
    if (target === undefined) throw new Error('crypto-oms has no workload');
    let clock = START;
    const record = (level: string) => (message: string) => {
      logs.push({ level, message });
    };
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(started.port),
      queue: { send: (messages) => Promise.resolve(messages.map((_, index) => `m${index}`)) },
      releases: store,
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
    return { target, deps, cluster: started };
  }

  const inCluster = (fake: FakeCluster): ReleaseRecord[] =>
    JSON.parse((fake.objects.get(CONFIG_MAP)?.data as Record<string, string> | undefined)?.[RELEASES_KEY] ?? '[]') as ReleaseRecord[];

  beforeEach(() => {
    logs = [];
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('writes every release record to the durable store before the in-cluster ConfigMap, and both end the same', async () => {
    // Prepare: at each ConfigMap write, how many durable writes had landed.
    const store = new FakeReleaseStore();
    const durableWritesAtEachRecord: number[] = [];
    const {
      target,
      deps,
      cluster: fake,
    } = await setUp(store, {
      intercept: (request) => {
        if (isRecordWrite(request)) durableWritesAtEachRecord.push(store.calls.filter((call) => call.name === 'write' && call.outcome === 'ok').length);
        return undefined;
      },
    });

    // Act
    const outcome = await deployImage(target, image('v1.1.0'), 'delivery-1', deps, budget, { source: 'push' });

    // Assess: progressing, then succeeded; each ConfigMap write after the durable one of the same history.
    expect(outcome.outcome).toBe('succeeded');
    expect(durableWritesAtEachRecord).toEqual([1, 2]);
    expect(store.records(KEY)).toEqual(inCluster(fake));
    expect(store.entry(KEY)?.version).toBe(2);
    expect((store.records(KEY) as ReleaseRecord[]).map((record) => [record.revision, record.result])).toEqual([[1, 'succeeded']]);
  });

  it('reports no release while the durable store is down: nothing recorded in the cluster, and the error goes back to the queue', async () => {
    // Prepare
    const store = new FakeReleaseStore();
    const { target, deps, cluster: fake } = await setUp(store);
    store.failNext('write');

    // Act
    const deployed = deployImage(target, image('v1.1.0'), 'delivery-1', deps, budget, { source: 'push' });

    // Assess
    await expect(deployed).rejects.toBeInstanceOf(ReleaseStoreError);
    expect(fake.objects.get(CONFIG_MAP)).toBeUndefined();
    expect(store.entry(KEY)).toBeUndefined();
  });

  it('goes on when the ConfigMap write is lost after the durable one, says so, and the next write repairs the ConfigMap', async () => {
    // Prepare: the API server refuses the first record write (a 500), as a control plane restarting would.
    const store = new FakeReleaseStore();
    let refused = 0;
    const {
      target,
      deps,
      cluster: fake,
    } = await setUp(store, {
      intercept: (request) => {
        if (!isRecordWrite(request) || refused > 0) return undefined;
        refused += 1;
        return status(500, 'InternalError', 'etcdserver: request timed out');
      },
    });

    // Act
    const first = await deployImage(target, image('v1.1.0'), 'delivery-1', deps, budget, { source: 'push' });
    const second = await deployImage(target, image('v1.2.0'), 'delivery-2', deps, budget, { source: 'push' });

    // Assess
    expect([first.outcome, second.outcome]).toEqual(['succeeded', 'succeeded']);
    expect(logs).toContainEqual({ level: 'warn', message: 'in-cluster release record not written; the durable store has it' });
    expect(inCluster(fake).map((record) => [record.revision, record.result])).toEqual([
      [1, 'succeeded'],
      [2, 'succeeded'],
    ]);
    expect(store.records(KEY)).toEqual(inCluster(fake));
  });

  it('reads the durable copy first: a record edited into the ConfigMap changes nothing deploy believes', async () => {
    // Prepare
    const store = new FakeReleaseStore();
    const { target, deps, cluster: fake } = await setUp(store);
    await deployImage(target, image('v1.1.0'), 'delivery-1', deps, budget, { source: 'push' });
    const configMap = fake.objects.get(CONFIG_MAP);
    if (configMap === undefined) throw new Error('no ConfigMap');
    fake.objects.set(CONFIG_MAP, { ...configMap, data: { [RELEASES_KEY]: '[]' } });

    // Act: the same push again is a replay, as the durable history says.
    const replay = await deployImage(target, image('v1.1.0'), 'delivery-1b', deps, budget, { source: 'push' });

    // Assess
    expect(replay).toEqual({ outcome: 'unchanged', reason: `${ORDER_INGESTION}:v1.1.0@${digestOf(`${ORDER_INGESTION}:v1.1.0`)} already runs` });
  });

  it('restores a workload into an empty cluster at its last successful release, pinned by digest, once per rebuild', async () => {
    // Prepare: two releases went out to a cluster that is now gone; a new, empty one stands in.
    const store = new FakeReleaseStore();
    const old = await setUp(store);
    await deployImage(old.target, image('v1.1.0'), 'delivery-1', old.deps, budget, { source: 'push' });
    await deployImage(old.target, image('v1.2.0'), 'delivery-2', old.deps, budget, { source: 'push' });
    await old.cluster.close();
    const { target, deps, cluster: fresh } = await setUp(store);

    // Act
    const restored = await restoreWorkload(target, 'rebuild-r1', deps, budget);
    const again = await restoreWorkload(target, 'rebuild-r1', deps, budget);

    // Assess
    expect(restored).toMatchObject({ outcome: 'succeeded', revision: 3 });
    expect(again).toEqual({ outcome: 'duplicate', reason: 'rebuild-r1 was already handled (release 3, succeeded)' });
    const deployment = fresh.objects.get('/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion') as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]?.image).toBe(`${ORDER_INGESTION}:v1.2.0@${digestOf(`${ORDER_INGESTION}:v1.2.0`)}`);
    expect(inCluster(fresh).at(-1)).toMatchObject({ kind: 'restore', result: 'succeeded', reason: 'restore of release 2 after a rebuild of the cluster' });
  });
});
