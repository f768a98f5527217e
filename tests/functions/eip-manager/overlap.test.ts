/**
 * Overlapping eip-manager runs through the real executor: two applies started at the same instant
 * (interleaving request by request on the fake EC2), a holder that dies mid-run, a lease another
 * run holds, a lease store that is down.
 */
import type { Address } from '@aws-sdk/client-ec2';
import { POOL_LEASE_MS, reconcilePools } from '../../../functions/eip-manager/run';
import type { EipClusterReport } from '../../../functions/eip-manager/run';
import { FakeEc2 } from '../../../testing/fake-ec2';
import { FakeLeases } from '../../../testing/fake-lease';
import { depsFor, MemoryAllowList, NOW, specWith } from '../../../testing/eip-manager';

const POOLS = `
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
  - name: ingress
    count: 2
    attachTo: { reservedFor: load-balancer }
`;
const PARAMETER = (pool: string): string => `/eks-pilot/dev/sa-east-1/payments/eip-pools/${pool}`;
const spec = specWith(POOLS);

function allocationIds(addresses: readonly Address[]): string[] {
  return addresses.map((address) => address.AllocationId ?? '').sort();
}

function publishedIds(store: MemoryAllowList, pool: string): string[] {
  const value = store.values.get(PARAMETER(pool));
  return value === undefined ? [] : (JSON.parse(value) as { allocationIds: string[] }).allocationIds.sort();
}

/** Every network interface holds at most one address. */
function interfacesWithTwo(ec2: FakeEc2): string[] {
  const seen = new Map<string, number>();
  for (const address of ec2.allAddresses())
    if (address.NetworkInterfaceId) seen.set(address.NetworkInterfaceId, (seen.get(address.NetworkInterfaceId) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([eni]) => eni);
}

/**
 * Two applies of the same spec at once, as two processes with their own run ids; the second starts
 * `stagger` event-loop turns after the first, so each pair interleaves their requests differently.
 */
async function twoAtOnce(ec2: FakeEc2, store: MemoryAllowList, leases: FakeLeases | undefined, stagger = 0): Promise<EipClusterReport[]> {
  const [a, b] = ['run-a', 'run-b'].map((runId) => depsFor(ec2, NOW, { store, runId, ...(leases ? { leases } : {}) }));
  const later = async (): Promise<EipClusterReport> => {
    for (let turn = 0; turn < stagger; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    return reconcilePools(spec, b ?? depsFor(ec2), { mode: 'apply' });
  };
  return Promise.all([reconcilePools(spec, a ?? depsFor(ec2), { mode: 'apply' }), later()]);
}

describe('two eip-manager applies at once', () => {
  it('over-allocate without a lease (the race the lease closes)', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1', quota: 20 });
    ec2.launchNode('payments', 'prod-ng');
    ec2.launchNode('payments', 'prod-ng');

    // Act
    await twoAtOnce(ec2, new MemoryAllowList(), undefined);

    // Assess
    expect(ec2.addressesTagged('egress').length + ec2.addressesTagged('ingress').length).toBeGreaterThan(4);
  });

  it.each(Array.from({ length: 10 }, (_, index) => [index + 1]))(
    'end with exactly count addresses per pool, one per node, all published, with a lease (pair %i of 10, the second starting that many turns later)',
    async (stagger) => {
      // Prepare
      const ec2 = new FakeEc2({ region: 'sa-east-1', quota: 20 });
      const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
      const store = new MemoryAllowList();
      const leases = new FakeLeases();

      // Act
      const reports = await twoAtOnce(ec2, store, leases, stagger);

      // Assess
      for (const pool of ['egress', 'ingress']) {
        expect(ec2.addressesTagged(pool)).toHaveLength(2);
        expect(publishedIds(store, pool)).toEqual(allocationIds(ec2.addressesTagged(pool)));
      }
      expect(nodes.map((node) => ec2.addressOf(node)?.AllocationId).filter(Boolean)).toHaveLength(2);
      expect(interfacesWithTwo(ec2)).toEqual([]);
      expect(reports.map((report) => report.status).sort()).toEqual(['Converged', 'InProgress']);
      const loser = reports.find((report) => report.status === 'InProgress');
      expect(loser?.executed).toEqual([]);
      expect(loser?.pools.every((pool) => pool.summary.startsWith("another run holds the pool's lease: test run-"))).toBe(true);
      expect(leases.keys()).toEqual([]);
      expect(ec2.writes().every((call) => call.name !== 'AllocateAddress' || JSON.stringify(call.input).includes('"eks-pilot/claim"'))).toBe(true);
    },
  );
});

describe('a pool lease', () => {
  it('held by another run leaves the pool InProgress and sends nothing, not even to SSM', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.launchNode('payments', 'prod-ng');
    const leases = new FakeLeases();
    leases.hold('eip-pool/sa-east-1/payments/egress', { owner: 'run-x', holder: 'cli ops@laptop', expiresAt: new Date(NOW.getTime() + 60_000) });
    const deps = depsFor(ec2, NOW, { leases, runId: 'run-b' });

    // Act
    const report = await reconcilePools(spec, deps, { mode: 'apply', pools: ['egress'] });

    // Assess
    expect(ec2.writes()).toEqual([]);
    expect(deps.store.writes).toBe(0);
    expect(report.status).toBe('InProgress');
    expect(report.pools[0]?.summary).toMatch(
      /^another run holds the pool's lease: cli ops@laptop \(run run-x, lease until 2026-11-22T12:01:00.000Z\); this run wrote nothing, the next one looks again; holds 0 of 2; 0 attached; AllocateAddress eip-pool\/egress/,
    );
    expect(leases.current('eip-pool/sa-east-1/payments/egress')?.owner).toBe('run-x');
  });

  it('that expired is taken over by the next run; the holder that died, when it wakes, stops writing; the run after releases what it left', async () => {
    // Prepare: run A allocates one address and stalls before its second allocation
    const ec2 = new FakeEc2({ region: 'sa-east-1', quota: 20 });
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
    const store = new MemoryAllowList();
    const leases = new FakeLeases();
    const clock = { now: NOW };
    const stalled = ec2.pauseBefore('AllocateAddress', 1);
    const runA = reconcilePools(spec, depsFor(ec2, NOW, { leases, store, clock, runId: 'run-a' }), { mode: 'apply', pools: ['egress'] });
    await stalled.reached;

    // Act: A's lease runs out; B takes over and fills the pool; then A wakes up
    clock.now = new Date(NOW.getTime() + POOL_LEASE_MS + 1_000);
    const b = await reconcilePools(spec, depsFor(ec2, NOW, { leases, store, clock, runId: 'run-b' }), { mode: 'apply', pools: ['egress'] });
    stalled.resume();
    const a = await runA;
    const afterA = ec2.addressesTagged('egress');
    const c = await reconcilePools(spec, depsFor(ec2, NOW, { leases, store, clock, runId: 'run-c' }), { mode: 'apply', pools: ['egress'] });

    // Assess
    expect(b.status).toBe('Converged');
    expect(a.status).toBe('InProgress');
    expect(a.deferred.map((item) => item.reason)).toContain('not sent: the lease of pool egress ran out and another run took it over; the next run takes over');
    // A's in-flight allocation landed after B had filled the pool: one surplus, unattached, unpublished, with A's claim.
    expect(afterA).toHaveLength(3);
    expect(publishedIds(store, 'egress')).toHaveLength(2);
    expect(c.executed.map((item) => item.kind)).toEqual(['ReleaseAddress']);
    expect(c.pools[0]).toMatchObject({ status: 'Converged', held: 2, surplus: 0 });
    expect(allocationIds(ec2.addressesTagged('egress'))).toEqual(publishedIds(store, 'egress'));
    expect(nodes.map((node) => ec2.addressOf(node)?.AllocationId).sort()).toEqual(publishedIds(store, 'egress'));
  });

  it('that cannot be taken because the store is down leaves the pool InProgress with no write', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const leases = new FakeLeases();
    leases.failNext(2);
    const deps = depsFor(ec2, NOW, { leases, runId: 'run-a' });

    // Act
    const report = await reconcilePools(spec, deps, { mode: 'apply' });

    // Assess
    expect(ec2.writes()).toEqual([]);
    expect(deps.store.writes).toBe(0);
    expect(report.pools.map((pool) => pool.status)).toEqual(['InProgress', 'InProgress']);
    expect(report.pools[0]?.summary).toMatch(/^could not take the pool's lease \(.*\); this run wrote nothing/);
  });

  it('is renewed before a write once half of it has run, and given back at the end', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.launchNode('payments', 'prod-ng');
    const leases = new FakeLeases();
    const clock = { now: NOW };
    const deps = depsFor(ec2, NOW, { leases, clock, runId: 'run-a' });
    ec2.beforeNext('AssociateAddress', () => {
      clock.now = new Date(NOW.getTime() + POOL_LEASE_MS * 0.6);
    });

    // Act
    const report = await reconcilePools(spec, deps, { mode: 'apply', pools: ['egress'] });

    // Assess
    expect(report.status).toBe('Converged');
    expect(leases.calls.map((call) => [call.name, call.outcome])).toEqual([
      ['acquire', 'ok'],
      ['renew', 'ok'],
      ['release', 'ok'],
    ]);
  });
});
