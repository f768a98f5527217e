import type { Address } from '@aws-sdk/client-ec2';
import { reconcilePools, reconcilePoolFleet } from '../../../functions/eip-manager/run';
import { FakeEc2 } from '../../../testing/fake-ec2';
import type { Ec2Failure, FakeEc2Call } from '../../../testing/fake-ec2';
import { UpstreamError } from '../../../shared/errors';
import { apply, depsFor, financialMove, NOW, specWith } from '../../../testing/eip-manager';

const EGRESS = `
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
`;
const EGRESS_PARAMETER = '/eks-pilot/dev/sa-east-1/payments/eip-pools/egress';

function kinds(calls: readonly FakeEc2Call[]): string[] {
  return calls.map((call) => call.name);
}

/** Every allocation id or association id a write sent. */
function idsSent(calls: readonly FakeEc2Call[]): string[] {
  return calls.flatMap((call) => JSON.stringify(call.input).match(/eip(alloc|assoc)-[0-9a-f]+/g) ?? []);
}

function ipsOf(ec2: FakeEc2, instanceIds: readonly string[]): (string | undefined)[] {
  return instanceIds.map((id) => ec2.addressOf(id)?.PublicIp);
}

describe('reconcilePools on a node group pool', () => {
  it('fills the pool from zero, then keeps the same addresses when a node is replaced (terminated, then a new one running)', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const first = ec2.launchNode('payments', 'prod-ng');
    const second = ec2.launchNode('payments', 'prod-ng');

    // Act
    const filled = await apply(spec, ec2, deps);
    const ipsBefore = ec2
      .addressesTagged('egress')
      .map((address) => address.PublicIp)
      .sort();
    const firstIp = ec2.addressOf(first)?.PublicIp;
    ec2.setState(first, 'terminated');
    const afterTermination = await apply(spec, ec2, deps);
    const replacement = ec2.launchNode('payments', 'prod-ng');
    const afterReplacement = await apply(spec, ec2, deps);

    // Assess
    expect(kinds(filled.writes)).toEqual(['AllocateAddress', 'AllocateAddress', 'AssociateAddress', 'AssociateAddress']);
    expect(new Set(ipsOf(ec2, [second, replacement])).size).toBe(2);
    expect(kinds(afterTermination.writes)).toEqual([]);
    expect(kinds(afterReplacement.writes)).toEqual(['AssociateAddress']);
    expect(ec2.addressOf(replacement)?.PublicIp).toBe(firstIp);
    expect(
      ec2
        .addressesTagged('egress')
        .map((address) => address.PublicIp)
        .sort(),
    ).toEqual(ipsBefore);
    expect(afterReplacement.report).toMatchObject({ status: 'Converged', pools: [{ pool: 'egress', held: 2, attached: 2, missing: 0, unserved: 0 }] });
  });

  it('takes the address back from a node that is shutting down and gives it to the new node in one run', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const [old, kept] = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
    await apply(spec, ec2, deps);
    const oldIp = ec2.addressOf(old)?.PublicIp;
    ec2.setState(old, 'shutting-down');
    const replacement = ec2.launchNode('payments', 'prod-ng');

    // Act
    const { writes, report } = await apply(spec, ec2, deps);

    // Assess
    expect(kinds(writes)).toEqual(['DisassociateAddress', 'AssociateAddress']);
    expect(ec2.addressOf(replacement)?.PublicIp).toBe(oldIp);
    expect(ec2.addressOf(kept)).toBeDefined();
    expect(ec2.allAddresses()).toHaveLength(2);
    expect(deps.logs.filter((log) => log.message === 'elastic IP disassociated')).toEqual([
      {
        level: 'info',
        message: 'elastic IP disassociated',
        facts: expect.objectContaining({
          pool: 'egress',
          publicIp: oldIp,
          instanceId: old,
          reason: `instance ${old} is shutting down: its address returns to pool egress`,
        }) as unknown,
      },
    ]);
    expect(report.status).toBe('Converged');
  });

  it('logs every allocation and association with the allocation id, public IP, target and reason', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const instanceId = ec2.launchNode('payments', 'prod-ng');

    // Act
    await apply(spec, ec2, deps);

    // Assess
    const allocated = deps.logs.filter((log) => log.message === 'elastic IP allocated');
    const associated = deps.logs.filter((log) => log.message === 'elastic IP associated');
    expect(allocated).toHaveLength(2);
    for (const log of allocated) {
      expect(log.facts).toEqual(
        expect.objectContaining({
          cluster: 'payments',
          pool: 'egress',
          allocationId: expect.stringMatching(/^eipalloc-/) as unknown,
          publicIp: expect.any(String) as unknown,
          target: 'eip-pool/egress',
          reason: 'pool egress holds 0 of 2 addresses',
        }),
      );
    }
    expect(associated).toEqual([
      expect.objectContaining({
        facts: expect.objectContaining({
          allocationId: ec2.addressOf(instanceId)?.AllocationId,
          publicIp: ec2.addressOf(instanceId)?.PublicIp,
          instanceId,
          networkInterfaceId: ec2.instance(instanceId)?.NetworkInterfaces?.[0]?.NetworkInterfaceId,
          reason: `running instance ${instanceId} (node group prod-ng) has no address of pool egress`,
        }) as unknown,
      }),
    ]);
  });
});

describe('reconcilePools racing another run', () => {
  it('ends with two distinct addresses when two runs for two new nodes start together', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    await apply(spec, ec2, deps);
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
    ec2.resetCalls();

    // Act
    const reports = await Promise.all(nodes.map(() => reconcilePools(spec, deps, { mode: 'apply', pools: ['egress'] })));

    // Assess
    const ips = ipsOf(ec2, nodes);
    expect(ips.every((ip) => ip !== undefined)).toBe(true);
    expect(new Set(ips).size).toBe(2);
    expect(ec2.allAddresses()).toHaveLength(2);
    expect(reports.flatMap((report) => report.blocked)).toEqual([]);
    expect(ec2.writes().filter((call) => call.name === 'AssociateAddress' && call.outcome === 'ok')).toHaveLength(2);
    // The runs did collide: one reached for an address the other had just taken, and EC2 refused.
    expect(
      ec2
        .writes()
        .filter((call) => call.outcome === 'failed')
        .map((call) => (call.error?.cause as Error | undefined)?.name),
    ).toEqual(['Resource.AlreadyAssociated']);
    expect(
      ec2.writes().every((call) => call.name !== 'AssociateAddress' || (call.input as { AllowReassociation?: boolean }).AllowReassociation === false),
    ).toBe(true);
  });

  it('moves on to the next free address when EC2 answers Resource.AlreadyAssociated at the last moment', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 3
    attachTo: { nodeGroup: prod-ng }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    await apply(spec, ec2, deps);
    const [planned, next] = ec2.addressesTagged('egress');
    const node = ec2.launchNode('payments', 'prod-ng');
    const someoneElse = ec2.launchInstance({ role: 'bastion' });
    ec2.beforeNext('AssociateAddress', () => {
      ec2.associateOutOfBand(planned?.AllocationId ?? '', someoneElse);
    });

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.outcome])).toEqual([
      ['AssociateAddress', 'failed'],
      ['AssociateAddress', 'ok'],
    ]);
    expect(ec2.addressOf(node)?.AllocationId).toBe(next?.AllocationId);
    expect(ec2.addressOf(someoneElse)?.AllocationId).toBe(planned?.AllocationId);
    expect(deps.logs.find((log) => log.message === 'elastic IP taken meanwhile; trying the next')?.facts).toMatchObject({
      code: 'Resource.AlreadyAssociated',
      allocationId: planned?.AllocationId,
    });
    expect(report.pools[0]).toMatchObject({ status: 'Converged', attached: 1 });
  });

  it('takes another free address when the planned one is gone on the re-check before associating', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 3
    attachTo: { nodeGroup: prod-ng }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    await apply(spec, ec2, deps);
    const [planned, next] = ec2.addressesTagged('egress');
    const node = ec2.launchNode('payments', 'prod-ng');
    const someoneElse = ec2.launchInstance({ role: 'bastion' });
    // The first DescribeAddresses is the observation; the second, the re-check.
    ec2.beforeNext(
      'DescribeAddresses',
      () => {
        ec2.associateOutOfBand(planned?.AllocationId ?? '', someoneElse);
      },
      1,
    );

    // Act
    const { writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.outcome])).toEqual([['AssociateAddress', 'ok']]);
    expect(ec2.addressOf(node)?.AllocationId).toBe(next?.AllocationId);
    expect(deps.logs.find((log) => log.message === 'elastic IP associated')?.facts).toMatchObject({ plannedAllocationId: planned?.AllocationId });
  });

  it('leaves a node for the next run when every free address was taken meanwhile', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    await apply(spec, ec2, deps);
    const [only] = ec2.addressesTagged('egress');
    ec2.launchNode('payments', 'prod-ng');
    const someoneElse = ec2.launchInstance({ role: 'bastion' });
    ec2.beforeNext(
      'DescribeAddresses',
      () => {
        ec2.associateOutOfBand(only?.AllocationId ?? '', someoneElse);
      },
      1,
    );

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes).toEqual([]);
    expect(report.pools[0]).toMatchObject({ status: 'InProgress', unserved: 1 });
    expect(report.deferred[0]?.reason).toBe('no free address of pool egress is left (taken meanwhile); the next run looks again');
  });
});

describe('reconcilePools never touches what the spec does not allow', () => {
  it('never sends a write naming an address outside the pools, through allocation, node churn and release policies', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
    release: { policy: afterUnused, unusedFor: 1h }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1', quota: 20 });
    const deps = depsFor(ec2);
    const bastion = ec2.launchInstance({ role: 'bastion' });
    const holder = ec2.launchNode('payments', 'prod-ng');
    const outside = [
      ec2.seedAddress(),
      ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'other-cluster', 'eks-pilot/pool': 'egress', 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } }),
      ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'retired', 'eks-pilot/unused-since': '2026-01-01T00:00:00Z' } }),
      ec2.seedAddress({ tags: { 'partner-allowlist': 'not-adopted' } }),
      ec2.seedAddress({ instanceId: bastion }),
      ec2.seedAddress({ instanceId: holder, tags: { owner: 'ops' } }),
    ];
    const before = ec2.allAddresses().filter((address) => outside.includes(address.AllocationId ?? ''));

    // Act
    await apply(spec, ec2, deps);
    const node = ec2.launchNode('payments', 'prod-ng');
    await apply(spec, ec2, deps);
    ec2.setState(node, 'terminated');
    deps.clock.now = new Date(NOW.getTime() + 30 * 24 * 3_600_000);
    await apply(spec, ec2, deps);
    await apply(spec, ec2, deps);

    // Assess
    const sent = idsSent(ec2.writes());
    for (const id of outside) expect(sent).not.toContain(id);
    expect(ec2.allAddresses().filter((address) => outside.includes(address.AllocationId ?? ''))).toEqual(before);
  });

  it('never releases under policy never, however long the surplus addresses sit unused', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
    release: { policy: never }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    for (let index = 0; index < 3; index += 1) {
      ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'egress', 'eks-pilot/unused-since': '2025-01-01T00:00:00Z' } });
    }

    // Act
    for (const days of [0, 30, 365]) {
      deps.clock.now = new Date(NOW.getTime() + days * 24 * 3_600_000);
      await apply(spec, ec2, deps);
    }

    // Assess
    expect(ec2.writes().filter((call) => call.name === 'ReleaseAddress')).toEqual([]);
    expect(ec2.addressesTagged('egress')).toHaveLength(3);
  });

  it('releases a surplus address the pool allocated once unused for long enough, and checks again just before', async () => {
    // Prepare
    const spec = specWith(`
  - name: spare
    count: 1
    attachTo: { reservedFor: load-balancer }
    release: { policy: afterUnused, unusedFor: 1d }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const tags = { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'spare', 'eks-pilot/unused-since': '2026-11-01T00:00:00Z' };
    const [oldest] = [ec2.seedAddress({ tags }), ec2.seedAddress({ tags: { ...tags, 'eks-pilot/unused-since': '2026-11-20T00:00:00Z' } })];

    // Act
    const { writes, report } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.input])).toEqual([['ReleaseAddress', { AllocationId: oldest }]]);
    expect(ec2.addressesTagged('spare')).toHaveLength(1);
    expect(deps.logs.find((log) => log.message === 'elastic IP released')?.facts).toMatchObject({
      pool: 'spare',
      allocationId: oldest,
      publicIp: expect.any(String) as unknown,
    });
    expect(report.pools[0]).toMatchObject({ held: 1, missing: 0 });
  });

  it('does not release an address that was attached between the plan and the release', async () => {
    // Prepare
    const spec = specWith(`
  - name: spare
    count: 1
    attachTo: { reservedFor: load-balancer }
    release: { policy: afterUnused, unusedFor: 1d }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const tags = { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'spare', 'eks-pilot/unused-since': '2026-11-01T00:00:00Z' };
    const [oldest] = [ec2.seedAddress({ tags }), ec2.seedAddress({ tags })];
    const loadBalancer = ec2.launchInstance({ role: 'nlb-stand-in' });
    ec2.beforeNext(
      'DescribeAddresses',
      () => {
        ec2.associateOutOfBand(oldest, loadBalancer);
      },
      1,
    );

    // Act
    const { writes, report } = await apply(spec, ec2, deps);

    // Assess
    expect(writes).toEqual([]);
    expect(ec2.addressesTagged('spare')).toHaveLength(2);
    expect(report.deferred.map((item) => item.reason)).toEqual(['no longer releasable: the address changed since the plan (attached, re-tagged or adopted)']);
  });

  it('keeps an address EC2 reports in use at the release (InvalidIPAddress.InUse)', async () => {
    // Prepare
    const spec = specWith(`
  - name: spare
    count: 1
    attachTo: { reservedFor: load-balancer }
    release: { policy: afterUnused, unusedFor: 1d }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const tags = { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'spare', 'eks-pilot/unused-since': '2026-11-01T00:00:00Z' };
    const [oldest] = [ec2.seedAddress({ tags }), ec2.seedAddress({ tags })];
    const loadBalancer = ec2.launchInstance({ role: 'nlb-stand-in' });
    ec2.beforeNext('ReleaseAddress', () => {
      ec2.associateOutOfBand(oldest, loadBalancer);
    });

    // Act
    const { writes, report } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.outcome])).toEqual([['ReleaseAddress', 'failed']]);
    expect(ec2.addressesTagged('spare')).toHaveLength(2);
    expect(report.deferred.map((item) => item.reason)).toEqual(['attached meanwhile (InvalidIPAddress.InUse): kept']);
  });
});

describe('reconcilePools when the Elastic IP quota is used up', () => {
  it('reports the pool that lacks addresses and how many, while the other pools reconcile', async () => {
    // Prepare
    const spec = specWith(`${EGRESS}
  - name: ingress
    count: 2
    attachTo: { reservedFor: load-balancer }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1', quota: 3 });
    const deps = depsFor(ec2);
    ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'egress' } });
    ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'egress' } });
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.outcome])).toEqual([
      ['AssociateAddress', 'ok'],
      ['AssociateAddress', 'ok'],
      ['AllocateAddress', 'ok'],
      ['AllocateAddress', 'failed'],
    ]);
    expect(ipsOf(ec2, nodes).every((ip) => ip !== undefined)).toBe(true);
    expect(report.status).toBe('Blocked');
    expect(report.pools.map((pool) => [pool.pool, pool.status, pool.held, pool.missing, pool.quotaExhausted])).toEqual([
      ['egress', 'Converged', 2, 0, false],
      ['ingress', 'Blocked', 1, 1, true],
    ]);
    const message =
      'pool ingress of payments lacks 1 of its 2 Elastic IP addresses: the Elastic IP quota in sa-east-1 is used up (AddressLimitExceeded). ' +
      'Release addresses nobody uses, or ask Service Quotas for a higher "EC2-VPC Elastic IPs" quota.';
    expect(report.blocked).toEqual([{ pool: 'ingress', target: 'eip-pool/ingress', kind: 'AllocateAddress', reason: message }]);
    expect(deps.logs.find((log) => log.message === 'elastic IP quota reached')).toMatchObject({
      level: 'error',
      facts: {
        pool: 'ingress',
        missing: 1,
        region: 'sa-east-1',
        error: { name: 'PoolQuotaError', message, context: expect.objectContaining({ code: 'AddressLimitExceeded' }) as unknown },
      },
    });
    expect(deps.store.publicIps('/eks-pilot/dev/sa-east-1/payments/eip-pools/ingress')).toHaveLength(1);
  });

  it('stops allocating for a pool after the quota refused it once, and leaves its nodes for later', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 3
    attachTo: { nodeGroup: prod-ng }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1', quota: 0 });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => call.name)).toEqual(['AllocateAddress']);
    expect(report.pools[0]).toMatchObject({ status: 'Blocked', held: 0, missing: 3, unserved: 1 });
    expect(report.deferred.map((item) => item.reason)).toEqual(['its address was not allocated: the Elastic IP quota is used up (AddressLimitExceeded)']);
  });
});

describe('reconcilePools adopting and attaching elsewhere', () => {
  it('adopts existing tagged addresses, allocates nothing new, and publishes the addresses partners know', async () => {
    // Prepare
    const spec = specWith(`${EGRESS}    adopt: { tags: { partner-allowlist: payments-egress } }\n`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const known = [
      ec2.seedAddress({ tags: { 'partner-allowlist': 'payments-egress' } }),
      ec2.seedAddress({ tags: { 'partner-allowlist': 'payments-egress' } }),
    ];
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];

    // Act
    const { writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => call.name)).toEqual(['CreateTags', 'CreateTags', 'AssociateAddress', 'AssociateAddress']);
    expect(ec2.allAddresses().map((address) => address.Tags?.find((tag) => tag.Key === 'eks-pilot/adopted-by')?.Value)).toEqual([
      'payments/egress',
      'payments/egress',
    ]);
    expect(nodes.map((node) => ec2.addressOf(node)?.AllocationId).sort()).toEqual([...known].sort());
    expect(deps.store.publicIps(EGRESS_PARAMETER)).toEqual(
      ec2
        .allAddresses()
        .map((address) => address.PublicIp)
        .sort(),
    );
  });

  it("associates the pool's addresses with an existing NAT gateway as secondary addresses, leaving its primary alone", async () => {
    // Prepare: a gateway whose address quota was raised to 3 (primary and two secondaries)
    const ec2 = new FakeEc2({ region: 'sa-east-1', natGatewayAddressQuota: 3 });
    const natGatewayId = ec2.addNatGateway();
    const primary = ec2.natGateway(natGatewayId)?.NatGatewayAddresses?.[0]?.AllocationId;
    const spec = specWith(`
  - name: nat-egress
    count: 2
    attachTo: { natGatewayId: ${natGatewayId} }
`);
    const deps = depsFor(ec2);

    // Act
    const first = await apply(spec, ec2, deps);
    const second = await apply(spec, ec2, deps);

    // Assess
    expect(first.writes.map((call) => call.name)).toEqual(['AllocateAddress', 'AllocateAddress', 'AssociateNatGatewayAddress', 'AssociateNatGatewayAddress']);
    expect(first.writes[2]?.input).toEqual({ NatGatewayId: natGatewayId, AllocationIds: [ec2.addressesTagged('nat-egress')[0]?.AllocationId] });
    expect(ec2.natGateway(natGatewayId)?.NatGatewayAddresses?.map((address) => [address.AllocationId, address.IsPrimary])).toEqual([
      [primary, true],
      ...ec2.addressesTagged('nat-egress').map((address) => [address.AllocationId, false]),
    ]);
    expect(second.writes).toEqual([]);
    expect(second.report.pools[0]).toMatchObject({ status: 'Converged', held: 2, attached: 2 });
    expect(idsSent(ec2.writes())).not.toContain(primary);
  });

  it('gives the address of a node with an interruption warning to a node that waits', async () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
`);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const interrupted = ec2.launchNode('payments', 'prod-ng');
    await apply(spec, ec2, deps);
    const ip = ec2.addressOf(interrupted)?.PublicIp;
    const waiting = ec2.launchNode('payments', 'prod-ng');

    // Act
    const { writes } = await apply(spec, ec2, deps, { leaving: [interrupted] });

    // Assess
    expect(writes.map((call) => call.name)).toEqual(['DisassociateAddress', 'AssociateAddress']);
    expect(ec2.addressOf(waiting)?.PublicIp).toBe(ip);
  });
});

describe('reconcilePools publishing and failures', () => {
  it("writes a pool's parameter when its addresses change, and not otherwise", async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');

    // Act
    const first = await apply(spec, ec2, deps);
    const second = await apply(spec, ec2, deps);

    // Assess
    expect(first.report.pools[0]?.published).toBe('written');
    expect(second.report.pools[0]?.published).toBe('unchanged');
    expect(deps.store.writes).toBe(1);
    expect(JSON.parse(deps.store.values.get(EGRESS_PARAMETER) ?? '{}')).toEqual({
      publicIps: first.report.pools[0]?.publicIps,
      allocationIds: expect.arrayContaining(ec2.addressesTagged('egress').map((address) => address.AllocationId)) as unknown,
    });
  });

  it('plans without writing anything, in plan mode', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');

    // Act
    const report = await reconcilePools(spec, deps, { mode: 'plan' });

    // Assess
    expect(ec2.writes()).toEqual([]);
    expect(deps.store.writes).toBe(0);
    expect(report).toMatchObject({ status: 'Drifted', pools: [{ pool: 'egress', status: 'Drifted', held: 0, missing: 2, published: 'not-written' }] });
    expect(
      ec2
        .reads()
        .map((call) => call.name)
        .sort(),
    ).toEqual(['DescribeAddresses', 'DescribeInstances', 'DescribeNatGateways']);
  });

  it('stops sending writes once EC2 throttles, and leaves the rest for the next run', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');
    ec2.failNext('AllocateAddress', 'throttled');

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => call.name)).toEqual(['AllocateAddress']);
    expect(report.pools[0]?.status).toBe('InProgress');
    expect(report.deferred.map((item) => item.kind)).toEqual(['AllocateAddress', 'AllocateAddress', 'AssociateAddress']);
  });

  it('stops sending writes once EC2 answers 503 after the SDK retries, reports InProgress rather than Blocked, and the next run converges', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');
    ec2.failNext('AllocateAddress', 'unavailable');

    // Act
    const first = await apply(spec, ec2, deps);
    const second = await apply(spec, ec2, deps);

    // Assess
    expect(first.report).toMatchObject({ status: 'InProgress', blocked: [] });
    expect(first.report.deferred.map((item) => item.reason)).toEqual([
      'EC2 did not answer (UpstreamError: AllocateAddress failed: Unavailable: The server is temporarily unavailable.); the next run retries',
      'not sent: EC2 did not answer this run',
      'not sent: EC2 did not answer this run',
    ]);
    expect(second.report.status).toBe('Converged');
  });

  it.each<[string, Ec2Failure]>([
    ['a 503', 'unavailable'],
    ['RequestLimitExceeded', 'throttled'],
    ['a reset connection (ECONNRESET)', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ])('reports a cluster whose addresses cannot be read because of %s as InProgress, not Blocked', async (_label, failure) => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.failNext('DescribeAddresses', failure);

    // Act
    const report = await reconcilePools(spec, depsFor(ec2), { mode: 'apply' });

    // Assess
    expect(report.status).toBe('InProgress');
    expect(report.summary).toMatch(/^could not read the account: /);
    expect(ec2.writes()).toEqual([]);
  });

  it('reports a pool whose allow-list SSM throttles as InProgress, not Blocked, and publishes it on the next run', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');
    const write = deps.store.write.bind(deps.store);
    let failures = 1;
    deps.store.write = (name, value) => {
      if (failures-- > 0) {
        const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
        return Promise.reject(
          new UpstreamError('PutParameter failed: ThrottlingException: Rate exceeded', { cause, context: { action: 'PutParameter', name } }),
        );
      }
      return write(name, value);
    };

    // Act
    const first = await apply(spec, ec2, deps);
    const second = await apply(spec, ec2, deps);

    // Assess
    expect(first.report.pools[0]).toMatchObject({ status: 'InProgress', published: 'not-written' });
    expect(first.report.status).toBe('InProgress');
    expect(first.report.blocked).toEqual([]);
    expect(second.report.pools[0]).toMatchObject({ status: 'Converged', published: 'written' });
  });

  it('reports a cluster whose addresses cannot be read as Blocked, and the other clusters still reconcile', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const broken = new FakeEc2({ region: 'sa-east-1' });
    const healthy = new FakeEc2({ region: 'sa-east-1' });
    broken.failNext('DescribeAddresses', new Error('connection reset'));
    const other = { ...spec, name: 'other' };
    const deps = { ...depsFor(healthy), ec2For: (cluster: { name: string }) => (cluster.name === 'payments' ? broken : healthy) };

    // Act
    const reports = await reconcilePoolFleet(
      [
        { spec, mode: 'apply' },
        { spec: other, mode: 'apply' },
      ],
      deps,
    );

    // Assess
    expect(reports.map((report) => [report.cluster, report.status])).toEqual([
      ['payments', 'Blocked'],
      ['other', 'Converged'],
    ]);
    expect(reports[0]?.summary).toBe('could not read the account: Error: connection reset');
  });
});

describe('eip-manager on the financial-move example', () => {
  it('allocates and attaches what the spec asks from an empty account, then makes no mutating call, keeps the egress list through a node replacement, and never releases', async () => {
    // Prepare
    const spec = await financialMove();
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const nodes = [ec2.launchNode('financial-move', 'prod-ng'), ec2.launchNode('financial-move', 'prod-ng'), ec2.launchNode('financial-move', 'prod-ng')];
    const egress = '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress';
    const ingress = '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress';

    // Act
    const fromEmpty = await apply(spec, ec2, deps);
    const published = { egress: deps.store.publicIps(egress), ingress: deps.store.publicIps(ingress) };
    const again = await apply(spec, ec2, deps);
    const holder = nodes.find((node) => ec2.addressOf(node) !== undefined) ?? '';
    const holderIp = ec2.addressOf(holder)?.PublicIp;
    const waited = nodes.find((node) => ec2.addressOf(node) === undefined) ?? '';
    ec2.setState(holder, 'shutting-down');
    const replacement = ec2.launchNode('financial-move', 'prod-ng');
    const replaced = await apply(spec, ec2, deps);
    ec2.setState(holder, 'terminated');
    const settled = await apply(spec, ec2, deps);

    // Assess
    expect(fromEmpty.writes.map((call) => call.name)).toEqual([
      'AllocateAddress',
      'AllocateAddress',
      'AssociateAddress',
      'AssociateAddress',
      'AllocateAddress',
      'AllocateAddress',
    ]);
    expect(fromEmpty.report.pools.map((pool) => [pool.pool, pool.held, pool.attached, pool.missing, pool.unserved])).toEqual([
      ['egress', 2, 2, 0, 1],
      ['ingress', 2, 0, 0, 0],
    ]);
    expect(published.egress).toHaveLength(2);
    expect(published.ingress).toHaveLength(2);
    expect(again.writes).toEqual([]);
    expect(again.report.pools.map((pool) => pool.published)).toEqual(['unchanged', 'unchanged']);
    expect(replaced.writes.map((call) => call.name)).toEqual(['DisassociateAddress', 'AssociateAddress']);
    // The node that waited longest (prod-ng runs 3 nodes, the pool holds 2) gets the address first.
    expect(ec2.addressOf(waited)?.PublicIp).toBe(holderIp);
    expect(settled.report.pools[0]).toMatchObject({ attached: 2, unserved: 1 });
    expect(ec2.addressOf(replacement)).toBeUndefined();
    expect(settled.writes).toEqual([]);
    expect(deps.store.publicIps(egress)).toEqual(published.egress);
    expect(deps.store.publicIps(ingress)).toEqual(published.ingress);
    expect(ec2.writes().filter((call) => call.name === 'ReleaseAddress')).toEqual([]);
    expect(
      ec2
        .allAddresses()
        .map((address: Address) => address.PublicIp)
        .sort(),
    ).toEqual([...published.egress, ...published.ingress].sort());
  });
});

describe('reconcilePools when EC2 answers are lost', () => {
  const published = (deps: ReturnType<typeof depsFor>): string[] => deps.store.publicIps(EGRESS_PARAMETER).sort();
  const poolIps = (ec2: FakeEc2): string[] =>
    ec2
      .addressesTagged('egress')
      .map((address) => address.PublicIp ?? '')
      .sort();

  it('uses the address EC2 allocated when the AllocateAddress answer never came back', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
    ec2.dropResponse('AllocateAddress');

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.outcome])).toEqual([
      ['AllocateAddress', 'response-lost'],
      ['AllocateAddress', 'ok'],
      ['AssociateAddress', 'ok'],
      ['AssociateAddress', 'ok'],
    ]);
    expect(ec2.allAddresses()).toHaveLength(2);
    expect(new Set(ipsOf(ec2, nodes)).size).toBe(2);
    expect(report.pools[0]).toMatchObject({ status: 'Converged', held: 2, attached: 2, surplus: 0 });
    expect(published(deps)).toEqual(poolIps(ec2));
    expect(deps.logs.find((log) => log.message === 'elastic IP allocation found by its claim')?.facts).toMatchObject({ pool: 'egress', slot: 'egress#1' });
  });

  it('releases at once the second address a retried AllocateAddress allocated, before anything attaches or publishes it', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
    ec2.dropResponse('AllocateAddress', { retried: true });

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.filter((call) => call.name === 'AllocateAddress')).toHaveLength(3);
    expect(writes.filter((call) => call.name === 'ReleaseAddress').map((call) => call.outcome)).toEqual(['ok']);
    expect(ec2.allAddresses()).toHaveLength(2);
    expect(ipsOf(ec2, nodes).every((ip) => ip !== undefined)).toBe(true);
    expect(report).toMatchObject({ status: 'Converged', pools: [{ held: 2, attached: 2, surplus: 0 }] });
    expect(published(deps)).toEqual(poolIps(ec2));
    expect(deps.logs.find((log) => log.message === 'elastic IP allocated beyond the plan')).toBeDefined();
    expect(deps.logs.find((log) => log.message === 'elastic IP released')?.facts).toMatchObject({ pool: 'egress', rule: 'surplus' });
  });

  it('releases on the next run an unattached, unpublished address a lost answer left behind', async () => {
    // Prepare: a full pool, and the orphan a crashed run's retried allocation left, with that run's claim
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    ec2.launchNode('payments', 'prod-ng');
    ec2.launchNode('payments', 'prod-ng');
    await apply(spec, ec2, deps);
    const orphan = ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'egress', 'eks-pilot/claim': 'run-that-crashed' } });

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.map((call) => [call.name, call.input])).toEqual([['ReleaseAddress', { AllocationId: orphan }]]);
    expect(report.pools[0]).toMatchObject({ status: 'Converged', held: 2, surplus: 0 });
  });

  it('reports Drifted, with the ids and what to do, a surplus address that is already attached, and releases nothing', async () => {
    // Prepare
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = depsFor(ec2);
    const tags = { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'egress', 'eks-pilot/claim': 'run-1' };
    const nodes = [ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng'), ec2.launchNode('payments', 'prod-ng')];
    const ids = nodes.map((instanceId) => ec2.seedAddress({ tags, instanceId }));

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes).toEqual([]);
    expect(report.status).toBe('Drifted');
    expect(report.pools[0]).toMatchObject({ status: 'Drifted', held: 3, surplus: 1 });
    expect(report.pools[0]?.summary).toContain(`1 beyond count: ${ids[2] ?? ''}`);
    expect(report.pools[0]?.summary).toContain(`is attached to ${nodes[2] ?? ''}: eip-manager never releases it on its own`);
    expect(report.pools[0]?.summary).toContain(`aws ec2 release-address --allocation-id ${ids[2] ?? ''}`);
    expect(deps.logs.find((log) => log.message === 'elastic IP pool holds more than its count')?.facts).toMatchObject({ surplus: 1, kept: [ids[2]] });
  });
});

describe('reconcilePools and the allow-list name before Region and stage', () => {
  it('writes only the new name, leaves the old parameter in place, and counts what the old one lists as published', async () => {
    // Prepare: an orphan with a claim tag that the old parameter still lists (partners know it)
    const spec = specWith(EGRESS);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = { ...depsFor(ec2), stage: 'prod' };
    ec2.launchNode('payments', 'prod-ng');
    ec2.launchNode('payments', 'prod-ng');
    await apply(spec, ec2, deps);
    const known = ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'payments', 'eks-pilot/pool': 'egress', 'eks-pilot/claim': 'run-old' } });
    const legacy = '/eks-pilot/payments/eip-pools/egress';
    const old = JSON.stringify({ publicIps: ['198.51.100.99'], allocationIds: [known] });
    deps.store.values.set(legacy, old);

    // Act
    const { report, writes } = await apply(spec, ec2, deps);

    // Assess
    expect(writes.filter((call) => call.name === 'ReleaseAddress')).toEqual([]);
    expect(report.pools[0]).toMatchObject({ status: 'Drifted', surplus: 1, parameter: '/eks-pilot/prod/sa-east-1/payments/eip-pools/egress' });
    expect(deps.store.values.get(legacy)).toBe(old);
    expect(deps.store.values.has('/eks-pilot/prod/sa-east-1/payments/eip-pools/egress')).toBe(true);
    expect(deps.logs.find((log) => log.message === 'elastic IP pool still published under its old name')?.facts).toMatchObject({
      legacyParameter: legacy,
      parameter: '/eks-pilot/prod/sa-east-1/payments/eip-pools/egress',
    });
  });
});
