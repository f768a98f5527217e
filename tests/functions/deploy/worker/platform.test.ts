/**
 * Platform components: cluster-scoped manifests deploy-worker applies before any workload, as the
 * platform's own role. Through the real handler against the fake API server (KUBECONFIG), and the
 * runner against an API server that answers as RBAC does for a namespace-scoped principal.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { platformProblems } from '../../../../shared/model/cluster-spec/platform';
import { platformsOf, renderPlatform, unpinnedImages } from '../../../../functions/deploy/model/platform';
import { loadManifests } from '../../../../functions/deploy/model/manifests';
import { containerImages } from '../../../../functions/deploy/model/manifests';
import { applyPlatform, createPlatformRunner } from '../../../../functions/deploy/worker/platform';
import type { RunLogger } from '../../../../shared/reconcile/run-logger';
import { captureLogLines } from '../../../../testing/log-lines';
import { namespaceScoped, startFakeCluster } from '../../../../testing/fake-k8s';
import type { FakeCluster } from '../../../../testing/fake-k8s';
import { parseSpecOrThrow } from '../../../../testing/specs';
import { push, WorkerHarness } from '../worker-harness';
import scheduleEvent from '../../../../events/deploy/schedule.json';

const EXAMPLES = path.join(__dirname, '../../../../examples');
const STARTER = readFileSync(path.join(EXAMPLES, 'starter/cluster.yaml'), 'utf8');
const WEB = 'ghcr.io/acme/web';
const PLATFORM_ROLE = 'arn:aws:iam::123456789012:role/starter-platform';
const QUIET: RunLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A starter spec with a platform (a namespace and a small controller) and a workload in that namespace. */
function writeSpec(dir: string, platformImage = 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.0'): string {
  mkdirSync(path.join(dir, 'platform/namespaces'), { recursive: true });
  mkdirSync(path.join(dir, 'platform/controller'), { recursive: true });
  mkdirSync(path.join(dir, 'shop'));
  writeFileSync(path.join(dir, 'platform/namespaces/ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n');
  writeFileSync(
    path.join(dir, 'platform/controller/controller.yaml'),
    [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata: { name: controller, namespace: kube-system }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: controller }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: controller }',
      'subjects: [{ kind: ServiceAccount, name: controller, namespace: kube-system }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: controller }',
      'rules: [{ apiGroups: [""], resources: [nodes], verbs: [get, list, watch] }]',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: controller, namespace: kube-system }',
      'spec:',
      '  selector: { matchLabels: { app: controller } }',
      '  template:',
      '    metadata: { labels: { app: controller } }',
      `    spec: { serviceAccountName: controller, containers: [{ name: controller, image: "${platformImage}" }] }`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'shop/10-deployment.yaml'),
    [
      'apiVersion: v1',
      'kind: Namespace',
      'metadata: { name: shop }',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: web, namespace: shop }',
      'spec:',
      '  selector: { matchLabels: { app: web } }',
      '  template:',
      '    metadata: { labels: { app: web } }',
      `    spec: { containers: [{ name: web, image: "${WEB}:v1.0.0" }] }`,
      '',
    ].join('\n'),
  );
  const spec = path.join(dir, 'cluster.yaml');
  writeFileSync(
    spec,
    [
      STARTER,
      'accessEntries:',
      `  - principalArn: ${PLATFORM_ROLE}`,
      '    accessPolicies: [{ policy: AmazonEKSClusterAdminPolicy }]',
      'platform:',
      `  roleArn: ${PLATFORM_ROLE}`,
      '  components:',
      '    - name: namespaces',
      '      manifests: platform/namespaces',
      '    - name: controller',
      '      manifests: platform/controller',
      '      serviceAccounts: [{ namespace: kube-system, name: controller }]',
      'workloads:',
      '  - name: shop',
      '    manifests: shop',
      '    images:',
      `      - repository: ${WEB}`,
      '        tags: [{ semver: ">=1.0.0" }]',
      '',
    ].join('\n'),
  );
  return spec;
}

describe('platform components through deploy-worker', () => {
  const worker = new WorkerHarness();
  let dir = '';

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'deploy-platform-'));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the platform, namespaces first, before the first workload of a container, then not again for the next push', async () => {
    // Prepare
    const logs = captureLogLines();
    const fake = await worker.start(writeSpec(dir));
    const message = (tag: string) => push(tag, { repository: WEB, cluster: 'starter', workload: 'shop' });

    // Act
    const first = await worker.deliver([message('v1.1.0')]);
    const appliedAfterFirst = fake.appliedObjects();
    const second = await worker.deliver([message('v1.2.0')]);

    // Assess: the namespace and the controller, in dependency order, then the workload, whose Namespace exists by then
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(appliedAfterFirst.slice(0, 5)).toEqual([
      'Namespace shop',
      'ServiceAccount kube-system/controller',
      'ClusterRole controller',
      'ClusterRoleBinding controller',
      'Deployment kube-system/controller',
    ]);
    expect(appliedAfterFirst.slice(5)).toContain('Deployment shop/web');
    expect(logs.lines().find((line) => line.message === 'namespace exists: not applied')).toMatchObject({ object: 'Namespace shop' });
    expect(fake.appliedObjects().filter((object) => object === 'ClusterRole controller')).toHaveLength(1);
    expect(worker.releases('shop', 'shop').map((record) => record.result)).toEqual(['succeeded', 'succeeded']);
    expect(fake.objects.get('/apis/rbac.authorization.k8s.io/v1/clusterroles/controller')?.metadata.labels).toMatchObject({
      'eks-pilot.io/platform': 'controller',
      'app.kubernetes.io/managed-by': 'eks-pilot',
    });
  });

  it('applies the platform again on the schedule, before the drift check, and on a manual platform invoke', async () => {
    // Prepare
    captureLogLines();
    const fake = await worker.start(writeSpec(dir));

    // Act
    const scheduled = await worker.invoke<{ platform?: { cluster: string; status: string; applied: string[] }[] }>(scheduleEvent);
    const manual = await worker.invoke<{ action: string; reports: { status: string }[] }>({ action: 'platform', cluster: 'starter' });

    // Assess
    expect(scheduled.platform).toEqual([
      {
        cluster: 'starter',
        status: 'Converged',
        applied: [
          'Namespace shop',
          'ServiceAccount kube-system/controller',
          'ClusterRole controller',
          'ClusterRoleBinding controller',
          'Deployment kube-system/controller',
        ],
      },
    ]);
    expect(manual).toEqual({ action: 'platform', reports: [expect.objectContaining({ cluster: 'starter', status: 'Converged' })] });
    expect(fake.appliedObjects().filter((object) => object === 'Namespace shop')).toHaveLength(2);
  });
});

describe('applyPlatform', () => {
  let cluster: FakeCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('reports Blocked naming the cluster-scoped permission a namespace-scoped role lacks, and does not remember it as applied', async () => {
    // Prepare: the platform role has only a namespace-scoped policy (shop)
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-403-'));
    try {
      const [loaded] = await loadSpecs([writeSpec(dir)]);
      if (!loaded) throw new Error('no spec');
      const { platforms } = await platformsOf([loaded]);
      cluster = await startFakeCluster({ intercept: namespaceScoped(['shop']) });
      const port = cluster.port;
      const runner = createPlatformRunner({ platforms: () => Promise.resolve(platforms), connect: () => Promise.resolve(port), logger: QUIET });

      // Act
      const first = await runner.ensure('starter');
      const again = await runner.ensure('starter');

      // Assess: the Namespace is a cluster-scoped write; both runs try, neither is remembered as done
      expect(first).toMatchObject({ cluster: 'starter', status: 'Blocked', applied: [] });
      expect(first?.reason).toContain(`the platform role ${PLATFORM_ROLE} lacks the permission to patch namespaces (cluster scope)`);
      expect(again?.status).toBe('Blocked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies every object with deploy field manager and strict validation', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-apply-'));
    try {
      const [loaded] = await loadSpecs([writeSpec(dir)]);
      if (!loaded) throw new Error('no spec');
      const [platform] = (await platformsOf([loaded])).platforms;
      if (!platform) throw new Error('no platform');
      cluster = await startFakeCluster();

      // Act
      const report = await applyPlatform(platform, cluster.port, QUIET);

      // Assess
      expect(report.status).toBe('Converged');
      expect(
        cluster.applies().map((request) => [request.path, request.query.get('fieldManager'), request.query.get('force'), request.query.get('fieldValidation')]),
      ).toEqual([
        ['/api/v1/namespaces/shop', 'eks-pilot-deploy', 'true', 'Strict'],
        ['/api/v1/namespaces/kube-system/serviceaccounts/controller', 'eks-pilot-deploy', 'true', 'Strict'],
        ['/apis/rbac.authorization.k8s.io/v1/clusterroles/controller', 'eks-pilot-deploy', 'true', 'Strict'],
        ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/controller', 'eks-pilot-deploy', 'true', 'Strict'],
        ['/apis/apps/v1/namespaces/kube-system/deployments/controller', 'eks-pilot-deploy', 'true', 'Strict'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pinned platform images', () => {
  it.each(['registry.k8s.io/autoscaling/cluster-autoscaler', 'registry.k8s.io/autoscaling/cluster-autoscaler:latest'])(
    'makes a platform whose image is %s broken, naming the file and line',
    async (image) => {
      // Prepare
      const dir = mkdtempSync(path.join(tmpdir(), 'platform-unpinned-'));
      try {
        const [loaded] = await loadSpecs([writeSpec(dir, image)]);
        if (!loaded) throw new Error('no spec');

        // Act
        const { platforms, broken } = await platformsOf([loaded]);

        // Assess: the whole platform is held back, not half of it
        expect(platforms).toEqual([]);
        expect(broken).toHaveLength(1);
        expect(broken[0]?.reason).toContain(`controller.yaml:15: Deployment kube-system/controller container controller: image ${image} is not pinned`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.each(['kianax', 'comments-app'])("pins every image of the %s example's platform to a released version", async (name) => {
    // Prepare
    const loaded = await loadSpecs([path.join(EXAMPLES, name, 'cluster.yaml')]);

    // Act
    const { platforms, broken } = await platformsOf(loaded);
    const images = platforms.flatMap((platform) =>
      platform.components.flatMap((component) => component.objects.flatMap(({ object }) => containerImages(object))),
    );

    // Assess: semver tags (and a digest where the upstream manifest carries one)
    expect(broken).toEqual([]);
    expect(images.length).toBeGreaterThan(0);
    for (const { image } of images) expect(image).toMatch(/^[a-z0-9./-]+:v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
  });

  it('ships Cluster Autoscaler at the minor of kianax, discovering its node groups with the flags upstream documents', async () => {
    // Prepare
    const [loaded] = await loadSpecs([path.join(EXAMPLES, 'kianax/cluster.yaml')]);
    if (!loaded) throw new Error('no kianax');
    const objects = await loadManifests(path.join(EXAMPLES, 'kianax/platform/cluster-autoscaler'));

    // Act
    const deployment = objects.find(({ object }) => object.kind === 'Deployment')?.object;
    const container = (deployment?.spec as { template: { spec: { containers: { image: string; command: string[] }[] } } } | undefined)?.template.spec
      .containers[0];

    // Assess
    expect(unpinnedImages(objects)).toEqual([]);
    expect(container?.image).toMatch(new RegExp(`:v${loaded.spec.version.replace('.', '\\.')}\\.\\d+$`));
    expect(container?.command).toEqual(
      expect.arrayContaining([
        '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/kianax',
        '--balance-similar-node-groups',
        '--skip-nodes-with-system-pods=false',
      ]),
    );
  });

  it('renders the comments-app platform with every Namespace first and the admission webhook last', async () => {
    // Prepare
    const { platforms } = await platformsOf(await loadSpecs([path.join(EXAMPLES, 'comments-app/cluster.yaml')]));
    const [platform] = platforms;
    if (!platform) throw new Error('no platform');

    // Act
    const kinds = renderPlatform(platform).map((object) => `${object.kind} ${object.metadata.name}`);

    // Assess
    expect(kinds.slice(0, 2)).toEqual(['Namespace comments', 'Namespace ingress-nginx']);
    expect(kinds.at(-1)).toBe('ValidatingWebhookConfiguration ingress-nginx-admission');
    expect(kinds).toContain('IngressClass nginx');
  });
});

describe('the spec checks of platform', () => {
  const base = (extra: string[]) =>
    [STARTER, 'platform:', `  roleArn: ${PLATFORM_ROLE}`, '  components:', '    - name: namespaces', '      manifests: platform/namespaces', ...extra, ''].join(
      '\n',
    );

  it('refuses a platform role without a cluster-scoped access entry', () => {
    // Prepare
    const text = base(['accessEntries:', `  - principalArn: ${PLATFORM_ROLE}`, '    accessPolicies: [{ policy: AmazonEKSEditPolicy, namespaces: [shop] }]']);

    // Act
    const act = () => parseSpecOrThrow(text);

    // Assess
    expect(act).toThrow(
      `platform.roleArn: platform components are applied cluster-wide: accessEntries needs an entry for ${PLATFORM_ROLE} with a cluster-scoped access policy`,
    );
  });

  it('takes a cluster-scoped policy', () => {
    // Prepare
    const text = base(['accessEntries:', `  - principalArn: ${PLATFORM_ROLE}`, '    accessPolicies: [{ policy: AmazonEKSClusterAdminPolicy }]']);

    // Act
    const spec = parseSpecOrThrow(text);

    // Assess
    expect(spec.platform?.components.map((component) => component.name)).toEqual(['namespaces']);
  });

  it('names a component service account no podIdentities entry gives a role', () => {
    // Prepare: podIdentities as the Pod Identity section of the spec spells it
    const fields = {
      platform: {
        roleArn: PLATFORM_ROLE,
        components: [{ name: 'cluster-autoscaler', serviceAccounts: [{ namespace: 'kube-system', name: 'cluster-autoscaler' }] }],
      },
      accessEntries: [{ principalArn: PLATFORM_ROLE, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] }],
      podIdentities: [{ namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller', roleArn: 'arn:aws:iam::123456789012:role/lbc' }],
    };

    // Act
    const problems = platformProblems(fields);

    // Assess
    expect(problems.map((problem) => problem.path)).toEqual([['platform', 'components', 0, 'serviceAccounts', 0]]);
    expect(problems[0]?.message).toContain('no podIdentities entry gives kube-system/cluster-autoscaler an IAM role');
  });
});
