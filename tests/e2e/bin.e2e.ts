/**
 * The CLI as a user starts it: `bin/eks-pilot.cjs` in a child process, offline and against moto,
 * on the project's Node 22 and on the machine's own Node when that is another major version.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeNodegroupCommand, EKSClient, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { runBin } from './support/bin';
import type { Moto } from './support/moto';
import { startMoto } from './support/moto';
import { ROOT, specFile } from './support/specs';

/** The first `node` on PATH outside node_modules: the machine's own. */
function machineNode(): { path: string; major: number } | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '' && !dir.includes('node_modules'));
  for (const dir of dirs) {
    const candidate = path.join(dir, 'node');
    const probe = spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' });
    if (probe.status === 0) return { path: candidate, major: Number(probe.stdout.trim()) };
  }
  return undefined;
}

const STARTER = 'examples/starter/cluster.yaml';
const nodes = [{ label: `Node ${process.versions.node} (the project's)`, node: process.execPath }];
const machine = machineNode();
if (machine !== undefined && machine.major !== Number(process.versions.node.split('.')[0])) {
  nodes.push({ label: `Node ${machine.major} (the machine's own, ${machine.path})`, node: machine.path });
}

describe.each(nodes)('eks-pilot on $label', ({ node }) => {
  it('plans an example offline and exits 0', async () => {
    const { code, stdout, stderr } = await runBin(['plan', '--offline', STARTER], { node });

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('Cluster starter (us-east-1) from examples/starter/cluster.yaml');
    expect(stdout).toContain('Plan: 2 to create, 0 to update, 0 to replace, 0 to delete, 0 forbidden.');
  });

  it('plans all four functions of kianax offline: cluster, autoscaler tags, alarms, scaling rules, platform and workloads', async () => {
    const { code, stdout } = await runBin(['plan', 'examples/kianax/cluster.yaml', '--offline'], { node });

    expect(code).toBe(0);
    const headings = stdout.split('\n').filter((line) => /^[A-Z]/.test(line));
    expect(headings).toEqual([
      'Cluster kianax (us-east-1) from examples/kianax/cluster.yaml',
      'Node groups of kianax (us-east-1): the Cluster Autoscaler tags on their Auto Scaling groups',
      'Alarms of kianax (us-east-1)',
      'Scaling rules of kianax (us-east-1)',
      'Platform components of kianax (us-east-1), applied as arn:aws:iam::777788889999:role/kianax-platform-admins before any workload',
      'Workloads of kianax (us-east-1)',
    ]);
    expect(stdout).toContain('  kianax: 12 objects, offline: every object would be applied');
  });

  it('prints a plan scripts can parse with --json', async () => {
    const { code, stdout } = await runBin(['plan', '--offline', '--json', STARTER], { node });

    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { plans: { cluster: string; status: string; actions: { kind: string }[] }[] };
    expect(parsed.plans[0]).toMatchObject({ cluster: 'starter', status: 'changes' });
    expect(parsed.plans[0]?.actions.map((action) => action.kind)).toEqual(['CreateCluster', 'CreateNodegroup']);
  });

  it('exits 2 with --detailed-exitcode when changes are pending', async () => {
    const { code } = await runBin(['plan', '--offline', '--detailed-exitcode', STARTER], { node });

    expect(code).toBe(2);
  });

  it('exits 1 on a bad spec, naming file, line and field, with no stack trace', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'eks-pilot-bad-'));
    const bad = path.join(dir, 'bad.yaml');
    const starter = readFileSync(path.join(ROOT, STARTER), 'utf8');
    writeFileSync(bad, starter.replace(/^name: starter$/m, 'name: -starter'));
    const line = starter.split('\n').findIndex((text) => text === 'name: starter') + 1;

    // Act
    const { code, stdout, stderr } = await runBin(['plan', '--offline', bad], { node });

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: the spec is not valid');
    expect(stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:7 name: `));
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with usage for an unknown command', async () => {
    const { code, stderr } = await runBin(['frobnicate'], { node });

    expect(code).toBe(1);
    expect(stderr).toContain('error: unknown command "frobnicate"');
    expect(stderr).toContain('Usage: eks-pilot');
  });
});

describe('npx eks-pilot, as the README gives it', () => {
  it("prints no npm warning (no EBADENGINE) on the machine's own Node", () => {
    // npm's own bin directory comes from the machine's node; node_modules/.bin stays off PATH.
    const env = {
      ...process.env,
      PATH: (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => !dir.includes('node_modules'))
        .join(path.delimiter),
    };
    const result = spawnSync('npx', ['eks-pilot', 'plan', '--offline', STARTER], { cwd: ROOT, env, encoding: 'utf8' });

    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(/npm warn|EBADENGINE/i);
    expect(result.stdout).toContain('Plan: 2 to create');
  });
});

describe('eks-pilot against moto (AWS_ENDPOINT_URL)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
  });

  it('plans live, applies until converged, then reports drift made out of band', async () => {
    const env = { ...moto.env, AWS_REGION: 'us-east-1' };
    const spec = specFile('starter');

    // An empty account: the live plan reads it and proposes the creates.
    const first = await runBin(['plan', '--detailed-exitcode', spec], { env });
    expect(first.code).toBe(2);
    expect(first.stdout).toContain('CreateCluster');

    // Apply starts what is safe and never waits: run it until it converges, as the schedule would.
    const summaries: string[] = [];
    for (let run = 0; run < 5; run += 1) {
      const applied = await runBin(['apply', spec], { env });
      expect(applied.code).toBe(0);
      summaries.push(applied.stdout.split('\n')[0] ?? '');
      if (applied.stdout.includes(': Converged:')) break;
    }
    expect(summaries[0]).toContain('InProgress: CreateCluster cluster/starter started');
    expect(summaries.at(-1)).toBe('starter (us-east-1): Converged: matches the spec');

    const converged = await runBin(['plan', '--detailed-exitcode', '--json', spec], { env });
    expect(converged.code).toBe(0);
    expect((JSON.parse(converged.stdout) as { plans: { actions: unknown[] }[] }).plans[0]?.actions).toEqual([]);

    // Someone moves the node group's bounds by hand.
    const eks = new EKSClient(moto.clientConfig('us-east-1'));
    await eks.send(
      new UpdateNodegroupConfigCommand({ clusterName: 'starter', nodegroupName: 'starter-ng', scalingConfig: { minSize: 1, maxSize: 6, desiredSize: 3 } }),
    );
    const moved = await eks.send(new DescribeNodegroupCommand({ clusterName: 'starter', nodegroupName: 'starter-ng' }));
    expect(moved.nodegroup?.scalingConfig).toEqual({ minSize: 1, maxSize: 6, desiredSize: 3 });

    const drifted = await runBin(['plan', '--detailed-exitcode', spec], { env });
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toContain('UpdateNodegroupConfig');
    expect(drifted.stdout).toContain('scaling.min: 1 -> 3');
    expect(drifted.stdout).toContain('scaling.max: 6 -> 3');
    eks.destroy();
  });

  it('fails with exit 1 and a plain message when the endpoint does not answer', async () => {
    const { code, stderr } = await runBin(['plan', STARTER], { env: { ...moto.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });

    expect(code).toBe(1);
    expect(stderr).toContain('starter (us-east-1)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
