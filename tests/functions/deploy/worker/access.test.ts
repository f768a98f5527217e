import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureLogLines } from '../../../../testing/log-lines';
import { namespaceScoped } from '../../../../testing/fake-k8s';
import { CRYPTO_OMS } from '../../../../testing/deploy-events';
import { push, WorkerHarness } from '../worker-harness';

const STARTER = readFileSync(path.join(__dirname, '../../../../examples/starter/cluster.yaml'), 'utf8');
const WEB = 'ghcr.io/acme/web';
const NAMESPACE = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'crypto-oms', uid: 'ns-1', labels: { 'kubernetes.io/metadata.name': 'crypto-oms' } },
};

describe('deploy under namespace-scoped access (AmazonEKSEditPolicy on the workload namespaces)', () => {
  const worker = new WorkerHarness();
  let dir: string | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads the Namespace that exists instead of applying it, and deploys', async () => {
    // Prepare: the platform created the namespace; deploy may only work inside it
    const logs = captureLogLines();
    const fake = await worker.start(CRYPTO_OMS, { intercept: namespaceScoped(['crypto-oms']), seed: { '/api/v1/namespaces/crypto-oms': NAMESPACE } });

    // Act
    const response = await worker.deliver([push('v1.1.0')]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(worker.releases()).toEqual([expect.objectContaining({ revision: 1, result: 'succeeded' })]);
    const namespaceRequests = fake.server.requests.filter((request) => request.path === '/api/v1/namespaces/crypto-oms');
    expect(namespaceRequests.map((request) => request.method)).toEqual(['GET']);
    expect(
      fake.server.requests
        .filter((request) => request.headers['content-type'] === 'application/apply-patch+yaml')
        .every((request) => request.path.startsWith('/api/v1/namespaces/crypto-oms/') || request.path.includes('/namespaces/crypto-oms/')),
    ).toBe(true);
    expect(logs.lines().find((line) => line.message === 'namespace exists: not applied')).toMatchObject({ object: 'Namespace crypto-oms' });
  });

  it('records a 403 once as refused, naming the missing permission, and never retries it', async () => {
    // Prepare: a workload in namespace shop whose manifests also write a ConfigMap into namespace shared
    captureLogLines();
    dir = mkdtempSync(path.join(tmpdir(), 'deploy-access-'));
    mkdirSync(path.join(dir, 'shop'));
    writeFileSync(
      path.join(dir, 'shop', '10-deployment.yaml'),
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: shop }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: "${WEB}:v1.0.0" }] }\n`,
    );
    writeFileSync(
      path.join(dir, 'shop', '20-shared.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shop-routes, namespace: shared }\ndata: { route: /shop }\n',
    );
    const spec = path.join(dir, 'cluster.yaml');
    writeFileSync(
      spec,
      `${STARTER}\nworkloads:\n  - name: shop\n    manifests: shop\n    images:\n      - repository: ${WEB}\n        tags: [{ semver: ">=1.0.0" }]\n`,
    );
    const fake = await worker.start(spec, { intercept: namespaceScoped(['shop']) });
    const message = push('v1.1.0', { repository: WEB, cluster: 'starter', workload: 'shop', deliveryId: 'delivery-403' });

    // Act: the delivery, and SQS's redelivery of it
    const first = await worker.deliver([message]);
    const again = await worker.deliver([message]);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    const history = worker.releases('shop', 'shop');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ revision: 1, result: 'refused', deliveryId: 'delivery-403' });
    expect(history[0]?.reason).toMatch(
      /^forbidden: deploy lacks the permission to patch configmaps in namespace shared \(Kubernetes API of cluster kind-test forbids us to apply ConfigMap shared\/shop-routes \(403 Forbidden\): configmaps "shop-routes" is forbidden: User "[^"]+" cannot patch resource "configmaps" in API group "" in the namespace "shared"/,
    );
    expect(fake.server.requests.filter((request) => request.path === '/api/v1/namespaces/shared/configmaps/shop-routes')).toHaveLength(1);
  });

  it('drops a message whose release history it may not even read, with the permission, instead of retrying it', async () => {
    // Prepare: the access entry names another namespace
    const logs = captureLogLines();
    const fake = await worker.start(CRYPTO_OMS, { intercept: namespaceScoped(['somewhere-else']) });

    // Act
    const response = await worker.deliver([push('v1.1.0')]);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(fake.appliedObjects()).toEqual([]);
    expect(logs.lines().find((line) => line.message === 'queue message dropped: forbidden')).toMatchObject({
      permission: 'get configmaps in namespace crypto-oms',
      deliveryId: 'delivery-v1.1.0',
    });
  });
});
