import { checkDrift } from '../../../../functions/deploy/worker/drift';
import { honourOverride } from '../../../../functions/deploy/worker/honour-override';
import { deployImage } from '../../../../functions/deploy/worker/run';
import type { Budget, WorkerDeps } from '../../../../functions/deploy/worker/run';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import type { ReplicaRecord } from '../../../../shared/model/overrides';
import { readReplicaRecord, REPLICA_OVERRIDE_ANNOTATION, replicaRecordAnnotations } from '../../../../shared/model/overrides';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';

const START = Date.parse('2026-11-22T12:00:00Z');
const MINUTE = 60_000;
const EXPIRES = new Date(START + 30 * MINUTE);
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';
const HPA_PATH = '/apis/autoscaling/v2/namespaces/crypto-oms/horizontalpodautoscalers/order-ingestion';
const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion';

/** What scale-watch records when it raises order-ingestion's maxReplicas from 10 to 15. */
const RAISED: ReplicaRecord = { max: 15, specMax: 10, expires: EXPIRES, alarm: 'crypto-oms-ingestion-cpu-high', stepAt: new Date(START) };

type Hpa = KubernetesObject & { spec: { minReplicas?: number; maxReplicas: number } };

function image(tag: string): { repository: string; tag: string; digest: string } {
  return { repository: ORDER_INGESTION, tag, digest: digestOf(`${ORDER_INGESTION}:${tag}`) };
}

describe('deploy honours an active scale-watch override on an HPA', () => {
  let cluster: FakeCluster | undefined;
  let target: DeployTarget;
  let clock: number;
  const logs: { message: string; facts: Record<string, unknown> }[] = [];
  const budget: Budget = { remainingMs: () => 900_000 };

  beforeAll(async () => {
    const [found] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
    if (found === undefined) throw new Error('crypto-oms has no workload');
    target = found;
  });

  beforeEach(() => {
    clock = START;
    logs.length = 0;
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  function depsFor(fake: FakeCluster, deployed: DeployTarget): WorkerDeps {
    const record = (message: string, facts: Record<string, unknown>): void => {
      logs.push({ message, facts });
    };
    return {
      targets: () => Promise.resolve([deployed]),
      connect: () => Promise.resolve(fake.port),
      queue: { send: () => Promise.resolve([]) },
      now: () => new Date(clock),
      sleep: () => Promise.resolve(),
      logger: { info: record, warn: record, error: record },
      secretValues: new FakeSecretValues(),
    };
  }

  /** The workload with order-ingestion's HPA at another maxReplicas in its manifest. */
  function withManifestMax(maxReplicas: number): DeployTarget {
    const objects = target.objects.map((item) => {
      if (item.object.kind !== 'HorizontalPodAutoscaler' || item.object.metadata.name !== 'order-ingestion') return item;
      const object = structuredClone(item.object) as Hpa;
      object.spec.maxReplicas = maxReplicas;
      return { ...item, object };
    });
    return { ...target, objects };
  }

  /** Deploys v1.1.0, then does to the live HPA what scale-watch's merge patch does. */
  async function deployedAndRaised(): Promise<FakeCluster> {
    const fake = await startFakeCluster();
    cluster = fake;
    await deployImage(target, image('v1.1.0'), 'd1', depsFor(fake, target), budget);
    const live = fake.objects.get(HPA_PATH) as Hpa;
    live.spec.maxReplicas = 15;
    live.metadata.annotations = { ...live.metadata.annotations, ...replicaRecordAnnotations(RAISED) };
    return fake;
  }

  function appliedHpa(fake: FakeCluster): Hpa {
    const applies = fake.applies().filter((request) => request.path === HPA_PATH && request.query.get('dryRun') === null);
    return JSON.parse(applies.at(-1)?.body ?? '{}') as Hpa;
  }

  it('keeps the raised maxReplicas during an active override and records the manifest’s new maximum to restore', async () => {
    // Prepare
    const fake = await deployedAndRaised();
    const raisedManifest = withManifestMax(12);
    clock = START + 10 * MINUTE;
    const requestsBefore = fake.server.requests.length;

    // Act
    const outcome = await deployImage(raisedManifest, image('v1.2.0'), 'd2', depsFor(fake, raisedManifest), budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 2 });
    const requests = fake.server.requests
      .slice(requestsBefore)
      .filter((request) => request.path === HPA_PATH)
      .map((request) => `${request.method} ${request.headers['content-type'] ?? ''}`);
    expect(requests).toEqual(['GET ', 'PATCH application/apply-patch+yaml']);
    const body = appliedHpa(fake);
    expect(body.spec.maxReplicas).toBe(15);
    expect(body.spec.minReplicas).toBe(3);
    expect(body.metadata.annotations).toEqual({ [REPLICA_OVERRIDE_ANNOTATION.specMaxReplicas]: '12' });
    const stored = fake.objects.get(HPA_PATH) as Hpa;
    expect(stored.spec.maxReplicas).toBe(15);
    expect(readReplicaRecord(stored.metadata.annotations, new Date(clock))).toEqual({ kind: 'active', record: { ...RAISED, specMax: 12 } });
    expect(logs.find((line) => line.message === 'scale-watch override kept')?.facts).toMatchObject({
      object: 'HorizontalPodAutoscaler crypto-oms/order-ingestion',
      maxReplicas: 15,
      expires: EXPIRES.toISOString(),
      alarm: 'crypto-oms-ingestion-cpu-high',
    });
  });

  it('applies the manifest’s maxReplicas once the override has expired', async () => {
    // Prepare
    const fake = await deployedAndRaised();
    const raisedManifest = withManifestMax(12);
    clock = EXPIRES.getTime() + MINUTE;

    // Act
    const outcome = await deployImage(raisedManifest, image('v1.2.0'), 'd2', depsFor(fake, raisedManifest), budget);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'succeeded', revision: 2 });
    const body = appliedHpa(fake);
    expect(body.spec.maxReplicas).toBe(12);
    expect(body.metadata.annotations).toBeUndefined();
    expect((fake.objects.get(HPA_PATH) as Hpa).spec.maxReplicas).toBe(12);
    expect(logs.some((line) => line.message === 'scale-watch override kept')).toBe(false);
  });

  it('reports no HPA drift while the override is active, and reports the raised maxReplicas once it has expired', async () => {
    // Prepare
    const fake = await deployedAndRaised();

    // Act
    const during = await checkDrift(target, fake.port, depsFor(fake, target).logger, {
      remediate: false,
      now: new Date(START + 10 * MINUTE),
      secretValues: new FakeSecretValues(),
    });
    const after = await checkDrift(target, fake.port, depsFor(fake, target).logger, {
      remediate: false,
      now: new Date(EXPIRES.getTime() + MINUTE),
      secretValues: new FakeSecretValues(),
    });

    // Assess
    expect(during).toMatchObject({ status: 'Converged', drift: [] });
    expect(after).toMatchObject({ status: 'Drifted', drift: ['HorizontalPodAutoscaler crypto-oms/order-ingestion spec.maxReplicas'] });
    expect((fake.objects.get(HPA_PATH) as Hpa).spec.maxReplicas).toBe(15);
  });

  it('does not lower an active override when it remediates other drift of the workload', async () => {
    // Prepare
    const fake = await deployedAndRaised();
    const deployment = fake.objects.get(DEPLOYMENT_PATH) as KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    const container = deployment.spec.template.spec.containers[0];
    if (container !== undefined) container.image = `${ORDER_INGESTION}:latest`;

    // Act
    const report = await checkDrift(target, fake.port, depsFor(fake, target).logger, {
      remediate: true,
      now: new Date(START + 10 * MINUTE),
      secretValues: new FakeSecretValues(),
    });

    // Assess
    expect(report).toMatchObject({ status: 'Converged', drift: ['Deployment crypto-oms/order-ingestion spec.template.spec.containers[0].image'] });
    expect(appliedHpa(fake).spec.maxReplicas).toBe(15);
    expect((fake.objects.get(HPA_PATH) as Hpa).spec.maxReplicas).toBe(15);
  });
});

describe('honourOverride', () => {
  const now = new Date(START);
  const hpa: KubernetesObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: { minReplicas: 2, maxReplicas: 10 },
  };
  const scaledObject: KubernetesObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { scaleTargetRef: { name: 'web' }, maxReplicaCount: 20 },
  };
  const liveWith = (object: KubernetesObject, annotations: Record<string, string>): KubernetesObject => ({
    ...object,
    metadata: { ...object.metadata, annotations },
  });
  const record = (values: Partial<ReplicaRecord>): Record<string, string> =>
    replicaRecordAnnotations({ expires: EXPIRES, alarm: 'web-cpu', stepAt: new Date(START - MINUTE), ...values });

  it.each([
    {
      name: 'an HPA under an active max override gets the raised max and the manifest’s max to restore',
      rendered: hpa,
      annotations: record({ max: 16, specMax: 8 }),
      spec: { minReplicas: 2, maxReplicas: 16 },
      written: { 'eks-pilot/spec-max-replicas': '10' },
    },
    {
      name: 'an HPA under an active min and max override gets both',
      rendered: hpa,
      annotations: record({ min: 4, max: 16, specMin: 2, specMax: 10 }),
      spec: { minReplicas: 4, maxReplicas: 16 },
      written: { 'eks-pilot/spec-min-replicas': '2', 'eks-pilot/spec-max-replicas': '10' },
    },
    {
      name: 'a ScaledObject gets minReplicaCount and maxReplicaCount, an unset manifest minimum restored as unset',
      rendered: scaledObject,
      annotations: record({ min: 3, max: 30, specMin: null, specMax: 20 }),
      spec: { scaleTargetRef: { name: 'web' }, minReplicaCount: 3, maxReplicaCount: 30 },
      written: { 'eks-pilot/spec-min-replicas': '', 'eks-pilot/spec-max-replicas': '20' },
    },
  ])('$name', ({ rendered, annotations, spec, written }) => {
    // Prepare
    const before = structuredClone(rendered);

    // Act
    const honoured = honourOverride(rendered, liveWith(rendered, annotations), now);

    // Assess
    expect(honoured.object.spec).toEqual(spec);
    expect(honoured.object.metadata.annotations).toEqual(written);
    expect(honoured.object.metadata.labels).toEqual(rendered.metadata.labels);
    expect(honoured.override?.expires).toEqual(EXPIRES);
    expect(rendered).toEqual(before);
  });

  it.each([
    {
      name: 'an expired override',
      rendered: hpa,
      live: liveWith(hpa, replicaRecordAnnotations({ max: 16, specMax: 10, expires: new Date(START - 1), alarm: 'web-cpu' })),
    },
    {
      name: 'a malformed override',
      rendered: hpa,
      live: liveWith(hpa, { [REPLICA_OVERRIDE_ANNOTATION.maxReplicas]: 'many', [REPLICA_OVERRIDE_ANNOTATION.expires]: EXPIRES.toISOString() }),
    },
    { name: 'no override', rendered: hpa, live: liveWith(hpa, { team: 'shop' }) },
    { name: 'an object not yet in the cluster', rendered: hpa, live: null },
    {
      name: 'a kind scale-watch does not raise',
      rendered: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
      live: liveWith(hpa, record({ max: 16 })),
    },
  ])('applies the manifest as it is for $name', ({ rendered, live }) => {
    // Prepare
    const at = now;

    // Act
    const honoured = honourOverride(rendered, live, at);

    // Assess
    expect(honoured).toEqual({ object: rendered });
  });
});
