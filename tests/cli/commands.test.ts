import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT } from '../../cli/main';
import { ClusterUnavailableError, KubernetesUnreachableError } from '../../shared/ports/kubernetes-errors';
import { FakeCloudWatch, FakeKubernetes, hpa } from '../../testing/scale-watch-fakes';
import { registryPackagePayload, digestOf } from '../../testing/deploy-events';
import { FakeEc2 } from '../../testing/fake-ec2';
import { FakeEks } from '../../testing/fake-eks';
import { startFakeCluster } from '../../testing/fake-k8s';
import type { FakeCluster } from '../../testing/fake-k8s';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { CALLER_ARN, cli, EXAMPLES, fixture, NOW, ROOT, spec } from './support';
import { gatedCryptoOms } from '../../testing/gated-spec';
import { RELEASES_KEY } from '../../functions/deploy/model/releases';
import type { ReleaseRecord } from '../../functions/deploy/model/releases';
import { FakeLeases } from '../../testing/fake-lease';

const WEBHOOK_EVENT = path.join(ROOT, 'events/deploy/webhook-registry-package.json');
const PLATFORM_EVENT = path.join(ROOT, 'events/deploy/webhook-platform-manifest.json');
const ECR_EVENT = path.join(ROOT, 'events/deploy/ecr-push.json');
const ECR_INGESTION = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/crypto-oms/order-ingestion';
const ALARM = 'kianax-general-ng-cpu-high';
const ORDER_INGESTION = 'ghcr.io/crypto-oms/order-ingestion';

async function seededEks(name: string, region: string): Promise<FakeEks> {
  const [loaded] = await loadSpecs([spec(name)]);
  const eks = new FakeEks({ region });
  if (loaded) eks.seedFromSpec(loaded.spec);
  return eks;
}

async function tempFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-cli-'));
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('eks-pilot plan --offline, across the four functions', () => {
  it('prints the cluster, autoscaler tags, alarms, scaling rules, platform and workloads sections of kianax', async () => {
    // Act
    const result = await cli(['plan', spec('kianax'), '--offline']);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    const headings = result.stdout.split('\n').filter((line) => /^\S/.test(line));
    expect(headings).toEqual([
      `Cluster kianax (us-east-1) from ${spec('kianax')}`,
      'Node groups of kianax (us-east-1): the Cluster Autoscaler tags on their Auto Scaling groups',
      'Alarms of kianax (us-east-1)',
      'Scaling rules of kianax (us-east-1)',
      'Platform components of kianax (us-east-1), applied as arn:aws:iam::777788889999:role/kianax-platform-admins before any workload',
      'Workloads of kianax (us-east-1)',
    ]);
    expect(result.stdout).toMatch(/PutMetricAlarm +alarm\/kianax-general-ng-cpu-high +create +alarm does not exist/);
    expect(result.stdout).toContain(
      '  general-ng-cpu (alarm kianax-general-ng-cpu-high)\n    nodegroup/general-ng: at spec values (min 2, max 6); on ALARM maxSize +2 up to 10\n',
    );
    expect(result.stdout).toContain("    hpa/kianax/kianax-api: at the manifest's values; on ALARM maxReplicas +5 up to 20\n");
    expect(result.stdout).toContain('Workloads of kianax (us-east-1)\n  kianax: 12 objects, offline: every object would be applied\n');
  });

  it('renders the workloads of crypto-oms at the images of their manifests', async () => {
    // Act
    const result = await cli(['plan', '--offline', fixture('ghcr-oms')]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(
      'Workloads of crypto-oms (eu-west-1)\n  crypto-oms: 15 objects, offline: every object would be applied\n    Namespace crypto-oms\n',
    );
    expect(result.stdout).toContain(`    Deployment crypto-oms/order-ingestion  order-ingestion=${ORDER_INGESTION}:v1.0.0\n`);
    expect(result.stdout).toContain('Alarms of crypto-oms (eu-west-1)\n  None: the spec has no alarms.\n');
    expect(result.stdout).toContain('Scaling rules of crypto-oms (eu-west-1)\n  None: the spec has no scalingRules.\n');
  });

  it('adds alarms, scaling rules and workloads to the JSON next to the plans', async () => {
    // Act
    const result = await cli(['plan', '--offline', '--json', path.join(EXAMPLES, 'kianax'), fixture('ghcr-oms')]);

    // Assess
    const json = JSON.parse(result.stdout) as {
      plans: { cluster: string }[];
      alarms: { cluster: string; status: string }[];
      scalingRules: { rule: string; targets: { target: string; state: string }[] }[];
      workloads: { workload: string; plan: { objects: unknown[] } }[];
    };
    expect(json.plans.map((plan) => plan.cluster)).toEqual(['kianax', 'crypto-oms']);
    expect(json.alarms.map((plan) => [plan.cluster, plan.status])).toEqual([
      ['kianax', 'changes'],
      ['crypto-oms', 'no-changes'],
    ]);
    expect(json.scalingRules.map((rule) => [rule.rule, rule.targets.map((target) => `${target.target} ${target.state}`)])).toEqual([
      ['general-ng-cpu', ['nodegroup/general-ng spec', 'hpa/kianax/kianax-api spec', 'hpa/kianax/kianax-web spec']],
    ]);
    expect(json.workloads.map((view) => [view.workload, view.plan.objects.length])).toEqual([
      ['kianax', 12],
      ['crypto-oms', 15],
    ]);
  });
});

describe('eks-pilot plan against the account and the cluster', () => {
  it("shows the alarms to update, each rule's override until its expiry, and the workloads' drift", async () => {
    // Prepare
    const eks = await seededEks('kianax', 'us-east-1');
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState(ALARM, 'OK', new Date('2026-11-22T11:00:00Z'));
    const k8s = new FakeKubernetes();
    k8s.put(hpa('kianax', 'kianax-api'));
    k8s.put({
      ...hpa('kianax', 'kianax-web', { min: 2, max: 15 }),
      metadata: {
        ...hpa('kianax', 'kianax-web').metadata,
        annotations: {
          'eks-pilot/override-max-replicas': '15',
          'eks-pilot/override-expires': '2026-11-22T14:00:00.000Z',
          'eks-pilot/override-source': `alarm/${ALARM}@2026-11-22T10:00:00.000Z`,
          'eks-pilot/spec-max-replicas': '10',
        },
      },
    });

    // Act
    const result = await cli(['plan', '--detailed-exitcode', spec('kianax')], { eks, cloudWatch, k8s });

    // Assess
    // This Kubernetes fake serves scale-watch's reads only: the workload is planned offline, with a warning.
    expect(result.stderr).toBe(
      "warning: kianax (us-east-1): workload kianax: the cluster's Kubernetes API is unreachable (scale-watch never applies); planned offline\n",
    );
    expect(result.stdout).toContain('  No changes. The cluster matches its spec.');
    expect(result.stdout).toMatch(/PutMetricAlarm +alarm\/kianax-general-ng-cpu-high +update +alarm differs from the spec/);
    expect(result.stdout).toContain(`  general-ng-cpu (alarm kianax-general-ng-cpu-high): ${ALARM} OK since 2026-11-22T11:00:00.000Z\n`);
    expect(result.stdout).toContain('    nodegroup/general-ng: at spec values (min 2, max 6); on ALARM maxSize +2 up to 10\n');
    expect(result.stdout).toContain(
      `    hpa/kianax/kianax-web: overridden: max 15 until 2026-11-22T14:00:00.000Z (alarm ${ALARM}); on ALARM maxReplicas +5 up to 20\n`,
    );
    expect(result.stdout).toContain('    next scheduled run: return:');
    expect(result.stdout).toContain('      PatchScaler hpa/kianax/kianax-web: ');
    expect(k8s.patches()).toEqual([]);
    expect(cloudWatch.calls.filter((call) => call.name === 'PutMetricAlarm')).toEqual([]);
    expect(result.code).toBe(EXIT.changesPending);
  });

  it('plans a cluster still to be created: the rules are shown from the spec, with a warning, and the plan exits 2', async () => {
    // Prepare
    const eks = new FakeEks({ region: 'us-east-1' });
    const cloudWatch = new FakeCloudWatch();
    const notYet = () => Promise.reject(new ClusterUnavailableError('EKS cluster kianax not found in us-east-1'));

    // Act
    const result = await cli(['plan', '--detailed-exitcode', spec('kianax')], { eks, cloudWatch, k8s: notYet });

    // Assess
    expect(result.stderr).toBe(
      [
        "warning: kianax (us-east-1): scaling rule general-ng-cpu: the cluster's Kubernetes API is unreachable (EKS cluster kianax not found in us-east-1); shown from the spec",
        "warning: kianax (us-east-1): workload kianax: the cluster's Kubernetes API is unreachable (EKS cluster kianax not found in us-east-1); planned offline",
        '',
      ].join('\n'),
    );
    expect(result.stdout).toMatch(/CreateCluster +cluster\/kianax +create/);
    expect(result.stdout).toContain(
      '    cluster unreachable (EKS cluster kianax not found in us-east-1); shown from the spec:\n    nodegroup/general-ng: at spec values (min 2, max 6); on ALARM maxSize +2 up to 10\n',
    );
    expect(result.code).toBe(EXIT.changesPending);
  });

  it("plans a workload offline, with a warning, when its cluster's Kubernetes API cannot be reached", async () => {
    // Prepare
    const eks = await seededEks('crypto-oms', 'eu-west-1');
    const unreachable = () =>
      Promise.reject(
        new KubernetesUnreachableError('no answer from https://crypto-oms.example (ECONNREFUSED)', {
          context: { cluster: 'crypto-oms', method: 'GET', path: '/', status: 0 },
        }),
      );

    // Act
    const result = await cli(['plan', fixture('ghcr-oms')], { eks, k8s: unreachable });

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe(
      "warning: crypto-oms (eu-west-1): workload crypto-oms: the cluster's Kubernetes API is unreachable (no answer from https://crypto-oms.example (ECONNREFUSED)); planned offline\n",
    );
    expect(result.stdout).toContain(
      '  crypto-oms: 15 objects, cluster unreachable (no answer from https://crypto-oms.example (ECONNREFUSED)); rendered offline: every object would be applied\n',
    );
  });
});

describe('eks-pilot deploy plan --payload --offline', () => {
  it.each([
    ['an API Gateway event whose body is the payload', () => Promise.resolve(WEBHOOK_EVENT)],
    ['the raw GitHub payload', async () => tempFile('push.json', (JSON.parse(await readFile(WEBHOOK_EVENT, 'utf8')) as { body: string }).body)],
  ])('names the workloads %s would change and renders their objects', async (_, file) => {
    // Act
    const result = await cli(['deploy', 'plan', '--payload', await file(), '--offline', '--detailed-exitcode', fixture('ghcr-oms')]);

    // Assess
    expect(result.stderr).toBe('');
    const image = `${ORDER_INGESTION}:v1.1.0@sha256:b6ab0516c2d63f38669bb6d6e7798f2a092dda409261fe40e90d21113f5668cb`;
    expect(result.stdout.startsWith(`Push ${image}: 1 workload changes\n\nWorkloads of crypto-oms (eu-west-1)\n`)).toBe(true);
    expect(result.stdout).toContain(`    image Deployment crypto-oms/order-ingestion order-ingestion: ${ORDER_INGESTION}:v1.0.0 -> ${image}\n`);
    expect(result.stdout).toContain(`            image: ${image}\n`);
    expect(result.stdout).toContain('      app.kubernetes.io/managed-by: eks-pilot\n');
    expect(result.stdout).not.toMatch(/^\s+password: (?!\[redacted\])/m);
    expect(result.code).toBe(EXIT.changesPending);
  });

  it('says why a platform manifest of a multi-arch push changes nothing', async () => {
    // Act
    const result = await cli(['deploy', 'plan', '--payload', PLATFORM_EVENT, '--offline', '--detailed-exitcode', '--spec', fixture('ghcr-oms')]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(
      'Push (none): 0 workloads change (untagged manifest (a platform manifest of a multi-arch push): the tagged index deploys instead)\n',
    );
  });

  it('plans an ECR push event for the workload whose image policy names the repository', async () => {
    // Act
    const result = await cli(['deploy', 'plan', '--payload', ECR_EVENT, '--offline', '--detailed-exitcode', path.join(EXAMPLES, 'crypto-oms')]);

    // Assess
    const image = `${ECR_INGESTION}:v1.3.0@sha256:9b2c4f6e8a0d1c3e5f7a9b1d3f5e7c9a1b3d5f7e9c1a3b5d7f9e1c3a5b7d9f1e`;
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith(`Push ${image}: 1 workload changes\n\nWorkloads of crypto-oms (eu-west-1)\n`)).toBe(true);
    expect(result.stdout).toContain(`            image: ${image}\n`);
    expect(result.code).toBe(EXIT.changesPending);
  });

  it('says what is wrong with an ECR event it cannot read, and changes nothing', async () => {
    // Prepare
    const event = JSON.parse(await readFile(ECR_EVENT, 'utf8')) as Record<string, unknown>;
    const file = await tempFile('ecr.json', JSON.stringify({ ...event, account: 'not-an-account' }));

    // Act
    const result = await cli(['deploy', 'plan', '--payload', file, '--offline', '--detailed-exitcode', path.join(EXAMPLES, 'crypto-oms')]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe('Push (none): 0 workloads change (not an ECR Image Action event: account: expected a 12-digit AWS account id)\n');
  });

  it('refuses a push the policy does not take, naming the rule', async () => {
    // Prepare
    const file = await tempFile('old.json', JSON.stringify(registryPackagePayload('crypto-oms', 'order-ingestion', 'main-abc123', digestOf('main'))));

    // Act
    const result = await cli(['deploy', 'plan', '--offline', '--json', '--payload', file, fixture('ghcr-oms')]);

    // Assess
    const json = JSON.parse(result.stdout) as { push: { plans: unknown[]; skipped: { workload: string; reason: string }[] } };
    expect(json.push.plans).toEqual([]);
    expect(json.push.skipped.map((item) => item.workload)).toEqual(['crypto-oms']);
    expect(result.code).toBe(EXIT.ok);
  });
});

describe('eks-pilot deploy against a Kubernetes API server', () => {
  let cluster: FakeCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('deploys a pinned image, lists the release, and finds no earlier release to roll back to', async () => {
    // Prepare
    cluster = await startFakeCluster();
    const k8s = cluster.port;
    const image = `${ORDER_INGESTION}:v1.1.0@${digestOf('v1.1.0')}`;

    // Act
    const deployed = await cli(['deploy', 'deploy', 'crypto-oms', '--image', image, '--spec', fixture('ghcr-oms')], { k8s });
    const history = await cli(['deploy', 'history', 'crypto-oms', fixture('ghcr-oms')], { k8s });
    const rollback = await cli(['deploy', 'rollback', 'crypto-oms', fixture('ghcr-oms')], { k8s });
    const plan = await cli(['deploy', 'plan', 'crypto-oms', '--detailed-exitcode', fixture('ghcr-oms')], { k8s });

    // Assess
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toMatch(new RegExp(`^crypto-oms/crypto-oms: succeeded: release 1 runs .*${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(deployed.code).toBe(EXIT.ok);
    expect(cluster.appliedObjects()).toContain('Deployment crypto-oms/order-ingestion');
    expect(history.stdout).toMatch(
      /^crypto-oms\/crypto-oms: 1 release, newest first\n {2}REV {2}RESULT +KIND +IMAGE +STARTED +REASON\n {2}1 +succeeded +deploy +ghcr\.io\/crypto-oms\/order-ingestion:v1\.1\.0 /,
    );
    expect(history.code).toBe(EXIT.ok);
    expect(rollback.stdout).toBe('crypto-oms/crypto-oms: ignored: no earlier successful release to roll back to\n');
    expect(rollback.code).toBe(EXIT.error);
    expect(plan.stdout).toContain(`    Deployment crypto-oms/order-ingestion  order-ingestion=${image}\n`);
    expect(plan.code).toBe(EXIT.ok);
  });

  it('refuses a deploy while another run holds the workload, naming who, and applies nothing', async () => {
    // Prepare: deploy-worker holds crypto-oms's lease (a push rolling out)
    cluster = await startFakeCluster();
    const leases = new FakeLeases();
    leases.hold('deploy/eu-west-1/crypto-oms/crypto-oms', {
      owner: 'lambda-run',
      holder: 'lambda eks-pilot-prod-deploy-worker',
      expiresAt: new Date(NOW.getTime() + 300_000),
    });
    const image = `${ORDER_INGESTION}:v1.1.0@${digestOf('v1.1.0')}`;

    // Act
    const deployed = await cli(['deploy', 'deploy', 'crypto-oms', '--image', image, fixture('ghcr-oms')], { k8s: cluster.port, leases });

    // Assess
    expect(deployed.stderr).toBe(
      'error: workload crypto-oms/crypto-oms is being changed by lambda eks-pilot-prod-deploy-worker (lease until 2026-11-22T12:05:00.000Z); this run changed nothing, try again once it is done\n',
    );
    expect(deployed.code).toBe(EXIT.error);
    expect(cluster.appliedObjects()).toEqual([]);
  });

  it('plans an image as the worker would take it: released, then skipped once it runs, and an older tag refused with the rule', async () => {
    // Prepare
    cluster = await startFakeCluster();
    const k8s = cluster.port;
    const image = `${ORDER_INGESTION}:v1.1.0@${digestOf('v1.1.0')}`;
    const older = `${ORDER_INGESTION}:v1.0.1@${digestOf('v1.0.1')}`;

    // Act
    const before = await cli(['deploy', 'plan', 'crypto-oms', '--image', image, '--detailed-exitcode', fixture('ghcr-oms')], { k8s });
    await cli(['deploy', 'deploy', 'crypto-oms', '--image', image, fixture('ghcr-oms')], { k8s });
    const again = await cli(['deploy', 'plan', 'crypto-oms', '--image', image, '--detailed-exitcode', '--json', fixture('ghcr-oms')], { k8s });
    const backwards = await cli(['deploy', 'plan', 'crypto-oms', '--image', older, '--detailed-exitcode', fixture('ghcr-oms')], { k8s });
    const deployedBackwards = await cli(['deploy', 'deploy', 'crypto-oms', '--image', older, '--json', fixture('ghcr-oms')], { k8s });

    // Assess
    expect(before.stdout.split('\n')[0]).toMatch(/^crypto-oms\/crypto-oms: the worker would release: /);
    expect(before.stdout.split('\n')[0]).toContain(image);
    expect(before.code).toBe(EXIT.changesPending);
    const decision = (JSON.parse(again.stdout) as { plan: { decision: unknown } }).plan.decision;
    expect(decision).toEqual({ action: 'skip', outcome: 'unchanged', reason: `${image} already runs` });
    expect(again.code).toBe(EXIT.ok);
    const refusal = /^crypto-oms\/crypto-oms: the worker would refuse: (.+)\n/.exec(backwards.stdout)?.[1];
    expect(refusal).toContain('v1.0.1');
    expect(backwards.code).toBe(EXIT.ok);
    expect((JSON.parse(deployedBackwards.stdout) as { result: { outcome: string; reason: string } }).result).toEqual(
      expect.objectContaining({ outcome: 'refused', reason: refusal }),
    );
  });

  it("plans an image offline through the same decision, against the manifests' images", async () => {
    // Act
    const same = await cli([
      'deploy',
      'plan',
      'crypto-oms',
      '--offline',
      '--json',
      '--image',
      `${ORDER_INGESTION}:v0.9.0@${digestOf('v0.9.0')}`,
      fixture('ghcr-oms'),
    ]);

    // Assess
    const plan = (JSON.parse(same.stdout) as { plan: { decision: { action: string; reason: string }; images: unknown[] } }).plan;
    expect(plan.decision.action).toBe('refuse');
    expect(plan.decision.reason).toContain('v0.9.0');
    expect(plan.images).toEqual([]);
  });

  it('refuses an image that is not pinned by digest before reaching the cluster', async () => {
    // Act
    const result = await cli(['deploy', 'deploy', 'crypto-oms', '--image', `${ORDER_INGESTION}:v1.1.0`, fixture('ghcr-oms')]);

    // Assess
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr.startsWith('error: --image: expected a pinned image, ghcr.io/<owner>/<name>:<tag>@sha256:<64 hex>\n\nUsage: eks-pilot plan')).toBe(
      true,
    );
  });
});

describe('eks-pilot deploy approve and reject', () => {
  let cluster: FakeCluster | undefined;
  const gated = gatedCryptoOms(['  - name: prod', '    approval: required']);
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });
  afterAll(() => {
    gated.remove();
  });

  function history(fake: FakeCluster): ReleaseRecord[] {
    const configMap = fake.objects.get('/api/v1/namespaces/crypto-oms/configmaps/eks-pilot-releases-crypto-oms');
    return JSON.parse((configMap?.data as Record<string, string> | undefined)?.[RELEASES_KEY] ?? '[]') as ReleaseRecord[];
  }

  it('holds a deploy under approval: required, shows it waiting in history and status, and approves it as the STS caller', async () => {
    // Prepare
    cluster = await startFakeCluster();
    const k8s = cluster.port;
    const image = `${ORDER_INGESTION}:v1.1.0@${digestOf('v1.1.0')}`;
    const [loaded] = await loadSpecs([gated.file]);
    const eks = new FakeEks({ region: 'eu-west-1' });
    if (loaded) eks.seedFromSpec(loaded.spec);

    // Act
    const deployed = await cli(['deploy', 'deploy', 'crypto-oms', '--image', image, gated.file], { k8s });
    const listed = await cli(['deploy', 'history', 'crypto-oms', gated.file], { k8s });
    const status = await cli(['status', gated.file], { eks, cloudWatch: new FakeCloudWatch(), k8s });
    const approved = await cli(['deploy', 'approve', gated.file, '--workload', 'crypto-oms'], { k8s });
    const again = await cli(['deploy', 'approve', gated.file, '--workload', 'crypto-oms', '--release', '1'], { k8s });

    // Assess
    expect(deployed.stdout).toBe('crypto-oms/crypto-oms: waiting: release 1 is held (approval required)\n');
    expect(deployed.code).toBe(EXIT.ok);
    expect(listed.stdout).toMatch(/\n {2}1 +waiting +deploy +ghcr\.io\/crypto-oms\/order-ingestion:v1\.1\.0 +2026-11-22T12:00:00\.000Z +approval required\n/);
    expect(status.stdout).toContain(
      "    crypto-oms: no release recorded (the manifests' images); waiting: release 1 (approval required, since 2026-11-22T12:00:00.000Z)",
    );
    expect(approved.stdout).toMatch(/^crypto-oms\/crypto-oms: succeeded: release 2 runs /);
    expect(approved.code).toBe(EXIT.ok);
    expect(history(cluster).at(-1)).toMatchObject({ revision: 2, result: 'succeeded', heldAs: 1, approval: { by: CALLER_ARN, at: NOW.toISOString() } });
    expect(again.stdout).toBe(
      `crypto-oms/crypto-oms: unchanged: release 1 was already released as release 2 (approved by ${CALLER_ARN} at ${NOW.toISOString()})\n`,
    );
    expect(again.code).toBe(EXIT.ok);
  });

  it('rejects a held release by revision, and refuses --force on a reject before reaching the cluster', async () => {
    // Prepare
    cluster = await startFakeCluster();
    const k8s = cluster.port;
    await cli(['deploy', 'deploy', 'crypto-oms', '--image', `${ORDER_INGESTION}:v1.2.0@${digestOf('v1.2.0')}`, gated.file], { k8s });

    // Act
    const forced = await cli(['deploy', 'reject', 'crypto-oms', '--force', gated.file], { k8s });
    const rejected = await cli(['deploy', 'reject', 'crypto-oms', '--release', '1', gated.file], { k8s });

    // Assess
    expect(forced.stderr).toContain('error: --force goes with deploy deploy and deploy approve only');
    expect(forced.code).toBe(EXIT.error);
    expect(rejected.stdout).toBe(`crypto-oms/crypto-oms: rejected: release 1 (rejected by ${CALLER_ARN})\n`);
    expect(rejected.code).toBe(EXIT.ok);
    expect(history(cluster)).toEqual([
      expect.objectContaining({ revision: 1, result: 'rejected', rejection: expect.objectContaining({ by: CALLER_ARN }) as unknown }),
    ]);
    expect(cluster.appliedObjects().filter((object) => object.startsWith('Deployment'))).toEqual([]);
  });
});

describe('eks-pilot scale', () => {
  async function kianaxPorts(): Promise<{ eks: FakeEks; cloudWatch: FakeCloudWatch; k8s: FakeKubernetes }> {
    const eks = await seededEks('kianax', 'us-east-1');
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState(ALARM, 'OK', new Date('2026-11-22T11:00:00Z'));
    const k8s = new FakeKubernetes();
    k8s.put(hpa('kianax', 'kianax-api'));
    k8s.put(hpa('kianax', 'kianax-web'));
    return { eks, cloudWatch, k8s };
  }

  it('plans what ALARM would do to a rule, node groups first, and writes nothing', async () => {
    // Prepare
    const ports = await kianaxPorts();

    // Act
    const result = await cli(['scale', 'plan', 'general-ng-cpu', '--at', '2026-11-22T12:00:00Z', '--detailed-exitcode', spec('kianax')], ports);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Rule general-ng-cpu of kianax (us-east-1): Drifted: step: ${ALARM} in ALARM since 2026-11-22T12:00:00.000Z: one step\n`);
    expect(result.stdout).toContain('  would move nodegroup/general-ng scaling.maxSize: 6 -> 8\n');
    expect(result.stdout).toContain('  would move hpa/kianax/kianax-api spec.maxReplicas: 10 -> 15\n');
    expect(ports.eks.writes()).toEqual([]);
    expect(ports.k8s.patches()).toEqual([]);
    expect(result.code).toBe(EXIT.changesPending);
  });

  it("resets a rule to the spec's values now", async () => {
    // Prepare
    const ports = await kianaxPorts();
    await cli(['scale', 'plan', 'general-ng-cpu', spec('kianax')], ports);

    // Act
    const result = await cli(['scale', 'reset', 'general-ng-cpu', spec('kianax')], ports);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain("Rule general-ng-cpu of kianax (us-east-1): Converged: return: reset asked for: the spec's values come back now\n");
  });

  it.each([
    [['scale', 'plan', 'nope', spec('kianax')], 'error: no scaling rule "nope"; the specs have: kianax/general-ng-cpu\n'],
    [['scale', 'plan', 'general-ng-cpu', '--state', 'RED', spec('kianax')], 'error: --state: expected one of "OK"|"ALARM"|"INSUFFICIENT_DATA"\n'],
    [['scale', 'reset', spec('kianax')], 'error: scale reset needs a spec file or folder\n'],
    [['scale', 'grow', 'general-ng-cpu', spec('kianax')], 'error: unknown scale action "grow" (expected plan or reset)\n'],
    [
      ['scale', 'plan', 'general-ng-cpu', '--offline', spec('kianax')],
      'error: scale plan reads the alarms and the cluster; for the rules offline, run eks-pilot plan --offline\n',
    ],
  ])('exits 1 with a clear message for %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr.startsWith(message)).toBe(true);
    expect(result.stderr).toContain('\nUsage: eks-pilot plan');
  });
});

describe('eks-pilot pools', () => {
  it('plans the pools of financial-move offline', async () => {
    const result = await cli(['pools', '--offline', '--detailed-exitcode', fixture('financial-move-nodes')]);
    expect(result.code).toBe(EXIT.changesPending);
    expect(result.stdout).toContain(
      '    egress (node group prod-ng): 0 of 2 held, 2 to allocate -> /eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress\n',
    );
  });

  it("prints each pool's held, attached and missing addresses from the account", async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'financial-move', 'eks-pilot/pool': 'ingress' } });

    // Act
    const result = await cli(['pools', fixture('financial-move-nodes')], { ec2 });

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('  financial-move/ingress: Drifted: 1 held, 0 attached, 1 missing (of 2)\n');
    expect(ec2.writes()).toEqual([]);
  });

  it('says so when no spec has pools', async () => {
    const result = await cli(['pools', '--offline', spec('starter')]);
    expect(result).toEqual({ code: EXIT.ok, stdout: 'No Elastic IP pools: no spec has elasticIpPools.\n', stderr: '' });
  });
});

describe('eks-pilot status', () => {
  it('prints one screen for a fleet, with the overrides in force and an unreachable cluster as a line', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-status-'));
    const eks = await seededEks('kianax', 'us-east-1');
    const [crypto] = await loadSpecs([fixture('ghcr-oms')]);
    if (crypto) eks.seedFromSpec(crypto.spec);
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState(ALARM, 'ALARM', new Date('2026-11-22T11:50:00Z'));
    const kianaxK8s = new FakeKubernetes();
    kianaxK8s.put(hpa('kianax', 'kianax-api'));
    kianaxK8s.put({
      ...hpa('kianax', 'kianax-web', { min: 2, max: 15 }),
      metadata: {
        ...hpa('kianax', 'kianax-web').metadata,
        annotations: {
          'eks-pilot/override-max-replicas': '15',
          'eks-pilot/override-expires': '2026-11-22T17:50:00.000Z',
          'eks-pilot/override-source': `alarm/${ALARM}@2026-11-22T11:50:00.000Z`,
          'eks-pilot/spec-max-replicas': '10',
        },
      },
    });
    // A manifests path stays inside the spec's folder: each copy gets its manifests next to it.
    // crypto-oms from the GHCR fixture (tests/fixtures/ghcr-oms), as the other crypto-oms tests here.
    for (const [example, source] of [
      ['kianax', path.join(EXAMPLES, 'kianax')],
      ['crypto-oms', path.dirname(fixture('ghcr-oms'))],
    ] as const) {
      await cp(path.join(source, 'manifests'), path.join(dir, `${example}/manifests`), { recursive: true });
      await writeFile(
        path.join(dir, `${example}.yaml`),
        (await readFile(path.join(source, 'cluster.yaml'), 'utf8')).replace('manifests: manifests', `manifests: ${example}/manifests`),
      );
    }
    const k8s = (cluster: string) =>
      cluster === 'kianax'
        ? Promise.resolve(kianaxK8s)
        : Promise.reject(
            new KubernetesUnreachableError('no answer from the API server (ETIMEDOUT)', { context: { cluster, method: 'GET', path: '/', status: 0 } }),
          );

    // Act
    const result = await cli(['status', dir], { eks, cloudWatch, k8s, now: () => NOW });
    const json = await cli(['status', '--json', dir], { eks, cloudWatch, k8s, now: () => NOW });

    // Assess
    expect(result.stdout).toContain(`Fleet of 2 clusters\n\ncrypto-oms (eu-west-1) from ${path.join(dir, 'crypto-oms.yaml')}\n  provision: Converged`);
    expect(result.stdout).toContain('  workloads:\n    crypto-oms: unreachable: no answer from the API server (ETIMEDOUT)\n');
    expect(result.stdout).toContain(
      `    general-ng-cpu (${ALARM} ALARM since 2026-11-22T11:50:00.000Z): 1 in force\n      hpa/kianax/kianax-web: overridden: max 15 until 2026-11-22T17:50:00.000Z (alarm ${ALARM})\n`,
    );
    // The kianax fake serves scale-watch's reads only: the workload's drift check says so, on its line.
    expect(result.stdout).toContain('  workloads:\n    kianax: error: scale-watch never applies\n');
    expect(result.stdout).toContain('  pools: no Elastic IP pools in the spec\n');
    expect(eks.writes()).toEqual([]);
    expect(kianaxK8s.patches()).toEqual([]);
    expect(result.code).toBe(EXIT.error);
    const clusters = (
      JSON.parse(json.stdout) as {
        clusters: {
          cluster: string;
          provision: { status: string };
          workloads: { error?: string }[];
          scaling: { targets: { state: string; expires?: string }[] }[];
        }[];
      }
    ).clusters;
    expect(clusters.map((cluster) => [cluster.cluster, cluster.provision.status])).toEqual([
      ['crypto-oms', 'Converged'],
      ['kianax', 'Converged'],
    ]);
    expect(clusters[0]?.workloads[0]?.error).toBe('unreachable: no answer from the API server (ETIMEDOUT)');
    expect(clusters[1]?.scaling[0]?.targets.filter((target) => target.state === 'overridden').map((target) => target.expires)).toEqual([
      '2026-11-22T17:50:00.000Z',
    ]);
  });

  it('refuses --offline, naming the command that plans offline', async () => {
    const result = await cli(['status', '--offline', spec('kianax')]);
    expect(result.code).toBe(EXIT.error);
    expect(
      result.stderr.startsWith('error: status shows what runs in the account; it has no --offline (eks-pilot plan --offline shows what would be created)\n'),
    ).toBe(true);
  });
});

describe('eks-pilot usage errors', () => {
  it.each([
    [['deploy'], 'error: deploy needs an action: plan, deploy, history, rollback, approve, reject\n'],
    [['deploy', 'ship', 'crypto-oms'], 'error: unknown deploy action "ship" (expected plan, deploy, history, rollback, approve, reject)\n'],
    [['deploy', 'plan', fixture('ghcr-oms'), '--payload', WEBHOOK_EVENT], 'error: deploy plan --payload plans offline (with no cluster): add --offline\n'],
    [['deploy', 'history', '--spec', fixture('ghcr-oms')], 'error: deploy history needs a workload name\n'],
    [['deploy', 'rollback', 'crypto-oms', '--to', 'last', fixture('ghcr-oms')], 'error: --to expects a whole number of 1 or more, not "last"\n'],
    [
      ['deploy', 'history', 'crypto-oms', '--offline', fixture('ghcr-oms')],
      'error: deploy history changes or reads a cluster; --offline goes with deploy plan only\n',
    ],
    [['deploy', 'plan', 'nope', '--offline', fixture('ghcr-oms')], 'error: no workload "nope"; the specs have: crypto-oms/crypto-oms\n'],
    [
      ['deploy', 'plan', '--offline', '--payload', '/nonexistent.json', fixture('ghcr-oms')],
      'error: --payload /nonexistent.json: cannot read the file (ENOENT)\n',
    ],
    [['pools', '--offlne', fixture('ghcr-oms')], "error: Unknown option '--offlne'"],
    [['status'], 'error: status needs a spec file or folder\n'],
    [['--offline'], 'error: expected a command before --offline\n'],
  ])('exits 1 with a clear message for %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(EXIT.error);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(message)).toBe(true);
  });
});

describe('eks-pilot apply', () => {
  it("starts creating the cluster in an empty account, as provision's reconcile does, and never waits for EKS", async () => {
    // Prepare
    const eks = new FakeEks({ region: 'us-east-1' });

    // Act
    const result = await cli(['apply', spec('starter')], { eks });

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^starter \(us-east-1\): InProgress: /);
    expect(result.stdout).toContain('  applied  CreateCluster cluster/starter\n');
    expect(eks.writes().map((call) => call.name)).toEqual(['CreateCluster']);
  });
});
