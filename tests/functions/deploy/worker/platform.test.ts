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
import { applyPlatform, createPlatformRunner, CRD_SERVED } from '../../../../functions/deploy/worker/platform';
import type { RunLogger } from '../../../../shared/reconcile/run-logger';
import { captureLogLines } from '../../../../testing/log-lines';
import { namespaceScoped, startFakeCluster } from '../../../../testing/fake-k8s';
import { status } from '../../../../testing/kubernetes-api-server';
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

  it.each(['kianax', 'comments-app', 'financial-move', 'crypto-oms'])("pins every image of the %s example's platform to a released version", async (name) => {
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

/** The AWS Load Balancer Controller of a non-Auto-Mode example's platform, loaded. */
async function lbcPlatform(name: 'financial-move' | 'crypto-oms') {
  const [loaded] = await loadSpecs([path.join(EXAMPLES, name, 'cluster.yaml')]);
  if (!loaded) throw new Error(`no ${name}`);
  const { platforms, broken } = await platformsOf([loaded]);
  const [platform] = platforms;
  if (!platform || broken.length > 0) throw new Error(`${name} has no platform: ${broken.map((item) => item.reason).join('; ')}`);
  return { spec: loaded.spec, platform };
}

const LBC_ORDER = [
  'CustomResourceDefinition ingressclassparams.elbv2.k8s.aws',
  'CustomResourceDefinition targetgroupbindings.elbv2.k8s.aws',
  'ServiceAccount kube-system/aws-load-balancer-controller',
  'Role kube-system/aws-load-balancer-controller-leader-election-role',
  'ClusterRole aws-load-balancer-controller-role',
  'ServiceAccount kube-system/aws-load-balancer-webhook-certgen',
  'Role kube-system/aws-load-balancer-webhook-certgen',
  'ClusterRole aws-load-balancer-webhook-certgen',
  'RoleBinding kube-system/aws-load-balancer-controller-leader-election-rolebinding',
  'ClusterRoleBinding aws-load-balancer-controller-rolebinding',
  'RoleBinding kube-system/aws-load-balancer-webhook-certgen',
  'ClusterRoleBinding aws-load-balancer-webhook-certgen',
  'Service kube-system/aws-load-balancer-webhook-service',
  'IngressClassParams alb',
  'Deployment kube-system/aws-load-balancer-controller',
  'Job kube-system/aws-load-balancer-webhook-create',
  'Job kube-system/aws-load-balancer-webhook-patch',
  'IngressClass alb',
  'MutatingWebhookConfiguration aws-load-balancer-webhook',
  'ValidatingWebhookConfiguration aws-load-balancer-webhook',
];

type Webhook = { name: string; clientConfig: { caBundle?: string; service: { name: string; namespace: string } } };

describe('the AWS Load Balancer Controller of the examples without Auto Mode', () => {
  let cluster: FakeCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it.each(['financial-move', 'crypto-oms'] as const)(
    'applies every object of %s to the API server in rank order: CRDs first, the webhooks last',
    async (name) => {
      // Prepare
      const { platform } = await lbcPlatform(name);
      cluster = await startFakeCluster();

      // Act
      const report = await applyPlatform(platform, cluster.port, QUIET);

      // Assess: each at the REST path of its kind, cluster-scoped ones with no namespace
      expect(report).toEqual({ cluster: name, status: 'Converged', applied: LBC_ORDER });
      expect(cluster.appliedObjects()).toEqual(LBC_ORDER);
      expect([...cluster.objects.keys()]).toEqual(
        expect.arrayContaining([
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ingressclassparams.elbv2.k8s.aws',
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/targetgroupbindings.elbv2.k8s.aws',
          '/apis/elbv2.k8s.aws/v1beta1/ingressclassparams/alb',
          '/apis/networking.k8s.io/v1/ingressclasses/alb',
          '/apis/batch/v1/namespaces/kube-system/jobs/aws-load-balancer-webhook-create',
          '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/aws-load-balancer-webhook',
          '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/aws-load-balancer-webhook',
        ]),
      );
      expect(cluster.objects.size).toBe(LBC_ORDER.length);
    },
  );

  it('keeps the caBundle kube-webhook-certgen patched into the webhooks when deploy applies the platform again', async () => {
    // Prepare: the platform applied, then the patch Job's Update (GET, set every caBundle, PUT) of both configurations
    const { platform } = await lbcPlatform('financial-move');
    cluster = await startFakeCluster();
    const fake = cluster;
    await applyPlatform(platform, fake.port, QUIET);
    const caBundle = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n').toString('base64');
    const configurations = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'].map(
      (plural) => `/apis/admissionregistration.k8s.io/v1/${plural}/aws-load-balancer-webhook`,
    );
    for (const configuration of configurations) {
      const url = `${fake.server.url}${configuration}`;
      const current = (await (await fetch(url)).json()) as { webhooks: Webhook[] };
      for (const webhook of current.webhooks) webhook.clientConfig.caBundle = caBundle;
      const put = await fetch(`${url}?fieldManager=kube-webhook-certgen`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(current),
      });
      expect(put.status).toBe(200);
    }
    const appliesBefore = fake.applies().length;

    // Act
    const again = await applyPlatform(platform, fake.port, QUIET);

    // Assess: every webhook still trusts the CA; eks-pilot's applies never carry a caBundle, a Secret or a key
    expect(again.status).toBe('Converged');
    for (const configuration of configurations) {
      const webhooks = (fake.objects.get(configuration)?.webhooks ?? []) as Webhook[];
      expect(webhooks.length).toBeGreaterThanOrEqual(3);
      for (const webhook of webhooks) {
        expect(webhook.clientConfig.caBundle).toBe(caBundle);
        expect(webhook.clientConfig.service).toMatchObject({ name: 'aws-load-balancer-webhook-service', namespace: 'kube-system' });
      }
    }
    const bodies = fake.applies().map((request) => request.body);
    expect(bodies.length).toBe(appliesBefore * 2);
    for (const body of bodies) {
      expect(body).not.toContain('caBundle');
      expect(body).not.toContain('PRIVATE KEY');
      expect(JSON.parse(body)).not.toMatchObject({ kind: 'Secret' });
    }
  });

  it.each(['financial-move', 'crypto-oms'] as const)(
    "runs %s's controller for its own cluster, Region and VPC, as its Pod Identity's service account, with the certgen Jobs naming its Secret and webhooks",
    async (name) => {
      // Prepare
      const { spec, platform } = await lbcPlatform(name);
      const objects = renderPlatform(platform);
      const find = (kind: string, objectName: string) => objects.find((object) => object.kind === kind && object.metadata.name === objectName);
      type PodSpec = { serviceAccountName: string; volumes?: { secret?: { secretName: string } }[]; containers: { image: string; args: string[] }[] };
      const podSpec = (kind: string, objectName: string) => (find(kind, objectName)?.spec as { template: { spec: PodSpec } } | undefined)?.template.spec;

      // Act
      const controller = podSpec('Deployment', 'aws-load-balancer-controller');
      const create = podSpec('Job', 'aws-load-balancer-webhook-create')?.containers[0]?.args ?? [];
      const patch = podSpec('Job', 'aws-load-balancer-webhook-patch')?.containers[0]?.args ?? [];
      const webhookService = (kind: string) =>
        ((find(kind, 'aws-load-balancer-webhook')?.webhooks ?? []) as Webhook[]).map((webhook) => webhook.clientConfig.service.name);

      // Assess
      expect(controller?.containers[0]?.image).toBe('public.ecr.aws/eks/aws-load-balancer-controller:v2.7.0');
      expect(controller?.containers[0]?.args).toEqual([
        `--cluster-name=${spec.name}`,
        '--ingress-class=alb',
        `--aws-region=${spec.region}`,
        expect.stringMatching(/^--aws-vpc-id=vpc-[0-9a-f]{17}$/),
      ]);
      expect(controller?.serviceAccountName).toBe('aws-load-balancer-controller');
      expect(spec.podIdentities).toEqual([expect.objectContaining({ namespace: 'kube-system', serviceAccount: 'aws-load-balancer-controller' })]);
      expect(spec.addons.map((addon) => addon.name)).toContain('eks-pod-identity-agent');
      expect(find('ServiceAccount', 'aws-load-balancer-controller')?.metadata.annotations).toBeUndefined();
      expect(controller?.volumes?.[0]?.secret?.secretName).toBe('aws-load-balancer-tls');
      expect(create).toEqual(expect.arrayContaining(['create', '--secret-name=aws-load-balancer-tls', '--cert-name=tls.crt', '--key-name=tls.key']));
      expect(create.find((arg) => arg.startsWith('--host='))).toContain('aws-load-balancer-webhook-service.$(POD_NAMESPACE).svc');
      expect(patch).toEqual(['patch', '--webhook-name=aws-load-balancer-webhook', '--namespace=$(POD_NAMESPACE)', '--secret-name=aws-load-balancer-tls']);
      expect(webhookService('MutatingWebhookConfiguration')).toEqual(Array(3).fill('aws-load-balancer-webhook-service'));
      expect(webhookService('ValidatingWebhookConfiguration')).toEqual(Array(3).fill('aws-load-balancer-webhook-service'));
      expect(find('Service', 'aws-load-balancer-webhook-service')).toBeDefined();
      expect(objects.some((object) => object.kind === 'Secret')).toBe(false);
    },
  );

  it('drops from a webhook configuration what eks-pilot applied before and no longer applies, and keeps only what another manager set', async () => {
    // Prepare: the mutating configuration applied, then the patch Job's caBundle on each webhook
    const { platform } = await lbcPlatform('financial-move');
    const configuration = renderPlatform(platform).find((object) => object.kind === 'MutatingWebhookConfiguration');
    if (!configuration) throw new Error('no MutatingWebhookConfiguration');
    cluster = await startFakeCluster();
    const fake = cluster;
    const where = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/aws-load-balancer-webhook';
    await fake.port.apply(configuration, { fieldManager: 'eks-pilot-deploy', force: true });
    const current = (await (await fetch(`${fake.server.url}${where}`)).json()) as { webhooks: Webhook[] };
    for (const webhook of current.webhooks) webhook.clientConfig.caBundle = 'Y2E=';
    await fetch(`${fake.server.url}${where}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(current) });
    const edited = structuredClone(configuration);
    const [mpod, , mtgb] = edited.webhooks as (Webhook & { failurePolicy?: string })[];
    if (!mpod || !mtgb) throw new Error('expected three webhooks');
    delete mpod.failurePolicy;
    edited.webhooks = [mpod, mtgb];

    // Act
    await fake.port.apply(edited, { fieldManager: 'eks-pilot-deploy', force: true });

    // Assess
    const stored = (fake.objects.get(where)?.webhooks ?? []) as (Webhook & { failurePolicy?: string })[];
    expect(stored.map((webhook) => webhook.name)).toEqual(['mpod.elbv2.k8s.aws', 'mtargetgroupbinding.elbv2.k8s.aws']);
    expect(stored[0]?.failurePolicy).toBeUndefined();
    expect(stored[1]?.failurePolicy).toBe('Fail');
    expect(stored.map((webhook) => webhook.clientConfig.caBundle)).toEqual(['Y2E=', 'Y2E=']);
  });

  it.each([
    ['served after two refusals', 2, 'Converged', 2],
    ['never served', Infinity, 'Blocked', CRD_SERVED.attempts - 1],
  ] as const)('applies the IngressClassParams again while the API server does not serve its new CRD yet (%s)', async (_, refusals, expected, waits) => {
    // Prepare: kube-apiserver's 404 for a resource it does not serve names no object (FIELD-NOTES, Kubernetes)
    const { platform } = await lbcPlatform('financial-move');
    let refused = 0;
    cluster = await startFakeCluster({
      intercept: (request) => {
        if (request.method !== 'PATCH' || request.path !== '/apis/elbv2.k8s.aws/v1beta1/ingressclassparams/alb' || refused >= refusals) return undefined;
        refused++;
        return status(404, 'NotFound', 'the server could not find the requested resource');
      },
    });
    const slept: number[] = [];

    // Act
    const report = await applyPlatform(platform, cluster.port, QUIET, (ms) => {
      slept.push(ms);
      return Promise.resolve();
    });

    // Assess
    expect(report.status).toBe(expected);
    expect(slept).toEqual(Array(waits).fill(CRD_SERVED.delayMs));
    if (expected === 'Converged') expect(report.applied).toEqual(LBC_ORDER);
    else expect(report.reason).toContain('IngressClassParams alb: cannot apply IngressClassParams alb on cluster fake: not found (404)');
  });

  it('does not wait on a 404 for a kind no CRD of the platform defines', async () => {
    // Prepare
    const { platform } = await lbcPlatform('financial-move');
    cluster = await startFakeCluster({
      intercept: (request) =>
        request.method === 'PATCH' && request.path.endsWith('/ingressclasses/alb')
          ? status(404, 'NotFound', 'the server could not find the requested resource')
          : undefined,
    });
    const slept: number[] = [];

    // Act
    const report = await applyPlatform(platform, cluster.port, QUIET, (ms) => {
      slept.push(ms);
      return Promise.resolve();
    });

    // Assess
    expect(report.status).toBe('Blocked');
    expect(slept).toEqual([]);
  });

  it("keeps crypto-oms's copy of the manifests and the IAM policy identical to financial-move's but for the cluster's name, Region and VPC", () => {
    // Prepare
    const folder = (name: string) => path.join(EXAMPLES, name, 'platform/aws-load-balancer-controller');
    const lines = (name: string) => readFileSync(path.join(folder(name), 'aws-load-balancer-controller.yaml'), 'utf8').split('\n');
    const ours = lines('financial-move');
    const theirs = lines('crypto-oms');

    // Act
    const differing = ours.flatMap((line, index) => (line === theirs[index] ? [] : [[line, theirs[index]]]));

    // Assess: only the lines that name the cluster, its Region or its VPC differ
    expect(theirs).toHaveLength(ours.length);
    expect(differing.length).toBeGreaterThan(0);
    const normalise = (line: string | undefined, name: string, region: string) =>
      (line ?? '')
        .replaceAll(name, '<cluster>')
        .replaceAll(region, '<region>')
        .replace(/vpc-[0-9a-f]{17}/g, '<vpc>');
    for (const [line, other] of differing) expect(normalise(line, 'financial-move', 'sa-east-1')).toBe(normalise(other, 'crypto-oms', 'eu-west-1'));
    expect(readFileSync(path.join(folder('crypto-oms'), 'iam-policy.json'), 'utf8')).toBe(
      readFileSync(path.join(folder('financial-move'), 'iam-policy.json'), 'utf8'),
    );
  });
});
