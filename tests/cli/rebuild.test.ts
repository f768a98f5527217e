import type { CliFactories } from '../../cli/main';
import { main } from '../../cli/main';
import { reconcilePools } from '../../functions/eip-manager/run';
import { digestOf } from '../../testing/deploy-events';
import { RebuildWorld } from '../../testing/rebuild-world';
import { FakeSecretValues } from '../../testing/secret-values';
import { FakeLeases } from '../../testing/fake-lease';
import { fixture, QUIET } from './support';

const TASK = 'ghcr.io/financial-move/task-service';

/** The CLI's factories over the world's doubles; its wait between runs lets the world's time pass. */
function factoriesOf(world: RebuildWorld, options: { releases?: boolean } = {}): Partial<CliFactories> {
  const leases = new FakeLeases();
  return {
    provision: () => Promise.resolve({ eksFor: () => world.eks, now: () => world.now(), logger: QUIET }),
    eip: () => Promise.resolve(world.eipDeps()),
    kubernetes: () => Promise.resolve(() => Promise.resolve(world.cluster.port)),
    secrets: () => Promise.resolve(new FakeSecretValues()),
    releases: () => Promise.resolve(options.releases === false ? undefined : world.releases),
    workloadLeases: () => Promise.resolve({ leaseFor: () => leases, holder: 'cli test@laptop' }),
    now: () => world.now(),
    sleep: (ms) => {
      world.passTime(ms);
      return Promise.resolve();
    },
  };
}

async function run(argv: readonly string[], factories: Partial<CliFactories>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } }, factories);
  return { code, stdout, stderr };
}

// Several runs of three functions against HTTP and AWS doubles: seconds on a shared, loaded machine.
jest.setTimeout(30_000);

describe('eks-pilot rebuild', () => {
  let world: RebuildWorld | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('rebuilds a lost cluster to its end, printing each run, the workload back at its last successful digest', async () => {
    // Prepare
    world = await RebuildWorld.start(fixture('financial-move-nodes'));
    world.ec2.seedAddress({ tags: { 'partner-allowlist': 'financial-move-egress' } });
    world.ec2.seedAddress({ tags: { 'partner-allowlist': 'financial-move-egress' } });
    await reconcilePools(world.spec, world.eipDeps(), { mode: 'apply' });
    await world.deploy('prod', { repository: TASK, tag: 'v1.3.0', digest: digestOf(`${TASK}:v1.3.0`) });
    await world.disaster();

    // Act
    const result = await run(['rebuild', fixture('financial-move-nodes'), '--interval', '300'], factoriesOf(world));

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^rebuild financial-move \(sa-east-1\): started, cluster, InProgress after 0 min: cluster: CreateCluster cluster\/financial-move started/,
    );
    expect(lines).toContain('  restore prod: succeeded');
    expect(lines.at(-1)).toMatch(/^rebuild financial-move \(sa-east-1\): finished, done, Converged after \d+ min: done: 1 of 1 workload\(s\) restored$/);
    expect(world.deploymentImage('prod', 'task-service')).toBe(`${TASK}:v1.3.0@${digestOf(`${TASK}:v1.3.0`)}`);
  });

  it('says what to set when no release table is configured, and touches nothing', async () => {
    // Prepare
    world = await RebuildWorld.start(fixture('financial-move-nodes'));
    await world.disaster();

    // Act
    const result = await run(['rebuild', fixture('financial-move-nodes')], factoriesOf(world, { releases: false }));

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: rebuild restores the workloads from the stack's release table: set EKS_PILOT_RELEASE_TABLE");
    expect(world.eks.writes()).toEqual([]);
  });
});
