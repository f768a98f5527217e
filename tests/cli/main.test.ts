import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT, main } from '../../cli/main';

const ROOT = path.join(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples');
const VALID = path.join(ROOT, 'tests/fixtures/specs/valid.yaml');

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('eks-pilot plan', () => {
  it.each(['financial-move', 'crypto-oms', 'kianax', 'comments-app', 'starter', 'kops'])('plans the %s example offline', async (name) => {
    // Act
    const result = await run('plan', '--offline', path.join(EXAMPLES, name, 'cluster.yaml'));

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain(`Cluster ${name} (`);
    expect(result.stdout).toMatch(new RegExp(`CreateCluster +cluster/${name} +create`));
    expect(result.stdout).toMatch(/Plan: \d+ to create, 0 to update, 0 to replace, 0 to delete, 0 forbidden\./);
  });

  it("prints kianax's node groups with their Cluster Autoscaler tags, and its platform components in apply order", async () => {
    // Act
    const result = await run('plan', '--offline', path.join(EXAMPLES, 'kianax', 'cluster.yaml'));

    // Assess: the spot group at 0 carries its labels and taint; the namespaces go before the autoscaler
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('  nodegroup/jobs-ng (0-10 nodes)\n');
    expect(result.stdout).toContain('    k8s.io/cluster-autoscaler/node-template/taint/workload = jobs:NoSchedule\n');
    expect(result.stdout).toContain('    k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType = SPOT\n');
    expect(result.stdout).toContain(
      'Platform components of kianax (us-east-1), applied as arn:aws:iam::777788889999:role/kianax-platform-admins before any workload',
    );
    expect(result.stdout.indexOf('Namespace logging')).toBeLessThan(result.stdout.indexOf('Deployment kube-system/cluster-autoscaler'));
  });

  it.each([
    [
      'financial-move',
      'sa-east-1',
      'arn:aws:iam::111122223333:role/platform-admins',
      'arn:aws:iam::111122223333:role/financial-move-aws-load-balancer-controller',
    ],
    [
      'crypto-oms',
      'eu-west-1',
      'arn:aws:iam::444455556666:role/crypto-oms-platform-admins',
      'arn:aws:iam::444455556666:role/crypto-oms-aws-load-balancer-controller',
    ],
  ])(
    "prints %s's AWS Load Balancer Controller: its Pod Identity, the agent add-on and the platform component, CRDs first",
    async (name, region, platformRole, podRole) => {
      // Act
      const result = await run('plan', '--offline', path.join(EXAMPLES, name, 'cluster.yaml'));

      // Assess
      expect(result.code).toBe(EXIT.ok);
      expect(result.stdout).toMatch(/CreatePodIdentityAssociation +pod-identity\/kube-system\/aws-load-balancer-controller +create/);
      expect(result.stdout).toContain(`        roleArn: ${podRole}\n`);
      expect(result.stdout).toMatch(/CreateAddon +addon\/eks-pod-identity-agent +create/);
      expect(result.stdout).toContain(`Platform components of ${name} (${region}), applied as ${platformRole} before any workload\n`);
      const platform = result.stdout.slice(result.stdout.indexOf('Platform components of'), result.stdout.indexOf('Workloads of'));
      const objects = platform.split('\n').flatMap((line) => /^ +\d+ {2}(\S+ \S+) +aws-load-balancer-controller$/.exec(line)?.slice(1) ?? []);
      expect(objects).toHaveLength(20);
      expect(objects.slice(0, 2)).toEqual([
        'CustomResourceDefinition ingressclassparams.elbv2.k8s.aws',
        'CustomResourceDefinition targetgroupbindings.elbv2.k8s.aws',
      ]);
      expect(objects).toContain('Deployment kube-system/aws-load-balancer-controller');
      expect(objects.slice(-2)).toEqual(['MutatingWebhookConfiguration aws-load-balancer-webhook', 'ValidatingWebhookConfiguration aws-load-balancer-webhook']);
    },
  );

  it('puts the autoscaler tags and the platform in the JSON plan', async () => {
    // Act
    const result = await run('plan', '--offline', '--json', path.join(EXAMPLES, 'comments-app', 'cluster.yaml'));

    // Assess
    const json = JSON.parse(result.stdout) as {
      autoscalerTags: { nodeGroup: string }[];
      platform: { roleArn: string; objects: { component: string; object: string }[] }[];
    };
    expect(json.autoscalerTags.map((item) => item.nodeGroup)).toEqual(['spot-ng']);
    expect(json.platform[0]?.roleArn).toBe('arn:aws:iam::222233334444:role/comments-app-platform');
    expect(json.platform[0]?.objects.at(-1)).toEqual({ component: 'ingress-nginx', object: 'ValidatingWebhookConfiguration ingress-nginx-admission' });
  });

  it('has a cluster spec in every example folder', async () => {
    const folders = (await readdir(EXAMPLES, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.sort()).toEqual(['auto-mode', 'comments-app', 'crypto-oms', 'financial-move', 'kianax', 'kops', 'starter']);
  });

  it('prints JSON that scripts can read', async () => {
    // Act
    const result = await run('plan', '--offline', '--json', path.join(EXAMPLES, 'starter/cluster.yaml'));

    // Assess
    const json = JSON.parse(result.stdout) as { plans: { cluster: string; status: string; actions: { kind: string }[] }[] };
    expect(json.plans.map((plan) => [plan.cluster, plan.status, plan.actions.map((action) => action.kind)])).toEqual([
      ['starter', 'changes', ['CreateCluster', 'CreateNodegroup']],
    ]);
  });

  it('exits 2 with --detailed-exitcode when changes are pending', async () => {
    const result = await run('plan', '--offline', '--detailed-exitcode', VALID);
    expect(result.code).toBe(EXIT.changesPending);
  });

  it('exits 1 and names file, line and field for an invalid spec, without a stack trace', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-cli-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, (await readFile(VALID, 'utf8')).replace('{ min: 1, max: 3 }', '{ min: 1, max: 3, desired: 9 }'));

    // Act
    const result = await run('plan', '--offline', file);

    // Assess
    expect(result.code).toBe(EXIT.error);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `error: the spec is not valid (1 problem):\n${file}:12:41 nodeGroups[0].scaling.desired: desired (9) must lie within [min, max] = [1, 3]\n`,
    );
  });

  it('plans a folder as a fleet', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'eks-pilot-fleet-'));
    const text = await readFile(VALID, 'utf8');
    await writeFile(path.join(dir, 'one.yaml'), text.replace('name: test-cluster', 'name: one'));
    await writeFile(path.join(dir, 'two.yaml'), text.replace('name: test-cluster', 'name: two'));

    // Act
    const result = await run('plan', '--offline', dir);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout.match(/^Cluster \S+/gm)).toEqual(['Cluster one', 'Cluster two']);
  });

  it.each([
    [['plan', '--offline', '/nonexistent/spec.yaml'], 'error: the spec is not valid (1 problem):\n/nonexistent/spec.yaml: no such file or folder\n'],
    [['plan', '--offline'], 'error: plan needs a spec file or folder'],
    [['destroy'], 'error: unknown command "destroy"'],
    [['plan', '--offlin', 'x.yaml'], "error: Unknown option '--offlin'"],
    [['apply', '--offline', 'x.yaml'], 'error: apply changes a real account; --offline goes with plan only'],
  ])('exits 1 with a clear message for %j', async (argv, message) => {
    // Act
    const result = await run(...argv);

    // Assess
    expect(result.code).toBe(EXIT.error);
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  it('prints usage and exits 0 with --help', async () => {
    const result = await run('--help');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('Usage: eks-pilot plan [--offline] [--json] [--detailed-exitcode] <spec file or folder>...');
  });
});

describe('the CLI page (docs/cli.md)', () => {
  it('documents only offline lines that run and exit 0', async () => {
    // Prepare: its first shell block, the offline commands
    const page = await readFile(path.join(ROOT, 'docs/cli.md'), 'utf8');
    const block = page.slice(page.indexOf('```sh\n') + 6, page.indexOf('```', page.indexOf('```sh\n') + 6));
    const offline = block
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line.startsWith('npx eks-pilot ') && line.includes('--offline'))
      .map((line) =>
        line
          .split(/\s+/)
          .slice(2)
          .map((word) => (word.startsWith('examples/') || word.startsWith('events/') ? path.join(ROOT, word) : word)),
      );

    // Act
    const results = await Promise.all(offline.map((argv) => run(...argv)));

    // Assess
    expect(offline.length).toBeGreaterThanOrEqual(5);
    expect(results.map((result) => [result.code, result.stderr])).toEqual(offline.map(() => [EXIT.ok, '']));
  });
});
