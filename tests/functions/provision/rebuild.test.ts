import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLATFORM_LABEL } from '../../../shared/model/cluster-spec/platform';
import { reconcilePools } from '../../../functions/eip-manager/run';
import type { RebuildReport } from '../../../functions/provision/rebuild/run';
import { rebuildLeaseKey } from '../../../functions/provision/rebuild/run';
import { handleProvisionBatch } from '../../../functions/provision/invoke';
import type { ReleaseRecord } from '../../../functions/deploy/model/releases';
import { digestOf } from '../../../testing/deploy-events';
import { RebuildWorld } from '../../../testing/rebuild-world';
import type { WorldOptions } from '../../../testing/rebuild-world';

// financial-move with its egress pool on the nodes: the rebuild re-attaches it to the new ones.
const SPEC = path.join(__dirname, '../../fixtures/financial-move-nodes/cluster.yaml');
const TASK = 'ghcr.io/financial-move/task-service';
const WALLET = 'ghcr.io/financial-move/wallet-cryptotraders-service';
const KEY = { region: 'sa-east-1', cluster: 'financial-move', workload: 'prod' };
const FIVE_MINUTES = 5 * 60_000;

const image = (repository: string, tag: string) => ({ repository, tag, digest: digestOf(`${repository}:${tag}`) });
const pinned = (repository: string, tag: string): string => `${repository}:${tag}@${digestOf(`${repository}:${tag}`)}`;

/** The platform components the tests give financial-move: its namespace, and a controller that reads nodes. */
const PLATFORM_OBJECTS = [
  'Namespace prod',
  'ServiceAccount kube-system/node-reader',
  'ClusterRole node-reader',
  'ClusterRoleBinding node-reader',
  'Deployment kube-system/node-reader',
];

/**
 * A copy of the financial-move example in `dir` whose spec has platform components (applied as
 * platform-admins, whose access entry is cluster-scoped); `image` is the controller's.
 */
function withPlatform(dir: string, image = 'registry.k8s.io/node-reader:v1.2.0'): string {
  cpSync(path.dirname(SPEC), dir, { recursive: true });
  mkdirSync(path.join(dir, 'platform/namespaces'), { recursive: true });
  mkdirSync(path.join(dir, 'platform/node-reader'), { recursive: true });
  writeFileSync(path.join(dir, 'platform/namespaces/prod.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: { name: prod }\n');
  writeFileSync(
    path.join(dir, 'platform/node-reader/node-reader.yaml'),
    [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata: { name: node-reader, namespace: kube-system }',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: { name: node-reader }',
      'rules: [{ apiGroups: [""], resources: [nodes], verbs: [get, list, watch] }]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRoleBinding',
      'metadata: { name: node-reader }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader }',
      'subjects: [{ kind: ServiceAccount, name: node-reader, namespace: kube-system }]',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: { name: node-reader, namespace: kube-system }',
      'spec:',
      '  selector: { matchLabels: { app: node-reader } }',
      '  template:',
      '    metadata: { labels: { app: node-reader } }',
      `    spec: { serviceAccountName: node-reader, containers: [{ name: node-reader, image: "${image}" }] }`,
      '',
    ].join('\n'),
  );
  appendFileSync(
    path.join(dir, 'cluster.yaml'),
    [
      'platform:',
      '  roleArn: arn:aws:iam::111122223333:role/platform-admins',
      '  components:',
      '    - name: namespaces',
      '      manifests: platform/namespaces',
      '    - name: node-reader',
      '      manifests: platform/node-reader',
      '',
    ].join('\n'),
  );
  return path.join(dir, 'cluster.yaml');
}

/** The financial-move cluster running two releases of task-service and one of the wallet, its pools attached, then lost. */
async function lostCluster(spec = SPEC, options: WorldOptions = {}): Promise<{ world: RebuildWorld; pools: { egress: string[]; ingress: string[] } }> {
  const world = await RebuildWorld.start(spec, options);
  // The partners' allow-listed addresses, adopted by tag, and the load balancer's, allocated by the pool.
  world.ec2.seedAddress({ tags: { 'partner-allowlist': 'financial-move-egress' } });
  world.ec2.seedAddress({ tags: { 'partner-allowlist': 'financial-move-egress' } });
  await reconcilePools(world.spec, world.eipDeps(), { mode: 'apply' });
  expect((await world.deploy('prod', image(TASK, 'v1.2.0'))).outcome).toBe('succeeded');
  expect((await world.deploy('prod', image(TASK, 'v1.3.0'))).outcome).toBe('succeeded');
  expect((await world.deploy('prod', image(WALLET, 'v1.1.0'))).outcome).toBe('succeeded');
  const pools = { egress: allocationsOf(world, 'egress'), ingress: allocationsOf(world, 'ingress') };
  await world.disaster();
  return { world, pools };
}

function allocationsOf(world: RebuildWorld, pool: string): string[] {
  return world.ec2
    .allAddresses()
    .filter((address) => address.Tags?.some((tag) => (tag.Key === 'eks-pilot/pool' || tag.Key === 'eks-pilot/adopted-by') && tag.Value?.endsWith(pool)))
    .map((address) => address.AllocationId ?? '')
    .sort();
}

/** Runs the schedule every five minutes, delivering what provision queued, until the rebuild finishes (at most `runs`). */
async function carryOn(world: RebuildWorld, first: RebuildReport, runs = 12): Promise<RebuildReport[]> {
  const reports = [first];
  await world.deliver();
  for (let run = 0; run < runs && reports.at(-1)?.outcome !== 'finished'; run += 1) {
    world.clock += FIVE_MINUTES;
    const response = await world.invoke(world.scheduled());
    const report = response.rebuilds?.[0];
    if (report === undefined) throw new Error('the scheduled run carried no rebuild on');
    reports.push(report);
    await world.deliver();
  }
  return reports;
}

// Several runs of three functions against HTTP and AWS doubles: seconds on a shared, loaded machine.
jest.setTimeout(30_000);

describe('disaster recovery: the rebuild of a lost cluster', () => {
  let world: RebuildWorld | undefined;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rebuild-'));
  });

  afterEach(async () => {
    await world?.close();
    world = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('recreates a cluster deleted in EKS from one rebuild invoke over several runs, the platform applied first, every workload back at its last successful digest and the pools re-attached', async () => {
    // Prepare: deploy-worker's container stays warm through the disaster, remembering the platform it applied to the lost cluster.
    const lost = await lostCluster(withPlatform(dir));
    world = lost.world;
    expect(world.eks.cluster('financial-move')).toBeUndefined();

    // Act
    const started = await world.invoke({ action: 'rebuild', cluster: 'financial-move' });
    const reports = await carryOn(world, started.rebuilds?.[0] as RebuildReport);

    // Assess: the cluster came back through provision's own multi-run path, and the rebuild reported each run.
    const last = reports.at(-1);
    expect(started.rebuilds?.[0]).toMatchObject({ outcome: 'started', phase: 'cluster', status: 'InProgress' });
    expect(reports.length).toBeGreaterThan(2);
    expect(last).toMatchObject({ outcome: 'finished', phase: 'done', status: 'Converged', restored: [{ workload: 'prod' }], notRestored: [] });
    expect(reports.map((report) => report.phase)).toEqual(expect.arrayContaining(['cluster', 'workloads']));
    expect(world.eks.writes().map((call) => call.name)).toEqual(expect.arrayContaining(['CreateCluster', 'CreateNodegroup', 'CreateAddon']));
    expect(world.eks.cluster('financial-move')?.status).toBe('ACTIVE');
    // Every workload at its last successful release, pinned by digest; the others as the manifests say.
    expect(world.deploymentImage('prod', 'task-service')).toBe(pinned(TASK, 'v1.3.0'));
    expect(world.deploymentImage('prod', 'wallet-cryptotraders-service')).toBe(pinned(WALLET, 'v1.1.0'));
    expect(world.deploymentImage('prod', 'pnl-worker')).toBe('ghcr.io/financial-move/pnl-worker:v1.0.0');
    const history = world.releases.records(KEY) as ReleaseRecord[];
    expect(history.at(-1)).toMatchObject({
      kind: 'restore',
      result: 'succeeded',
      deliveryId: 'rebuild-r1',
      reason: 'restore of release 3 after a rebuild of the cluster',
    });
    // The platform came first: every platform object applied, labelled, before the first workload object.
    const applied = world.cluster.appliedObjects();
    expect(applied).toEqual(expect.arrayContaining(PLATFORM_OBJECTS));
    const lastPlatform = Math.max(...PLATFORM_OBJECTS.map((object) => applied.indexOf(object)));
    const firstWorkload = applied.findIndex((object) => object.startsWith('Deployment prod/') || object.startsWith('ConfigMap prod/'));
    expect(firstWorkload).toBeGreaterThan(lastPlatform);
    expect(world.cluster.objects.get('/apis/rbac.authorization.k8s.io/v1/clusterroles/node-reader')?.metadata.labels?.[PLATFORM_LABEL]).toBe('node-reader');
    expect(world.releases.rebuildEntry('sa-east-1', 'financial-move')?.platform).toMatchObject({ status: 'Converged', summary: '5 object(s) applied' });
    // The in-cluster record is back too, for kubectl users.
    expect(world.cluster.objects.get('/api/v1/namespaces/prod/configmaps/eks-pilot-releases-prod')).toBeDefined();
    // The pools hold the very addresses they held before, each on a new node: none released, none allocated.
    expect(allocationsOf(world, 'egress')).toEqual(lost.pools.egress);
    expect(allocationsOf(world, 'ingress')).toEqual(lost.pools.ingress);
    const nodes = new Set(world.nodes());
    for (const allocationId of lost.pools.egress) {
      const address = world.ec2.allAddresses().find((candidate) => candidate.AllocationId === allocationId);
      expect(nodes.has(address?.InstanceId ?? '')).toBe(true);
    }
    expect(world.ec2.writes().map((call) => call.name)).not.toEqual(expect.arrayContaining(['ReleaseAddress']));
    // The lease is given back and the journal says finished.
    expect(world.leases.current(rebuildLeaseKey(world.spec))).toBeUndefined();
    expect(world.releases.rebuildEntry('sa-east-1', 'financial-move')).toMatchObject({ state: 'finished', phase: 'done' });
  });

  it('restores no workload while a platform component cannot be applied, and names it in every run', async () => {
    // Prepare: the controller's image names no version, so the platform cannot be applied.
    const lost = await lostCluster(withPlatform(dir, 'registry.k8s.io/node-reader'));
    world = lost.world;

    // Act
    const started = await world.invoke({ action: 'rebuild', cluster: 'financial-move' });
    const reports = await carryOn(world, started.rebuilds?.[0] as RebuildReport, 4);

    // Assess: held at the platform, Blocked, naming the component and the unpinned image; nothing of the platform or the workloads applied.
    const last = reports.at(-1);
    expect(last).toMatchObject({ outcome: 'continued', phase: 'platform', status: 'Blocked', restored: [] });
    expect(last?.summary).toMatch(
      /^platform: not applied \(no object applied \(a platform applies whole or not at all\): component node-reader: the manifests in .+: .+node-reader\.yaml:\d+: Deployment kube-system\/node-reader container node-reader: image registry\.k8s\.io\/node-reader is not pinned/,
    );
    expect(last?.waiting[0]).toMatch(/^a person: platform: /);
    expect(world.asked).toEqual([]);
    expect(world.cluster.appliedObjects()).toEqual([]);
    expect(world.releases.rebuildEntry('sa-east-1', 'financial-move')).toMatchObject({ state: 'running', phase: 'platform' });
  });

  it('waits across runs while the rebuilt cluster does not validate, naming what fails, and goes on once it does', async () => {
    // Prepare: the new nodes register NotReady (their network plugin not up yet).
    const lost = await lostCluster(SPEC, { nodesReady: false });
    world = lost.world;
    const ec2WritesBefore = world.ec2.writes().length;

    // Act
    const started = await world.invoke({ action: 'rebuild', cluster: 'financial-move' });
    const held = await carryOn(world, started.rebuilds?.[0] as RebuildReport, 4);

    // Assess: every node group ACTIVE, yet the rebuild waits in its cluster phase, naming the failures; nothing restored or re-attached.
    const last = held.at(-1);
    expect(world.eks.nodegroup('financial-move', 'prod-ng')?.status).toBe('ACTIVE');
    expect(last).toMatchObject({ outcome: 'continued', phase: 'cluster', status: 'InProgress', restored: [] });
    expect(last?.summary).toMatch(
      /^cluster: converged, not validated yet: node i-\w+\.sa-east-1\.compute\.internal of node group prod-ng is not Ready \(KubeletNotReady: container runtime network not ready/,
    );
    expect(last?.summary).toContain('node group prod-ng has 0 Ready of 3 node(s), fewer than its minimum 3');
    expect(last?.waiting).toContain('validate: node group prod-ng has 0 Ready of 3 node(s), fewer than its minimum 3');
    expect(world.asked).toEqual([]);
    expect(world.cluster.appliedObjects()).toEqual([]);
    expect(world.ec2.writes().slice(ec2WritesBefore)).toEqual([]);

    // Act: the kubelets post Ready.
    world.nodesBecomeReady();
    const reports = await carryOn(world, last as RebuildReport);

    // Assess
    expect(reports.at(-1)).toMatchObject({ outcome: 'finished', phase: 'done', status: 'Converged', restored: [{ workload: 'prod' }] });
    expect(world.deploymentImage('prod', 'task-service')).toBe(pinned(TASK, 'v1.3.0'));
  });

  it('leaves a cluster being rebuilt to its rebuild when a queued fleet message or a manual apply reaches it, saying so, with nothing retried', async () => {
    // Prepare: the rebuild has started; a fleet message the schedule queued before it is delivered now.
    const lost = await lostCluster();
    world = lost.world;
    await world.invoke({ action: 'rebuild', cluster: 'financial-move' });
    const writes = world.eks.writes().length;
    const body = JSON.stringify({ function: 'provision', cluster: 'financial-move', region: 'sa-east-1', time: world.now().toISOString(), mode: 'apply' });
    const batch = { Records: [{ messageId: 'm-queued', body, eventSource: 'aws:sqs' as const }] };
    world.passTime(60_000);

    // Act
    const queued = await handleProvisionBatch(batch, world.provisionDeps());
    const manual = await world.invoke({ mode: 'apply', cluster: 'financial-move' });
    const plan = await world.invoke({ mode: 'plan', cluster: 'financial-move' });

    // Assess: the message is done (not returned to the queue, so never dead-lettered); the apply is reported skipped with the phase; a plan still runs.
    expect(queued).toEqual({ batchItemFailures: [] });
    expect(manual.reports).toEqual([
      expect.objectContaining({
        cluster: 'financial-move',
        status: 'InProgress',
        summary: expect.stringMatching(
          /^skipped: rebuild r1 in progress \(phase cluster: cluster: .+\); the rebuild reconciles the cluster until it is done$/,
        ) as unknown,
        executed: [],
      }),
    ]);
    expect(plan.reports[0]?.plan).toBeDefined();
    expect(world.eks.writes().slice(writes)).toEqual([]);
    expect(world.logs.filter((line) => line.message === 'cluster skipped: rebuild in progress').map((line) => line.facts)).toEqual([
      expect.objectContaining({ cluster: 'financial-move', rebuild: 'r1', phase: 'cluster' }),
      expect.objectContaining({ cluster: 'financial-move', rebuild: 'r1', phase: 'cluster' }),
    ]);
  });

  it('refuses a second rebuild while one runs, naming who holds it', async () => {
    // Prepare
    const lost = await lostCluster();
    world = lost.world;
    await world.invoke({ action: 'rebuild', cluster: 'financial-move' });

    // Act
    const second = await world.invoke({ action: 'rebuild', cluster: 'financial-move' }, world.provisionDeps('r2'));

    // Assess
    expect(second.rebuilds?.[0]).toMatchObject({ outcome: 'refused', status: 'Blocked' });
    expect(second.rebuilds?.[0]?.summary).toMatch(/^refused: a rebuild of financial-move is running \(test provision \(rebuild r1\), lease until /);
    expect(world.releases.rebuildEntry('sa-east-1', 'financial-move')).toMatchObject({ id: 'r1', state: 'running' });
    expect(world.eks.writes().filter((call) => call.name === 'CreateCluster')).toHaveLength(1);
  });

  it('does not deploy a store record the image policies refuse, and reports it', async () => {
    // Prepare: someone with access to the table wrote a release whose image no policy takes.
    const lost = await lostCluster();
    world = lost.world;
    const history = world.releases.records(KEY) as ReleaseRecord[];
    const forged: ReleaseRecord = {
      ...(history.at(-1) as ReleaseRecord),
      revision: 9,
      images: { ...(history.at(-1) as ReleaseRecord).images, [TASK]: pinned(TASK, 'main-0badc0de') },
      deliveryId: 'forged',
    };
    world.releases.seed(KEY, [...history, forged]);

    // Act
    const started = await world.invoke({ action: 'rebuild', cluster: 'financial-move' });
    const reports = await carryOn(world, started.rebuilds?.[0] as RebuildReport);

    // Assess
    const last = reports.at(-1);
    expect(last).toMatchObject({ outcome: 'finished', status: 'Blocked', restored: [] });
    expect(last?.notRestored).toEqual([{ workload: 'prod', reason: expect.stringContaining('tag main-0badc0de matches no current rule') as unknown }]);
    expect(world.deploymentImage('prod', 'task-service')).toBeUndefined();
    expect(world.cluster.appliedObjects().filter((object) => object.startsWith('Deployment'))).toEqual([]);
  });
});
