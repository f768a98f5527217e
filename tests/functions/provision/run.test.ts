import path from 'node:path';
import type { ClusterReport, ProvisionDeps } from '../../../functions/provision/run';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import type { Mode } from '../../../shared/reconcile/status';
import { reconcileCluster, reconcileFleet } from '../../../functions/provision/run';
import type { EksWrite } from '../../../shared/ports/eks';
import { RequestRejectedError, ResourceBusyError, UnknownTargetError, UpstreamError } from '../../../shared/errors';
import { OVERRIDE_TAG, overrideTags } from '../../../shared/model/overrides';
import { loadSpecs, parseSpec } from '../../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../../testing/fake-eks';
import type { Failure, FakeWriteCall } from '../../../testing/fake-eks';
import { minimalSpecYaml } from '../../../testing/specs';

const EXAMPLES = path.join(__dirname, '../../../examples');
const NOW = new Date('2026-11-22T12:00:00Z');
const HOUR = 60 * 60 * 1000;
/** More invocations than any walk here needs: a walk that does not converge within it is a failure. */
const MAX_INVOCATIONS = 10;

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  facts?: Record<string, unknown>;
}

interface Invocation {
  report: ClusterReport;
  writes: FakeWriteCall[];
}

async function example(name: string): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([path.join(EXAMPLES, name, 'cluster.yaml')]);
  if (!loaded) throw new Error(`no spec for ${name}`);
  return loaded.spec;
}

function specFrom(yaml: string): ClusterSpec {
  const parsed = parseSpec(yaml, 'inline.yaml');
  if (!parsed.ok) throw new Error(parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
  return parsed.spec;
}

function depsFor(eks: FakeEks, now: Date = NOW): ProvisionDeps & { logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (message: string, facts?: Record<string, unknown>): void => {
      logs.push({ level, message, ...(facts ? { facts } : {}) });
    };
  const logger: RunLogger = { info: record('info'), warn: record('warn'), error: record('error') };
  return { eksFor: () => eks, now: () => now, logger, logs };
}

/** One scheduled run of provision for one cluster, with the writes it sent. */
async function invoke(spec: ClusterSpec, eks: FakeEks, deps: ProvisionDeps, mode: Mode = 'apply', only?: readonly string[]): Promise<Invocation> {
  const before = eks.calls.length;
  const report = await reconcileCluster(spec, deps, { mode, ...(only ? { only } : {}) });
  return { report, writes: eks.calls.slice(before).filter((call): call is FakeWriteCall => call.kind === 'write') };
}

/** Apply, let EKS work, apply again, ... until a run finds nothing to write. */
async function applyUntilConverged(spec: ClusterSpec, eks: FakeEks, deps: ProvisionDeps): Promise<Invocation[]> {
  const invocations: Invocation[] = [];
  for (let count = 0; count < MAX_INVOCATIONS; count += 1) {
    const invocation = await invoke(spec, eks, deps);
    invocations.push(invocation);
    if (invocation.report.status === 'Blocked') throw new Error(`${spec.name} is blocked: ${invocation.report.summary}`);
    if (invocation.report.status === 'Converged' && invocation.writes.length === 0) return invocations;
    eks.settle();
  }
  const last = invocations.at(-1)?.report;
  throw new Error(`${spec.name} did not converge within ${MAX_INVOCATIONS} invocations; last: ${last?.status ?? '?'}: ${last?.summary ?? ''}`);
}

function label(call: FakeWriteCall): string {
  const request = call.input as { name?: string; nodegroupName?: string; addonName?: string; principalArn?: string; policyArn?: string; resourceArn?: string };
  return `${call.name} ${request.nodegroupName ?? request.addonName ?? request.principalArn ?? request.name ?? request.resourceArn ?? '?'}`;
}

const CLUSTER_LEVEL = new Set(['UpdateClusterConfig', 'UpdateClusterVersion', 'AssociateEncryptionConfig']);

const UPGRADE_SPEC = `\n${minimalSpecYaml({
  name: 'upgrade-demo',
  region: 'eu-west-1',
  version: '1.31',
  account: '123456789012',
  extra: ['logging: [api, audit]'],
  nodeGroups: [
    { name: 'apps-ng', min: 2, max: 4 },
    { name: 'batch-ng', min: 0, max: 3 },
  ],
})}`;

describe('reconcileCluster from an empty account', () => {
  // Invocations: the cluster; the network add-ons (and access entries); the node groups; the add-ons
  // that run as pods; then a run that finds nothing to do. Starter has no add-ons.
  it.each([
    ['financial-move', 5],
    ['crypto-oms', 5],
    ['kianax', 5],
    ['comments-app', 5],
    ['starter', 3],
  ])(
    'builds %s from nothing in %i invocations: CreateCluster first, node groups once the cluster is ACTIVE, pod add-ons once a node group is, then Converged',
    async (name, runs) => {
      // Prepare
      const spec = await example(name);
      const eks = new FakeEks({ region: spec.region });
      const deps = depsFor(eks);

      // Act
      const invocations = await applyUntilConverged(spec, eks, deps);

      // Assess
      const walk = invocations.flatMap((invocation) => invocation.writes);
      expect(invocations[0]?.writes.map(label)).toEqual([`CreateCluster ${name}`]);
      expect(invocations[0]?.report).toMatchObject({
        status: 'InProgress',
        summary: expect.stringContaining(`CreateCluster cluster/${name} started`) as unknown,
      });
      expect(walk.filter((call) => call.outcome !== 'ok')).toEqual([]);
      const nodegroupCreates = walk.filter((call) => call.name === 'CreateNodegroup');
      expect(nodegroupCreates.map(label).sort()).toEqual(spec.nodeGroups.map((group) => `CreateNodegroup ${group.name}`).sort());
      expect(nodegroupCreates.every((call) => call.clusterStatus === 'ACTIVE')).toBe(true);
      expect(
        walk
          .filter((call) => call.name === 'CreateAddon')
          .map(label)
          .sort(),
      ).toEqual(spec.addons.map((addon) => `CreateAddon ${addon.name}`).sort());
      expect(
        walk
          .filter((call) => call.name === 'CreateAccessEntry')
          .map(label)
          .sort(),
      ).toEqual(spec.accessEntries.map((entry) => `CreateAccessEntry ${entry.principalArn}`).sort());
      expect(invocations.at(-1)?.report).toMatchObject({
        status: 'Converged',
        summary: 'matches the spec',
        drift: [],
        executed: [],
        deferred: [],
        blocked: [],
      });
      expect(invocations).toHaveLength(runs);
      const firstNodegroupRun = invocations.findIndex((invocation) => invocation.writes.some((call) => call.name === 'CreateNodegroup'));
      const podAddonRuns = invocations.flatMap((invocation, index) =>
        invocation.writes.some(
          (call) => call.name === 'CreateAddon' && ['coredns', 'metrics-server'].includes(String((call.input as { addonName?: string }).addonName)),
        )
          ? [index]
          : [],
      );
      expect(podAddonRuns.every((index) => index > firstNodegroupRun)).toBe(true);
      expect(eks.cluster(name)).toMatchObject({ status: 'ACTIVE', version: spec.version });
      for (const group of spec.nodeGroups) expect(eks.nodegroup(name, group.name)).toMatchObject({ status: 'ACTIVE', version: spec.version });
    },
  );
});

describe('reconcileCluster on a converged cluster', () => {
  // Reads: DescribeCluster, one DescribeNodegroup per node group, one DescribeAddon per add-on and,
  // when the spec has access entries, ListAccessEntries plus DescribeAccessEntry and
  // ListAssociatedAccessPolicies per entry. No ListNodegroups (pruning is off), no ListUpdates (nothing is UPDATING).
  it.each([
    [
      'financial-move',
      14,
      {
        DescribeCluster: 1,
        DescribeNodegroup: 1,
        DescribeAddon: 5,
        ListAccessEntries: 1,
        DescribeAccessEntry: 2,
        ListAssociatedAccessPolicies: 2,
        ListPodIdentityAssociations: 1,
        DescribePodIdentityAssociation: 1,
      },
    ],
    [
      'crypto-oms',
      14,
      {
        DescribeCluster: 1,
        DescribeNodegroup: 1,
        DescribeAddon: 5,
        ListAccessEntries: 1,
        DescribeAccessEntry: 2,
        ListAssociatedAccessPolicies: 2,
        ListPodIdentityAssociations: 1,
        DescribePodIdentityAssociation: 1,
      },
    ],
    [
      'kianax',
      14,
      {
        DescribeCluster: 1,
        DescribeNodegroup: 3,
        DescribeAddon: 5,
        ListAccessEntries: 1,
        DescribeAccessEntry: 1,
        ListAssociatedAccessPolicies: 1,
        ListPodIdentityAssociations: 1,
        DescribePodIdentityAssociation: 1,
      },
    ],
    [
      'comments-app',
      8,
      { DescribeCluster: 1, DescribeNodegroup: 1, DescribeAddon: 3, ListAccessEntries: 1, DescribeAccessEntry: 1, ListAssociatedAccessPolicies: 1 },
    ],
    ['starter', 2, { DescribeCluster: 1, DescribeNodegroup: 1 }],
    [
      'auto-mode',
      8,
      {
        DescribeCluster: 1,
        ListAccessEntries: 1,
        DescribeAccessEntry: 2,
        ListAssociatedAccessPolicies: 2,
        ListPodIdentityAssociations: 1,
        DescribePodIdentityAssociation: 1,
      },
    ],
  ])('writes nothing to a converged %s and reads it in %i calls', async (name, total, byName) => {
    // Prepare
    const spec = await example(name);
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    const deps = depsFor(eks);

    // Act
    const { report, writes } = await invoke(spec, eks, deps);

    // Assess
    expect(report).toMatchObject({ status: 'Converged', summary: 'matches the spec', drift: [], executed: [] });
    expect(writes).toEqual([]);
    const counts: Record<string, number> = {};
    for (const call of eks.reads()) counts[call.name] = (counts[call.name] ?? 0) + 1;
    expect(counts).toEqual(byName);
    expect(eks.reads()).toHaveLength(total);
  });
});

describe('reconcileCluster upgrading Kubernetes', () => {
  it('upgrades 1.29 to 1.31 one minor version at a time, the control plane before both node groups', async () => {
    // Prepare
    const spec = specFrom(UPGRADE_SPEC);
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec({ ...spec, version: '1.29' });
    const deps = depsFor(eks);

    // Act
    const invocations = await applyUntilConverged(spec, eks, deps);

    // Assess
    const versionWrites = invocations
      .flatMap((invocation) => invocation.writes)
      .filter((call) => call.name === 'UpdateClusterVersion' || call.name === 'UpdateNodegroupVersion')
      .map((call) => `${label(call)} ${(call.input as { version?: string }).version ?? '?'}`);
    expect(versionWrites).toEqual([
      'UpdateClusterVersion upgrade-demo 1.30',
      'UpdateNodegroupVersion apps-ng 1.30',
      'UpdateNodegroupVersion batch-ng 1.30',
      'UpdateClusterVersion upgrade-demo 1.31',
      'UpdateNodegroupVersion apps-ng 1.31',
      'UpdateNodegroupVersion batch-ng 1.31',
    ]);
    expect(invocations.map((invocation) => invocation.writes.map(label))).toEqual([
      ['UpdateClusterVersion upgrade-demo'],
      ['UpdateNodegroupVersion apps-ng', 'UpdateNodegroupVersion batch-ng'],
      ['UpdateClusterVersion upgrade-demo'],
      ['UpdateNodegroupVersion apps-ng', 'UpdateNodegroupVersion batch-ng'],
      [],
    ]);
    expect(invocations.flatMap((invocation) => invocation.writes).filter((call) => call.outcome !== 'ok')).toEqual([]);
    expect(eks.cluster('upgrade-demo')?.version).toBe('1.31');
    expect([eks.nodegroup('upgrade-demo', 'apps-ng')?.version, eks.nodegroup('upgrade-demo', 'batch-ng')?.version]).toEqual(['1.31', '1.31']);
  });

  it('never combines a version change with another change, and sends at most one cluster-level update per invocation', async () => {
    // Prepare: the upgrade meets drift that needs the same APIs (logging, node group bounds).
    const spec = specFrom(UPGRADE_SPEC);
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec({ ...spec, version: '1.29' });
    eks.changeCluster('upgrade-demo', (cluster) => {
      cluster.logging = { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] };
    });
    eks.changeNodegroup('upgrade-demo', 'apps-ng', (group) => {
      group.scalingConfig = { minSize: 2, maxSize: 9, desiredSize: 2 };
    });
    const deps = depsFor(eks);

    // Act
    const invocations = await applyUntilConverged(spec, eks, deps);

    // Assess
    const walk = invocations.flatMap((invocation) => invocation.writes);
    for (const call of walk.filter((write) => write.name === 'UpdateClusterVersion')) expect(Object.keys(call.input).sort()).toEqual(['name', 'version']);
    for (const call of walk.filter((write) => write.name === 'UpdateNodegroupVersion')) {
      expect(Object.keys(call.input).sort()).toEqual(['clusterName', 'nodegroupName', 'version']);
    }
    for (const call of walk.filter((write) => write.name === 'UpdateClusterConfig' || write.name === 'UpdateNodegroupConfig')) {
      expect(call.input).not.toHaveProperty('version');
    }
    for (const invocation of invocations) expect(invocation.writes.filter((call) => CLUSTER_LEVEL.has(call.name)).length).toBeLessThanOrEqual(1);
    expect(walk.filter((call) => call.outcome !== 'ok')).toEqual([]);
    expect(walk.map(label)).toEqual(expect.arrayContaining(['UpdateClusterConfig upgrade-demo', 'UpdateNodegroupConfig apps-ng']) as unknown);
    expect(eks.cluster('upgrade-demo')).toMatchObject({
      version: '1.31',
      logging: { clusterLogging: [{ types: ['api', 'audit'], enabled: true }, { enabled: false }] },
    });
    expect(eks.nodegroup('upgrade-demo', 'apps-ng')).toMatchObject({ version: '1.31', scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 2 } });
  });
});

describe('reconcileCluster and out-of-band changes', () => {
  async function driftedFinancialMove(): Promise<{ spec: ClusterSpec; eks: FakeEks }> {
    const spec = await example('financial-move');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    // Someone raised maxSize in the console and turned control-plane logging off.
    eks.changeNodegroup('financial-move', 'prod-ng', (group) => {
      group.scalingConfig = { minSize: 3, maxSize: 20, desiredSize: 3 };
    });
    eks.changeCluster('financial-move', (cluster) => {
      cluster.logging = { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] };
    });
    return { spec, eks };
  }

  it('reports a raised maxSize and logging turned off as Drifted in plan mode, naming the fields, and writes nothing', async () => {
    // Prepare
    const { spec, eks } = await driftedFinancialMove();

    // Act
    const { report, writes } = await invoke(spec, eks, depsFor(eks), 'plan');

    // Assess
    expect(report.status).toBe('Drifted');
    expect(report.drift).toEqual(['cluster/financial-move logging', 'nodegroup/prod-ng scaling.max']);
    expect(report.summary).toBe('drift: cluster/financial-move logging, nodegroup/prod-ng scaling.max');
    expect(writes).toEqual([]);
  });

  it('puts logging and the node group bounds back in apply mode, one update at a time', async () => {
    // Prepare
    const { spec, eks } = await driftedFinancialMove();

    // Act
    const invocations = await applyUntilConverged(spec, eks, depsFor(eks));

    // Assess
    expect(invocations.map((invocation) => invocation.writes.map((call) => ({ name: call.name, input: call.input })))).toEqual([
      [
        {
          name: 'UpdateClusterConfig',
          input: { name: 'financial-move', logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] } },
        },
      ],
      [{ name: 'UpdateNodegroupConfig', input: { clusterName: 'financial-move', nodegroupName: 'prod-ng', scalingConfig: { minSize: 3, maxSize: 10 } } }],
      [],
    ]);
    expect(invocations[0]?.report).toMatchObject({
      status: 'InProgress',
      deferred: [{ target: 'nodegroup/prod-ng', kind: 'UpdateNodegroupConfig', reason: 'waits for cluster/financial-move' }],
    });
    expect(eks.nodegroup('financial-move', 'prod-ng')?.scalingConfig).toEqual({ minSize: 3, maxSize: 10, desiredSize: 3 });
    expect(eks.updates('financial-move').map((update) => `${update.type ?? '?'} ${update.status ?? '?'}`)).toEqual([
      'LoggingUpdate Successful',
      'ConfigUpdate Successful',
    ]);
  });
});

describe('reconcileCluster while EKS is still working', () => {
  it('sends nothing while its own update runs, and names the update it waits for', async () => {
    // Prepare
    const spec = await example('financial-move');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    eks.changeCluster('financial-move', (cluster) => {
      cluster.logging = { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] };
    });
    const deps = depsFor(eks);
    const first = await invoke(spec, eks, deps);
    eks.resetCalls();

    // Act: the next scheduled run comes before EKS has finished.
    const second = await invoke(spec, eks, deps);

    // Assess
    const updateId = first.report.executed[0]?.updateId ?? '?';
    expect(second.writes).toEqual([]);
    expect(second.report).toMatchObject({
      status: 'InProgress',
      summary: `cluster is UPDATING: LoggingUpdate ${updateId}; 1 action(s) wait for a later run`,
      deferred: [{ target: 'cluster/financial-move', kind: 'UpdateClusterConfig', reason: 'waits for cluster/financial-move' }],
    });
    expect(
      eks
        .reads()
        .filter((call) => call.name === 'ListUpdates' || call.name === 'DescribeUpdate')
        .map((call) => call.input),
    ).toEqual([{ name: 'financial-move' }, { name: 'financial-move', updateId }]);
  });
});

describe('reconcileCluster and changes EKS cannot make', () => {
  it('reports a changed roleArn as Blocked with the reason and sends no write, not even for drift it could fix', async () => {
    // Prepare
    const seeded = await example('financial-move');
    const eks = new FakeEks({ region: seeded.region });
    eks.seedFromSpec(seeded);
    eks.changeNodegroup('financial-move', 'prod-ng', (group) => {
      group.scalingConfig = { minSize: 3, maxSize: 20, desiredSize: 3 };
    });
    const spec = { ...seeded, roleArn: 'arn:aws:iam::111122223333:role/financial-move-eks-cluster-v2' };

    // Act
    const { report, writes } = await invoke(spec, eks, depsFor(eks));

    // Assess
    expect(report.status).toBe('Blocked');
    expect(report.summary).toBe('refused: the cluster role cannot change in place; a new cluster would be needed');
    expect(report.blocked).toEqual([
      { target: 'cluster/financial-move', kind: 'Refuse', reason: 'the cluster role cannot change in place; a new cluster would be needed' },
    ]);
    expect(report.drift).toEqual(['cluster/financial-move roleArn', 'nodegroup/prod-ng scaling.max']);
    expect(writes).toEqual([]);
  });
});

describe('reconcileCluster and EKS errors', () => {
  async function kianaxWithRaisedBounds(): Promise<{ spec: ClusterSpec; eks: FakeEks }> {
    const spec = await example('kianax');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    for (const name of ['general-ng', 'system-ng', 'jobs-ng']) {
      eks.changeNodegroup('kianax', name, (group) => {
        group.scalingConfig = { ...group.scalingConfig, maxSize: 12 };
      });
    }
    return { spec, eks };
  }

  it('turns ResourceInUseException into InProgress and finishes the work on a later invocation', async () => {
    // Prepare
    const spec = await example('starter');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    eks.changeNodegroup('starter', 'starter-ng', (group) => {
      group.labels = { team: 'console-user' };
    });
    eks.failNext('UpdateNodegroupConfig', 'busy');
    const deps = depsFor(eks);

    // Act
    const first = await invoke(spec, eks, deps);
    const second = await invoke(spec, eks, deps);
    eks.settle();
    const third = await invoke(spec, eks, deps);

    // Assess
    expect(first.report).toMatchObject({
      status: 'InProgress',
      summary: '1 action(s) wait for a later run',
      executed: [],
      deferred: [{ target: 'nodegroup/starter-ng', kind: 'UpdateNodegroupConfig', reason: 'EKS is busy with another update (ResourceInUseException)' }],
    });
    expect(first.writes.map((call) => call.outcome)).toEqual(['failed']);
    expect(second.report).toMatchObject({ status: 'InProgress', summary: 'UpdateNodegroupConfig nodegroup/starter-ng started', deferred: [] });
    expect(second.writes.map((call) => call.input)).toEqual([{ clusterName: 'starter', nodegroupName: 'starter-ng', labels: { removeLabels: ['team'] } }]);
    expect(third.report).toMatchObject({ status: 'Converged', summary: 'matches the spec' });
    expect(third.writes).toEqual([]);
    expect(eks.nodegroup('starter', 'starter-ng')?.labels).toEqual({});
  });

  it('stops the run at a throttled write, reports InProgress, and leaves the rest to the next run', async () => {
    // Prepare
    const { spec, eks } = await kianaxWithRaisedBounds();
    eks.failNext('UpdateNodegroupConfig', 'throttled');
    const deps = depsFor(eks);

    // Act
    const first = await invoke(spec, eks, deps);
    const second = await invoke(spec, eks, deps);

    // Assess
    expect(first.report).toMatchObject({
      status: 'InProgress',
      summary: '3 action(s) wait for a later run',
      executed: [],
      deferred: [
        { target: 'nodegroup/general-ng', kind: 'UpdateNodegroupConfig', reason: 'throttled by EKS; the next run retries' },
        { target: 'nodegroup/system-ng', kind: 'UpdateNodegroupConfig', reason: 'not sent: EKS throttled this run' },
        { target: 'nodegroup/jobs-ng', kind: 'UpdateNodegroupConfig', reason: 'not sent: EKS throttled this run' },
      ],
    });
    expect(first.writes.map((call) => `${label(call)} ${call.outcome}`)).toEqual(['UpdateNodegroupConfig general-ng failed']);
    expect(deps.logs).toContainEqual({
      level: 'warn',
      message: 'eks throttled; stopping this run',
      facts: { cluster: 'kianax', action: 'UpdateNodegroupConfig', target: 'nodegroup/general-ng' },
    });
    expect(second.report.status).toBe('InProgress');
    expect(second.writes.map((call) => `${label(call)} ${call.outcome}`)).toEqual([
      'UpdateNodegroupConfig general-ng ok',
      'UpdateNodegroupConfig system-ng ok',
      'UpdateNodegroupConfig jobs-ng ok',
    ]);
  });

  it('keeps the writes already sent in the report when a later call fails unexpectedly, and reports Blocked', async () => {
    // Prepare: general-ng drifted, and the cluster lost a tag the spec sets; the TagResource call fails.
    const spec = await example('financial-move');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    eks.changeNodegroup('financial-move', 'prod-ng', (group) => {
      group.scalingConfig = { minSize: 3, maxSize: 20, desiredSize: 3 };
    });
    eks.changeCluster('financial-move', (cluster) => {
      cluster.tags = { project: 'financial-move' };
    });
    const outage = new UpstreamError('TagResource failed: ServerException: Internal error', { context: { action: 'TagResource', cluster: 'financial-move' } });
    eks.failNext('TagResource', outage);

    // Act
    const { report, writes } = await invoke(spec, eks, depsFor(eks));

    // Assess
    expect(writes.map((call) => `${call.name} ${call.outcome}`)).toEqual(['UpdateNodegroupConfig ok', 'TagResource failed']);
    expect(report).toMatchObject({
      status: 'Blocked',
      summary: 'cluster/financial-move: TagResource failed: ServerException: Internal error',
      executed: [{ kind: 'UpdateNodegroupConfig', target: 'nodegroup/prod-ng' }],
      blocked: [{ target: 'cluster/financial-move', kind: 'TagResource', reason: 'TagResource failed: ServerException: Internal error' }],
    });
  });

  it('stops the run at a write EKS answers 503 after the SDK retries, reports InProgress rather than Blocked, and the next run sends it', async () => {
    // Prepare
    const { spec, eks } = await kianaxWithRaisedBounds();
    eks.failNext('UpdateNodegroupConfig', 'unavailable');
    const deps = depsFor(eks);

    // Act
    const first = await invoke(spec, eks, deps);
    const second = await invoke(spec, eks, deps);

    // Assess
    expect(first.report).toMatchObject({
      status: 'InProgress',
      blocked: [],
      deferred: [
        {
          target: 'nodegroup/general-ng',
          kind: 'UpdateNodegroupConfig',
          reason: 'EKS did not answer (UpstreamError: UpdateNodegroupConfig failed: ServiceUnavailableException: Service Unavailable); the next run retries',
        },
        { target: 'nodegroup/system-ng', kind: 'UpdateNodegroupConfig', reason: 'not sent: EKS did not answer this run' },
        { target: 'nodegroup/jobs-ng', kind: 'UpdateNodegroupConfig', reason: 'not sent: EKS did not answer this run' },
      ],
    });
    expect(second.report.status).toBe('InProgress');
    expect(second.writes.map((call) => `${label(call)} ${call.outcome}`)).toEqual([
      'UpdateNodegroupConfig general-ng ok',
      'UpdateNodegroupConfig system-ng ok',
      'UpdateNodegroupConfig jobs-ng ok',
    ]);
  });

  it.each<[string, Failure]>([
    ['a 503 after the SDK retries', 'unavailable'],
    ['throttling', 'throttled'],
    ['a refused connection (ECONNREFUSED)', Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' })],
    [
      'a timeout (ETIMEDOUT) under a typed error',
      new UpstreamError('DescribeCluster failed', { cause: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }) }),
    ],
  ])('reports a DescribeCluster that fails with %s as InProgress, not Blocked, and writes nothing', async (_label, failure) => {
    // Prepare
    const { spec, eks } = await kianaxWithRaisedBounds();
    eks.failNext('DescribeCluster', failure);

    // Act
    const { report, writes } = await invoke(spec, eks, depsFor(eks));

    // Assess
    expect(report.status).toBe('InProgress');
    expect(report.summary).toMatch(/^could not read the cluster: /);
    expect(writes).toEqual([]);
  });

  it('still reports a DescribeCluster that EKS refuses (400) as Blocked', async () => {
    // Prepare
    const { spec, eks } = await kianaxWithRaisedBounds();
    eks.failNext('DescribeCluster', 'rejected');

    // Act
    const { report } = await invoke(spec, eks, depsFor(eks));

    // Assess
    expect(report.status).toBe('Blocked');
  });

  it('reports a throttled DescribeCluster as InProgress and writes nothing', async () => {
    // Prepare
    const { spec, eks } = await kianaxWithRaisedBounds();
    eks.failNext('DescribeCluster', 'throttled');
    const deps = depsFor(eks);

    // Act
    const { report, writes } = await invoke(spec, eks, deps);

    // Assess
    expect(report).toMatchObject({
      status: 'InProgress',
      summary: "could not read the cluster: ThrottledError: DescribeCluster throttled after the SDK's retries",
      drift: [],
    });
    expect(report.plan).toBeUndefined();
    expect(writes).toEqual([]);
  });

  it('reports a rejected request as Blocked while the other clusters of the fleet converge', async () => {
    // Prepare: financial-move runs; its spec now names an AMI release of another Kubernetes version.
    const [financial, kianax, starter] = await Promise.all([example('financial-move'), example('kianax'), example('starter')]);
    const eks = new FakeEks();
    eks.seedFromSpec(financial);
    const [prodNg] = financial.nodeGroups;
    if (!prodNg) throw new Error('financial-move has no node group');
    const wrongRelease = { ...financial, nodeGroups: [{ ...prodNg, releaseVersion: '1.30.9-20250101' }] };
    const fleet = [wrongRelease, kianax, starter].map((spec) => ({ spec, mode: 'apply' as const }));
    const deps = depsFor(eks);

    // Act
    let reports: ClusterReport[] = [];
    for (let count = 0; count < MAX_INVOCATIONS; count += 1) {
      reports = await reconcileFleet(fleet, deps);
      if (reports.every((report) => report.status === 'Blocked' || (report.status === 'Converged' && report.executed.length === 0))) break;
      eks.settle();
    }

    // Assess
    const reason = 'UpdateNodegroupVersion rejected: Requested release version 1.30.9-20250101 is not valid for kubernetes version 1.33';
    expect(reports.map((report) => `${report.cluster} ${report.status}`)).toEqual(['financial-move Blocked', 'kianax Converged', 'starter Converged']);
    expect(reports[0]).toMatchObject({
      summary: `nodegroup/prod-ng: ${reason}`,
      blocked: [{ target: 'nodegroup/prod-ng', kind: 'UpdateNodegroupVersion', reason }],
    });
    expect(deps.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'eks rejected the request' }));
    expect(eks.nodegroup('financial-move', 'prod-ng')?.releaseVersion).toBe('1.33.0-20261101');
  });
});

describe('reconcileCluster and scaling overrides', () => {
  /** scale-watch raised prod-ng to max 20 (desired 12) until NOW + 1 h, through the same API. */
  async function overriddenFinancialMove(): Promise<{ spec: ClusterSpec; eks: FakeEks; arn: string }> {
    const spec = await example('financial-move');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    const arn = eks.nodegroup('financial-move', 'prod-ng')?.nodegroupArn ?? '';
    await eks.execute({
      kind: 'UpdateNodegroupConfig',
      request: { clusterName: 'financial-move', nodegroupName: 'prod-ng', scalingConfig: { minSize: 3, maxSize: 20, desiredSize: 12 } },
    });
    await eks.execute({
      kind: 'TagResource',
      request: { resourceArn: arn, tags: overrideTags({ maxSize: 20, expires: new Date(NOW.getTime() + HOUR), source: 'alarm/prod-cpu-high' }) },
    });
    eks.settle();
    eks.resetCalls();
    return { spec, eks, arn };
  }

  it('keeps the raised bounds of an active override and writes nothing', async () => {
    // Prepare
    const { spec, eks } = await overriddenFinancialMove();
    const deps = depsFor(eks, new Date(NOW.getTime() + 30 * 60 * 1000));

    // Act
    const planned = await invoke(spec, eks, deps, 'plan');
    const applied = await invoke(spec, eks, deps);

    // Assess
    expect(planned.report).toMatchObject({ status: 'Converged', drift: [] });
    expect(applied.report).toMatchObject({ status: 'Converged', summary: 'matches the spec' });
    expect(eks.writes()).toEqual([]);
    expect(eks.nodegroup('financial-move', 'prod-ng')?.scalingConfig).toEqual({ minSize: 3, maxSize: 20, desiredSize: 12 });
  });

  it('puts the spec bounds back and removes the override tags once the override has expired', async () => {
    // Prepare
    const { spec, eks, arn } = await overriddenFinancialMove();
    const deps = depsFor(eks, new Date(NOW.getTime() + 2 * HOUR));

    // Act
    const planned = await invoke(spec, eks, deps, 'plan');
    const invocations = await applyUntilConverged(spec, eks, deps);

    // Assess
    expect(planned.report.status).toBe('Drifted');
    expect(planned.report.drift).toEqual([
      'nodegroup/prod-ng scaling.max',
      'nodegroup/prod-ng scaling.desired',
      `nodegroup/prod-ng tags.${OVERRIDE_TAG.maxSize}`,
      `nodegroup/prod-ng tags.${OVERRIDE_TAG.expires}`,
      `nodegroup/prod-ng tags.${OVERRIDE_TAG.source}`,
    ]);
    // The tags go one run later: UntagResource waits while its node group is UPDATING.
    expect(invocations.map((invocation) => invocation.writes.map((call) => ({ name: call.name, input: call.input })))).toEqual([
      [
        {
          name: 'UpdateNodegroupConfig',
          input: { clusterName: 'financial-move', nodegroupName: 'prod-ng', scalingConfig: { minSize: 3, maxSize: 10, desiredSize: 10 } },
        },
      ],
      [{ name: 'UntagResource', input: { resourceArn: arn, tagKeys: [OVERRIDE_TAG.maxSize, OVERRIDE_TAG.expires, OVERRIDE_TAG.source] } }],
      [],
    ]);
    expect(eks.nodegroup('financial-move', 'prod-ng')).toMatchObject({ scalingConfig: { minSize: 3, maxSize: 10, desiredSize: 10 }, tags: {} });
  });
});

describe('reconcileCluster with only', () => {
  it('executes only the targets only names, while the report still shows all the drift', async () => {
    // Prepare
    const spec = await example('kianax');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    for (const name of ['general-ng', 'jobs-ng']) {
      eks.changeNodegroup('kianax', name, (group) => {
        group.scalingConfig = { ...group.scalingConfig, maxSize: 12 };
      });
    }

    // Act
    const { report, writes } = await invoke(spec, eks, depsFor(eks), 'apply', ['nodegroup/jobs-ng']);

    // Assess
    expect(writes.map((call) => ({ name: call.name, input: call.input }))).toEqual([
      { name: 'UpdateNodegroupConfig', input: { clusterName: 'kianax', nodegroupName: 'jobs-ng', scalingConfig: { minSize: 0, maxSize: 10 } } },
    ]);
    expect(report.executed).toEqual([{ kind: 'UpdateNodegroupConfig', target: 'nodegroup/jobs-ng', updateId: expect.any(String) as unknown }]);
    expect(report.drift).toEqual(['nodegroup/general-ng scaling.max', 'nodegroup/jobs-ng scaling.max']);
    expect(report).toMatchObject({
      status: 'InProgress',
      summary: 'UpdateNodegroupConfig nodegroup/jobs-ng started; left alone (not in only): nodegroup/general-ng',
    });
  });

  it('reports drift it left alone as Drifted, not Converged, when only names a target that matches the spec', async () => {
    // Prepare
    const spec = await example('kianax');
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    eks.changeNodegroup('kianax', 'general-ng', (group) => {
      group.scalingConfig = { ...group.scalingConfig, maxSize: 12 };
    });

    // Act
    const { report, writes } = await invoke(spec, eks, depsFor(eks), 'apply', ['nodegroup/system-ng']);

    // Assess
    expect(writes).toEqual([]);
    expect(report).toMatchObject({
      status: 'Drifted',
      summary: 'applied nothing; left alone (not in only): nodegroup/general-ng',
      drift: ['nodegroup/general-ng scaling.max'],
      executed: [],
    });
  });
});

describe('reconcileFleet with only', () => {
  it('refuses an only target no spec has, naming it and the valid targets, before any call to EKS', async () => {
    // Prepare
    const spec = await example('starter');
    const eks = new FakeEks({ region: spec.region });

    // Act
    const run = reconcileFleet([{ spec, mode: 'apply' }], depsFor(eks), { only: ['nodegroup/starter-ng', 'nodegroup/nope'] });

    // Assess
    await expect(run).rejects.toBeInstanceOf(UnknownTargetError);
    await expect(run).rejects.toThrow('only names nodegroup/nope, which no spec has; the targets are cluster/starter, nodegroup/starter-ng');
    await run.catch((error: unknown) => {
      expect((error as UnknownTargetError).issues).toEqual([
        { field: 'only[1]', reason: 'no spec has the target nodegroup/nope; the targets are cluster/starter, nodegroup/starter-ng' },
      ]);
    });
    expect(eks.calls).toEqual([]);
  });

  it('accepts a target of any spec of the fleet, and any node group when the spec prunes node groups', async () => {
    // Prepare
    const starter = await example('starter');
    const pruning = specFrom(UPGRADE_SPEC.replace('logging: [api, audit]', 'logging: [api, audit]\npruneNodeGroups: true'));
    const eks = new FakeEks({ region: starter.region });

    // Act
    const reports = await reconcileFleet(
      [
        { spec: starter, mode: 'plan' },
        { spec: pruning, mode: 'plan' },
      ],
      depsFor(eks),
      { only: ['nodegroup/starter-ng', 'nodegroup/apps-ng', 'nodegroup/old-ng'] },
    );

    // Assess
    expect(reports.map((report) => report.status)).toEqual(['Drifted', 'Drifted']);
  });

  it('cuts a 10,000-character only target to 200 characters in the message', async () => {
    // Prepare
    const spec = await example('starter');
    const huge = `nodegroup/${'x'.repeat(9_990)}`;

    // Act
    const run = reconcileFleet([{ spec, mode: 'apply' }], depsFor(new FakeEks()), { only: [huge] });

    // Assess
    await expect(run).rejects.toThrow(`only names ${huge.slice(0, 200)}… (10000 characters), which no spec has`);
  });
});

describe('FakeEks, the double these tests stand on', () => {
  /** upgrade-demo at 1.30, ACTIVE, logging [api, audit], API_AND_CONFIG_MAP. */
  function activeCluster(): FakeEks {
    const eks = new FakeEks({ region: 'eu-west-1' });
    eks.seedFromSpec({ ...specFrom(UPGRADE_SPEC), version: '1.30' });
    return eks;
  }
  const logging = (types: ('api' | 'audit' | 'scheduler')[], enabled: boolean): EksWrite => ({
    kind: 'UpdateClusterConfig',
    request: { name: 'upgrade-demo', logging: { clusterLogging: [{ types, enabled }] } },
  });
  const cases: [string, () => Promise<FakeEks> | FakeEks, EksWrite, typeof RequestRejectedError | typeof ResourceBusyError, RegExp][] = [
    [
      'an UpdateClusterConfig that mixes logging and endpoint access',
      activeCluster,
      {
        kind: 'UpdateClusterConfig',
        request: {
          name: 'upgrade-demo',
          logging: { clusterLogging: [{ types: ['scheduler'], enabled: true }] },
          resourcesVpcConfig: { endpointPublicAccess: false },
        },
      },
      RequestRejectedError,
      /Only one type of update can be allowed/,
    ],
    ['an UpdateClusterConfig that changes nothing', activeCluster, logging(['api'], true), RequestRejectedError, /No changes needed/],
    [
      'a second cluster update while the first runs',
      async () => {
        const eks = activeCluster();
        await eks.execute(logging(['scheduler'], true));
        return eks;
      },
      { kind: 'UpdateClusterVersion', request: { name: 'upgrade-demo', version: '1.31' } },
      ResourceBusyError,
      /is not in ACTIVE status/,
    ],
    [
      'a version upgrade that skips a minor version',
      activeCluster,
      { kind: 'UpdateClusterVersion', request: { name: 'upgrade-demo', version: '1.32' } },
      RequestRejectedError,
      /from 1\.30 to 1\.32/,
    ],
    [
      'a control-plane upgrade while a node group lags behind',
      () => {
        const eks = activeCluster();
        eks.changeNodegroup('upgrade-demo', 'batch-ng', (group) => {
          group.version = '1.29';
        });
        return eks;
      },
      { kind: 'UpdateClusterVersion', request: { name: 'upgrade-demo', version: '1.31' } },
      RequestRejectedError,
      /batch-ng\] must be updated to match cluster version 1\.30/,
    ],
    [
      'a node group upgrade past the control plane',
      activeCluster,
      { kind: 'UpdateNodegroupVersion', request: { clusterName: 'upgrade-demo', nodegroupName: 'apps-ng', version: '1.31' } },
      RequestRejectedError,
      /higher than the cluster version 1\.30/,
    ],
    [
      'a node group update to the version it has, with no releaseVersion',
      activeCluster,
      { kind: 'UpdateNodegroupVersion', request: { clusterName: 'upgrade-demo', nodegroupName: 'apps-ng', version: '1.30' } },
      RequestRejectedError,
      /already at Kubernetes version 1\.30/,
    ],
    [
      'scaling whose min exceeds the desired size',
      activeCluster,
      { kind: 'UpdateNodegroupConfig', request: { clusterName: 'upgrade-demo', nodegroupName: 'apps-ng', scalingConfig: { minSize: 3 } } },
      RequestRejectedError,
      /Minimum capacity 3 can't be greater than desired size 2/,
    ],
    [
      'a node group update while the node group is UPDATING',
      async () => {
        const eks = activeCluster();
        await eks.execute({
          kind: 'UpdateNodegroupConfig',
          request: { clusterName: 'upgrade-demo', nodegroupName: 'apps-ng', labels: { addOrUpdateLabels: { a: 'b' } } },
        });
        return eks;
      },
      { kind: 'UpdateNodegroupConfig', request: { clusterName: 'upgrade-demo', nodegroupName: 'apps-ng', scalingConfig: { maxSize: 5 } } },
      ResourceBusyError,
      /not in Active State/,
    ],
    [
      'a node group created while the cluster is CREATING',
      async () => {
        const eks = new FakeEks();
        await eks.execute({
          kind: 'CreateCluster',
          request: { name: 'upgrade-demo', roleArn: 'arn:aws:iam::123456789012:role/c', resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] } },
        });
        return eks;
      },
      {
        kind: 'CreateNodegroup',
        request: { clusterName: 'upgrade-demo', nodegroupName: 'apps-ng', nodeRole: 'arn:aws:iam::123456789012:role/n', subnets: ['subnet-1'] },
      },
      ResourceBusyError,
      /is not in ACTIVE status/,
    ],
    [
      'an authentication mode moved backwards',
      activeCluster,
      { kind: 'UpdateClusterConfig', request: { name: 'upgrade-demo', accessConfig: { authenticationMode: 'CONFIG_MAP' } } },
      RequestRejectedError,
      /from API_AND_CONFIG_MAP to CONFIG_MAP/,
    ],
  ];

  it.each(cases)('refuses %s, as EKS does', async (_case, prepare, write, errorClass, message) => {
    // Prepare
    const eks = await prepare();
    eks.resetCalls();

    // Act
    const outcome = eks.execute(write);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(errorClass);
    await expect(outcome).rejects.toThrow(message);
    expect(eks.writes().map((call) => call.outcome)).toEqual(['failed']);
  });

  it('makes an update visible only once time has passed, and marks the update Successful', async () => {
    // Prepare
    const eks = activeCluster();

    // Act
    const { updateId } = await eks.execute({ kind: 'UpdateClusterVersion', request: { name: 'upgrade-demo', version: '1.31' } });
    const during = eks.cluster('upgrade-demo');
    eks.settle();

    // Assess
    expect(during).toMatchObject({ status: 'UPDATING', version: '1.30' });
    expect(eks.cluster('upgrade-demo')).toMatchObject({ status: 'ACTIVE', version: '1.31' });
    expect(eks.updates('upgrade-demo')).toEqual([expect.objectContaining({ id: updateId, type: 'VersionUpdate', status: 'Successful' })]);
  });
});
