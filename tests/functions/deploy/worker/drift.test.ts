import { checkDrift } from '../../../../functions/deploy/worker/drift';
import { planPushOffline } from '../../../../functions/deploy/model/offline';
import { deployImage } from '../../../../functions/deploy/worker/run';
import type { WorkerDeps } from '../../../../functions/deploy/worker/run';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { status } from '../../../../testing/kubernetes-api-server';
import { startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS, digestOf, FINANCIAL_MOVE, registryPackagePayload } from '../../../../testing/deploy-events';
import { FakeSecretValues } from '../../../../testing/secret-values';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('drift check and offline plan', () => {
  let cluster: FakeCluster | undefined;
  let targets: DeployTarget[];

  beforeAll(async () => {
    targets = await targetsOf(await loadSpecs([CRYPTO_OMS, FINANCIAL_MOVE]));
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  function crypto(overrides: Partial<DeployTarget['workload']> = {}): DeployTarget {
    const target = targets.find((item) => item.cluster === 'crypto-oms');
    if (target === undefined) throw new Error('no crypto-oms target');
    return { ...target, workload: { ...target.workload, ...overrides } };
  }

  it.each([
    ['report', false, 'Drifted', 'postgres://oms:test-only@db/oms'],
    ['remediate', true, 'Converged', 'postgres://oms:rotated@db/oms'],
  ])(
    'finds a rotated Secrets Manager value on the next drift check (onDrift: %s, remediate: %s), reports it %s, and never shows the value',
    async (_onDrift, remediate, expected, landed) => {
      // Prepare
      cluster = await startFakeCluster();
      const target = crypto();
      const source = new FakeSecretValues();
      const logs: string[] = [];
      const logger = {
        info: (message: string, facts?: object) => logs.push(JSON.stringify({ message, facts })),
        warn: (message: string, facts?: object) => logs.push(JSON.stringify({ message, facts })),
        error: (message: string, facts?: object) => logs.push(JSON.stringify({ message, facts })),
      };
      const deps: WorkerDeps = {
        targets: () => Promise.resolve([target]),
        connect: () => Promise.resolve(cluster?.port as never),
        queue: { send: () => Promise.resolve([]) },
        now: () => new Date(0),
        sleep: () => Promise.resolve(),
        logger,
        secretValues: source,
      };
      await deployImage(target, { repository: 'ghcr.io/crypto-oms/order-ingestion', tag: 'v1.1.0', digest: digestOf('v1.1.0') }, 'd1', deps, {
        remainingMs: () => 900_000,
      });
      const before = await checkDrift(target, cluster.port, logger, { remediate, now: new Date(0), secretValues: source });
      source.set('eks-pilot/crypto-oms/app-secrets', {
        DATABASE_URL: 'postgres://oms:rotated@db/oms',
        EXCHANGE_API_KEY: 'test-key',
        EXCHANGE_API_SECRET: 'test-secret',
      });

      // Act
      const after = await checkDrift(target, cluster.port, logger, { remediate, now: new Date(0), secretValues: source });

      // Assess
      expect(before).toMatchObject({ status: 'Converged', drift: [] });
      expect(after).toMatchObject({ status: expected, drift: ['Secret crypto-oms/app-secrets data.DATABASE_URL'] });
      const secret = cluster.objects.get('/api/v1/namespaces/crypto-oms/secrets/app-secrets');
      expect((secret?.data as Record<string, string> | undefined)?.DATABASE_URL).toBe(Buffer.from(landed).toString('base64'));
      const shown = JSON.stringify([after, logs, await cluster.port.get('v1', 'ConfigMap', 'crypto-oms', 'eks-pilot-releases-crypto-oms')]);
      expect(shown).toContain('eks-pilot-releases-crypto-oms');
      expect(shown).not.toContain('rotated@db');
      expect(shown).not.toContain(Buffer.from('postgres://oms:rotated@db/oms').toString('base64'));
    },
  );

  it('re-applies a drifted workload at its current release when the spec says remediate', async () => {
    // Prepare
    cluster = await startFakeCluster();
    const target = crypto({ onDrift: 'remediate' });
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(cluster?.port as never),
      queue: { send: () => Promise.resolve([]) },
      now: () => new Date(0),
      sleep: () => Promise.resolve(),
      logger: silent,
      secretValues: new FakeSecretValues(),
    };
    const pushed = { repository: 'ghcr.io/crypto-oms/order-ingestion', tag: 'v1.1.0', digest: digestOf('v1.1.0') };
    await deployImage(target, pushed, 'd1', deps, { remainingMs: () => 900_000 });
    const path = '/apis/apps/v1/namespaces/crypto-oms/deployments/order-ingestion';
    const live = cluster.objects.get(path) as KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    const container = live.spec.template.spec.containers[0];
    if (container !== undefined) container.image = 'ghcr.io/crypto-oms/order-ingestion:latest';

    // Act
    const report = await checkDrift(target, cluster.port, silent, { remediate: true, now: new Date(0), secretValues: new FakeSecretValues() });

    // Assess
    expect(report).toMatchObject({ status: 'Converged', drift: ['Deployment crypto-oms/order-ingestion spec.template.spec.containers[0].image'] });
    expect(JSON.stringify(cluster.objects.get(path)?.spec)).toContain(`order-ingestion:v1.1.0@${pushed.digest}`);
  });

  it('reports objects it applied before that left the manifests, and deletes them only when remediating', async () => {
    // Prepare
    const leftover: KubernetesObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'old-config', namespace: 'crypto-oms', labels: { 'eks-pilot.io/workload': 'crypto-oms' } },
    };
    const leftoverPath = '/api/v1/namespaces/crypto-oms/configmaps/old-config';
    cluster = await startFakeCluster();
    const target = crypto({ prune: true });
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(cluster?.port as never),
      queue: { send: () => Promise.resolve([]) },
      now: () => new Date(0),
      sleep: () => Promise.resolve(),
      logger: silent,
      secretValues: new FakeSecretValues(),
    };
    await deployImage(target, { repository: 'ghcr.io/crypto-oms/order-ingestion', tag: 'v1.1.0', digest: digestOf('v1.1.0') }, 'd1', deps, {
      remainingMs: () => 900_000,
    });
    cluster.objects.set(leftoverPath, leftover);

    // Act
    const reported = await checkDrift(target, cluster.port, silent, { remediate: false, now: new Date(0), secretValues: new FakeSecretValues() });
    const deletesAfterReport = cluster.server.requests.filter((request) => request.method === 'DELETE').length;
    const remediated = await checkDrift(target, cluster.port, silent, { remediate: true, now: new Date(0), secretValues: new FakeSecretValues() });

    // Assess
    expect(reported).toMatchObject({ status: 'Drifted', drift: [], orphans: ['ConfigMap crypto-oms/old-config'], pruned: [] });
    expect(deletesAfterReport).toBe(0);
    expect(remediated).toMatchObject({ orphans: ['ConfigMap crypto-oms/old-config'], pruned: ['ConfigMap crypto-oms/old-config'] });
    expect(cluster.server.requests.filter((request) => request.method === 'DELETE').map((request) => request.path)).toEqual([leftoverPath]);
    expect(cluster.objects.has(leftoverPath)).toBe(false);
  });

  it('reports every orphan delete it could not do, and deletes the others', async () => {
    // Prepare
    const leftover = (name: string): KubernetesObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'crypto-oms', labels: { 'eks-pilot.io/workload': 'crypto-oms' } },
    });
    cluster = await startFakeCluster({
      seed: { '/api/v1/namespaces/crypto-oms/configmaps/old-a': leftover('old-a'), '/api/v1/namespaces/crypto-oms/configmaps/old-b': leftover('old-b') },
      intercept: (request) =>
        request.method === 'DELETE' && request.path.endsWith('/old-a')
          ? status(
              403,
              'Forbidden',
              'configmaps "old-a" is forbidden: User "deploy" cannot delete resource "configmaps" in API group "" in the namespace "crypto-oms"',
              { name: 'old-a', kind: 'configmaps' },
            )
          : undefined,
    });
    const target = crypto({ prune: true });

    // Act
    const report = await checkDrift(target, cluster.port, silent, { remediate: true, now: new Date(0), secretValues: new FakeSecretValues() });

    // Assess
    expect(report.pruned).toEqual(['ConfigMap crypto-oms/old-b']);
    expect(report.notPruned).toEqual([
      expect.stringMatching(
        /^ConfigMap crypto-oms\/old-a: Kubernetes API of cluster fake forbids us to delete ConfigMap crypto-oms\/old-a \(403 Forbidden\)/,
      ) as string,
    ]);
    expect(cluster.objects.has('/api/v1/namespaces/crypto-oms/configmaps/old-a')).toBe(true);
  });

  it('prunes during a deploy the objects that left the manifests when the workload prunes', async () => {
    // Prepare
    const leftover: KubernetesObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'old-config', namespace: 'crypto-oms', labels: { 'eks-pilot.io/workload': 'crypto-oms' } },
    };
    cluster = await startFakeCluster({ seed: { '/api/v1/namespaces/crypto-oms/configmaps/old-config': leftover } });
    const target = crypto({ prune: true });
    const deps: WorkerDeps = {
      targets: () => Promise.resolve([target]),
      connect: () => Promise.resolve(cluster?.port as never),
      queue: { send: () => Promise.resolve([]) },
      now: () => new Date(0),
      sleep: () => Promise.resolve(),
      logger: silent,
      secretValues: new FakeSecretValues(),
    };

    // Act
    await deployImage(target, { repository: 'ghcr.io/crypto-oms/order-ingestion', tag: 'v1.1.0', digest: digestOf('v1.1.0') }, 'd1', deps, {
      remainingMs: () => 900_000,
    });

    // Assess
    expect(cluster.server.requests.filter((request) => request.method === 'DELETE').map((request) => `${request.path}?${request.query.toString()}`)).toEqual([
      '/api/v1/namespaces/crypto-oms/configmaps/old-config?propagationPolicy=Background',
    ]);
  });

  it('plans a webhook payload offline: which workloads change and their rendered objects', () => {
    // Prepare
    const payload = registryPackagePayload('financial-move', 'task-service', 'v1.3.0', digestOf('t'));

    // Act
    const plan = planPushOffline(targets, 'registry_package', payload, new Date(0));

    // Assess
    expect(plan.image).toBe(`ghcr.io/financial-move/task-service:v1.3.0@${digestOf('t')}`);
    expect(plan.plans.map((item) => `${item.cluster}/${item.workload}`)).toEqual(['financial-move/prod']);
    expect(plan.plans[0]?.images).toEqual([
      { object: 'Deployment prod/task-service', container: 'task-service', from: 'ghcr.io/financial-move/task-service:v1.0.0', to: plan.image },
    ]);
    expect(plan.plans[0]?.objects[0]?.kind).toBe('Namespace');
  });

  it('plans nothing offline for an older version than the manifests run', () => {
    // Prepare
    const payload = registryPackagePayload('financial-move', 'task-service', 'v0.9.0', digestOf('t'));

    // Act
    const plan = planPushOffline(targets, 'registry_package', payload, new Date(0));

    // Assess
    expect(plan.plans).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        cluster: 'financial-move',
        workload: 'prod',
        reason: 'tag v0.9.0 of ghcr.io/financial-move/task-service matches no rule for environment prod (rules: semver >=1.0.0 (prod))',
      },
    ]);
  });
});
