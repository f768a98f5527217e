/**
 * One writer per workload (functions/deploy/worker/lease.ts): a manual deploy from the CLI and a
 * queued push meet on crypto-oms, a watch outlives half its lease, the lease's answer is lost, and
 * the schedule asks a workload with nothing held. The lease store is testing/fake-lease.ts (one
 * item per key, conditional as the DynamoDB adapter's; each call yields, so two runs interleave).
 */
import { decideHeld, deployImage } from '../../../../functions/deploy/worker/run';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import { deployLeaseKey, WorkloadBusyError } from '../../../../functions/deploy/worker/lease';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { RELEASES_KEY } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { LeaseLostError, LeaseStoreError } from '../../../../shared/ports/lease';
import { completeStatus, startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster, FakeClusterOptions } from '../../../../testing/fake-k8s';
import { FakeLeases } from '../../../../testing/fake-lease';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';
import { rejectionOf } from '../../../../testing/rejection';

const START = Date.parse('2026-12-01T12:00:00Z');
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';
const image = (tag: string) => ({ repository: ORDER_INGESTION, tag, digest: digestOf(`${ORDER_INGESTION}:${tag}`) });

let cluster: FakeCluster | undefined;
let clock: number;
let leases: FakeLeases;

beforeEach(() => {
  clock = START;
  leases = new FakeLeases();
});
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function setUp(
  options: FakeClusterOptions = {},
): Promise<{ target: DeployTarget; fake: FakeCluster; as: (holder: string) => WorkerDeps; budget: Budget }> {
  const fake = await startFakeCluster(options);
  cluster = fake;
  const [target] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
  if (target === undefined) throw new Error('crypto-oms has no workload');
  const quiet = (): void => undefined;
  const as = (holder: string): WorkerDeps => ({
    targets: () => Promise.resolve([target]),
    connect: () => Promise.resolve(fake.port),
    queue: { send: (messages) => Promise.resolve(messages.map((_, index) => `m${index}`)) },
    lease: { leaseFor: () => leases, holder, owner: () => holder.replace(/\W+/g, '-') },
    now: () => new Date(clock),
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    logger: { info: quiet, warn: quiet, error: quiet },
    secretValues: new FakeSecretValues(),
    pollMs: 5_000,
    reserveMs: 20_000,
  });
  return { target, fake, as, budget: { remainingMs: () => 900_000 - (clock - START) } };
}

function releasesIn(fake: FakeCluster): ReleaseRecord[] {
  const configMap = fake.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
  return JSON.parse((configMap?.data as Record<string, string> | undefined)?.[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
}

function runningImage(fake: FakeCluster): string | undefined {
  const deployment = fake.objects.get('/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion') as
    { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
  return deployment?.spec.template.spec.containers[0]?.image;
}

it('lets one of a manual deploy and a queued push that meet on a workload change it; the other changes nothing, names the holder, and deploys when tried again', async () => {
  // Prepare
  const { target, fake, as, budget } = await setUp();
  const cli = as('cli ana@laptop');
  const lambda = as('lambda eks-pilot-dev-deploy-worker');

  // Act: started together, as a CLI run and a Lambda run would be
  const [manual, pushed] = await Promise.allSettled([
    deployImage(target, image('v1.1.0'), 'manual-1', cli, budget, { source: 'manual' }),
    deployImage(target, image('v1.2.0'), 'delivery-1', lambda, budget, { source: 'push' }),
  ]);

  // Assess: the CLI took the lease first; the push changed nothing and says who holds the workload
  expect(manual).toMatchObject({ status: 'fulfilled', value: { outcome: 'succeeded', revision: 1 } });
  expect(pushed.status).toBe('rejected');
  const busy = pushed.status === 'rejected' ? (pushed.reason as unknown) : undefined;
  expect(busy).toBeInstanceOf(WorkloadBusyError);
  expect((busy as Error).message).toMatch(/^workload crypto-oms\/crypto-oms is being changed by cli ana@laptop \(lease until .+\); this run changed nothing/);
  expect(releasesIn(fake).map((record) => [record.revision, record.images[ORDER_INGESTION]])).toEqual([
    [1, `${ORDER_INGESTION}:v1.1.0@${image('v1.1.0').digest}`],
  ]);
  expect(runningImage(fake)).toBe(`${ORDER_INGESTION}:v1.1.0@${image('v1.1.0').digest}`);
  expect(leases.current(deployLeaseKey(target))).toBeUndefined();

  // Act: the queue delivers the push again
  const retried = await deployImage(target, image('v1.2.0'), 'delivery-1', lambda, budget, { source: 'push' });

  // Assess
  expect(retried).toMatchObject({ outcome: 'succeeded', revision: 2 });
  expect(runningImage(fake)).toBe(`${ORDER_INGESTION}:v1.2.0@${image('v1.2.0').digest}`);
  expect(releasesIn(fake).map((record) => [record.revision, record.result])).toEqual([
    [1, 'succeeded'],
    [2, 'succeeded'],
  ]);
});

it('renews the lease between the polls of a watch that outlives half of it, and stops writing once another run took it over', async () => {
  // Prepare: a rollout that needs 60 polls (5 minutes at 5 s). At poll 40 the run stalls for
  // 350 s, past its renewed lease, and another run takes the lease over meanwhile.
  const key = 'deploy/eu-west-1/crypto-oms/crypto-oms';
  const slow = (object: Parameters<typeof completeStatus>[0], reads: number): Record<string, unknown> => {
    if (reads === 40) {
      clock += 350_000;
      leases.hold(key, { owner: 'other-run', holder: 'lambda eks-pilot-prod-deploy-worker', expiresAt: new Date(clock + 360_000) });
    }
    return reads >= 60 ? completeStatus(object) : { observedGeneration: object.metadata.generation, replicas: 2, updatedReplicas: 1, readyReplicas: 1 };
  };
  const { target, fake, as, budget } = await setUp({ rollout: { 'order-ingestion': slow } });
  expect(deployLeaseKey(target)).toBe(key);

  // Act
  const failure = await rejectionOf(deployImage(target, image('v1.1.0'), 'manual-1', as('cli ana@laptop'), budget));

  // Assess: renewed once half the lease had run, then lost; the release stays as it was recorded
  expect(leases.calls.filter((call) => call.name === 'renew').map((call) => call.outcome)).toEqual(['ok', 'refused']);
  expect(failure).toBeInstanceOf(LeaseLostError);
  expect(failure.message).toContain('the lease of workload crypto-oms/crypto-oms ran out and another run took it over');
  expect(releasesIn(fake).map((record) => [record.revision, record.result])).toEqual([[1, 'progressing']]);
  expect(leases.current(key)?.owner).toBe('other-run');
});

it('gives back a lease whose answer was lost and changes nothing; the next run takes the lease and deploys', async () => {
  // Prepare
  const { target, fake, as, budget } = await setUp();
  leases.loseNextAnswer();

  // Act
  const failure = await rejectionOf(deployImage(target, image('v1.1.0'), 'delivery-1', as('lambda eks-pilot-dev-deploy-worker'), budget));

  // Assess
  expect(failure).toBeInstanceOf(LeaseStoreError);
  expect(fake.appliedObjects()).toEqual([]);
  expect(leases.current(deployLeaseKey(target))).toBeUndefined();
  await expect(deployImage(target, image('v1.1.0'), 'delivery-1', as('lambda eks-pilot-dev-deploy-worker'), budget)).resolves.toMatchObject({
    outcome: 'succeeded',
  });
});

it('answers the schedule for a workload with nothing held from a read, without taking its lease', async () => {
  // Prepare
  const { target, as, budget } = await setUp();

  // Act
  const outcome = await decideHeld(target, { action: 'schedule' }, as('lambda eks-pilot-dev-deploy-worker'), budget);

  // Assess
  expect(outcome).toMatchObject({ outcome: 'ignored' });
  expect(leases.calls).toEqual([]);
});
