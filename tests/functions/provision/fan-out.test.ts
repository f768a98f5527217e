import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handleProvisionBatch, handleProvisionEvent } from '../../../functions/provision/invoke';
import type { InvokeDeps } from '../../../functions/provision/invoke';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEks } from '../../../testing/fake-eks';
import { FakeFleetQueue } from '../../../testing/fake-fleet-queue';
import { minimalSpecYaml, parseSpecOrThrow } from '../../../testing/specs';

const schedule = { 'detail-type': 'Scheduled Event' as const, source: 'aws.events' as const, time: '2026-12-01T10:05:00Z', resources: [] };
const GROUP = { name: 'web-ng', min: 2, max: 4 };

/** Spec files in a folder of their own, each cluster in its own account, remediating drift. */
function specsFolder(names: readonly string[]): { folder: string; specs: ClusterSpec[] } {
  const folder = mkdtempSync(path.join(tmpdir(), 'eks-pilot-fan-out-'));
  const specs = names.map((name, index) => {
    const text = minimalSpecYaml({ name, region: 'eu-west-1', account: `11112222333${String(index)}`, extra: ['onDrift: remediate'], nodeGroups: [GROUP] });
    writeFileSync(path.join(folder, `${name}.yaml`), text);
    return parseSpecOrThrow(text, `${name}.yaml`);
  });
  return { folder, specs };
}

/** One fake account per cluster, each seeded converged on its spec. */
function fleet(names: readonly string[]): { deps: InvokeDeps; accounts: Map<string, FakeEks>; queue: FakeFleetQueue } {
  const { folder, specs } = specsFolder(names);
  const accounts = new Map(specs.map((spec) => [spec.name, new FakeEks({ region: spec.region })]));
  for (const spec of specs) accounts.get(spec.name)?.seedFromSpec(spec);
  const queue = new FakeFleetQueue();
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const deps: InvokeDeps = {
    eksFor: (spec) => accounts.get(spec.name) ?? new FakeEks(),
    now: () => new Date(schedule.time),
    logger,
    specPaths: [folder],
    fleetQueue: queue,
  };
  return { deps, accounts, queue };
}

const drift = (eks: FakeEks | undefined, cluster: string): void =>
  eks?.changeNodegroup(cluster, 'web-ng', (group) => {
    group.scalingConfig = { ...group.scalingConfig, maxSize: 9 };
  });

describe('provision fan-out', () => {
  it('sends one message per cluster on a scheduled run of two clusters, and reads nothing itself', async () => {
    // Prepare
    const { deps, accounts, queue } = fleet(['alpha', 'beta']);

    // Act
    const response = await handleProvisionEvent(schedule, deps);

    // Assess
    expect(response.reports).toEqual([]);
    expect(response.fannedOut).toMatchObject({ queued: 2, budgets: 2, clusters: ['alpha', 'beta'] });
    expect(queue.sent.map((message) => JSON.parse(message.body) as unknown)).toEqual([
      {
        function: 'provision',
        cluster: 'alpha',
        region: 'eu-west-1',
        file: expect.stringMatching(/alpha\.yaml$/) as unknown,
        time: schedule.time,
        mode: 'apply',
      },
      {
        function: 'provision',
        cluster: 'beta',
        region: 'eu-west-1',
        file: expect.stringMatching(/beta\.yaml$/) as unknown,
        time: schedule.time,
        mode: 'apply',
      },
    ]);
    expect([...accounts.values()].flatMap((eks) => eks.reads())).toEqual([]);
  });

  it('reconciles a single cluster in the scheduled invocation, as without a queue', async () => {
    // Prepare
    const { deps, queue } = fleet(['alpha']);

    // Act
    const response = await handleProvisionEvent(schedule, deps);

    // Assess
    expect(response.reports.map((report) => [report.cluster, report.status])).toEqual([['alpha', 'Converged']]);
    expect(queue.sent).toEqual([]);
  });

  it('reconciles the whole fleet in a manual invoke, queue or not', async () => {
    // Prepare
    const { deps, queue } = fleet(['alpha', 'beta']);

    // Act
    const response = await handleProvisionEvent({ mode: 'plan' }, deps);

    // Assess
    expect(response.reports.map((report) => [report.cluster, report.status])).toEqual([
      ['alpha', 'Converged'],
      ['beta', 'Converged'],
    ]);
    expect(queue.sent).toEqual([]);
  });

  it('converges each queued cluster, and a second delivery of the same messages finds nothing to do', async () => {
    // Prepare: both clusters drifted by hand, the schedule fanned out
    const { deps, accounts, queue } = fleet(['alpha', 'beta']);
    drift(accounts.get('alpha'), 'alpha');
    drift(accounts.get('beta'), 'beta');
    await handleProvisionEvent(schedule, deps);

    // Act
    const first = await handleProvisionBatch(queue.event(), deps);
    for (const eks of accounts.values()) eks.settle();
    const writesAfterFirst = [...accounts.values()].map((eks) => eks.writes().map((call) => call.name));
    const again = await handleProvisionBatch(queue.event(), deps);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(writesAfterFirst).toEqual([['UpdateNodegroupConfig'], ['UpdateNodegroupConfig']]);
    expect(again).toEqual({ batchItemFailures: [] });
    expect([...accounts.values()].map((eks) => eks.writes().length)).toEqual([1, 1]);
    expect(accounts.get('alpha')?.nodegroup('alpha', 'web-ng')?.scalingConfig?.maxSize).toBe(4);
  });

  it('returns only the message of a cluster it could not read, and reconciles the other', async () => {
    // Prepare
    const { deps, accounts, queue } = fleet(['alpha', 'beta']);
    await handleProvisionEvent(schedule, deps);
    accounts.get('alpha')?.failNext('DescribeCluster', 'throttled');
    drift(accounts.get('beta'), 'beta');

    // Act
    const response = await handleProvisionBatch(queue.event(), deps);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: queue.sent[0]?.messageId }] });
    expect(
      accounts
        .get('beta')
        ?.writes()
        .map((call) => call.name),
    ).toEqual(['UpdateNodegroupConfig']);
  });
});
