/**
 * financial-move's egress pool on the NAT gateway, end to end against the EC2 fake (moto 5.2.1 has
 * no AssociateNatGatewayAddress, see tests/e2e/support/specs.ts): the example from an empty
 * account, the move of the allow-listed addresses from the prod-ng nodes to the gateway
 * (`attachTo.moveFrom`), and what EC2 answers on the way (EC2 API Reference,
 * AssociateNatGatewayAddress: the association is `associating`, then `succeeded` or `failed`; 2
 * Elastic IPs per public NAT gateway by default, primary included).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { EMPTY_ACCOUNT } from '../../../functions/eip-manager/observed';
import { planPools } from '../../../functions/eip-manager/plan';
import { AssociationConflictError } from '../../../shared/ports/ec2';
import { RequestRejectedError } from '../../../shared/errors';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import { FakeEc2 } from '../../../testing/fake-ec2';
import { apply, depsFor, FINANCIAL_MOVE_EXAMPLE, financialMove, NOW } from '../../../testing/eip-manager';
import { parseSpecOrThrow } from '../../../testing/specs';

const NAT = 'nat-0f1a2b3c4d5e60c03';
const EGRESS = '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress';
const ALLOW_LISTED = { 'partner-allowlist': 'financial-move-egress' };

/** The example with `moveFrom: { nodeGroup: prod-ng }` on its egress pool: what its operators apply to move the pool. */
function movingExample(): ClusterSpec {
  const file = path.join(FINANCIAL_MOVE_EXAMPLE, 'cluster.yaml');
  const document = parseDocument(readFileSync(file, 'utf8'));
  const pools = (document.toJS() as { elasticIpPools: { name: string }[] }).elasticIpPools;
  const index = pools.findIndex((pool) => pool.name === 'egress');
  document.setIn(['elasticIpPools', index, 'attachTo', 'moveFrom'], document.createNode({ nodeGroup: 'prod-ng' }));
  return parseSpecOrThrow(document.toString(), file);
}

/** An account where financial-move ran with its egress pool on the nodes: two allow-listed addresses on two of three prod-ng nodes. */
async function onTheNodes(ec2: FakeEc2): Promise<{ deps: ReturnType<typeof depsFor>; allowListed: string[]; nodes: string[]; published: string[] }> {
  const allowListed = [ec2.seedAddress({ tags: ALLOW_LISTED }), ec2.seedAddress({ tags: ALLOW_LISTED })].sort();
  const nodes = [ec2.launchNode('financial-move', 'prod-ng'), ec2.launchNode('financial-move', 'prod-ng'), ec2.launchNode('financial-move', 'prod-ng')];
  const deps = depsFor(ec2);
  await apply(await financialMove('nodes'), ec2, deps, { pools: ['egress'] });
  return { deps, allowListed, nodes, published: deps.store.publicIps(EGRESS) };
}

describe("financial-move's egress pool on the NAT gateway", () => {
  it('plans the example from an empty account: two addresses allocated and associated with the NAT gateway, none on a node', () => {
    // Prepare
    const spec = parseSpecOrThrow(readFileSync(path.join(FINANCIAL_MOVE_EXAMPLE, 'cluster.yaml'), 'utf8'), path.join(FINANCIAL_MOVE_EXAMPLE, 'cluster.yaml'));

    // Act
    const plan = planPools(spec, EMPTY_ACCOUNT, { now: NOW, pools: ['egress'] });

    // Assess
    expect(spec.elasticIpPools.find((pool) => pool.name === 'egress')?.attachTo).toEqual({ natGatewayId: NAT });
    expect(plan.actions.map((action) => action.kind)).toEqual([
      'AllocateAddress',
      'AllocateAddress',
      'AssociateNatGatewayAddress',
      'AssociateNatGatewayAddress',
    ]);
    expect(plan.pools[0]?.attachTo).toBe(`NAT gateway ${NAT}`);
  });

  it('moves the pool from the nodes to the NAT gateway with the same addresses, never allocating, releasing or unpublishing one', async () => {
    // Prepare: the gateway's quota raised to 3 (its primary and the two partners know)
    const ec2 = new FakeEc2({ region: 'sa-east-1', natGatewayAddressQuota: 3 });
    const primary = ec2.natGateway(ec2.addNatGateway({ natGatewayId: NAT }))?.NatGatewayAddresses?.[0]?.AllocationId;
    const { deps, allowListed, nodes, published } = await onTheNodes(ec2);
    const onNodesBefore = nodes.flatMap((node) => ec2.addressOf(node)?.AllocationId ?? []).sort();

    // Act
    const moved = await apply(movingExample(), ec2, deps, { pools: ['egress'] });
    const settled = await apply(movingExample(), ec2, deps, { pools: ['egress'] });

    // Assess
    expect(onNodesBefore).toEqual(allowListed);
    expect(moved.writes.map((call) => [call.name, call.outcome])).toEqual([
      ['DisassociateAddress', 'ok'],
      ['DisassociateAddress', 'ok'],
      ['AssociateNatGatewayAddress', 'ok'],
      ['AssociateNatGatewayAddress', 'ok'],
    ]);
    expect(moved.writes.slice(2).map((call) => call.input)).toEqual(allowListed.map((id) => ({ NatGatewayId: NAT, AllocationIds: [id] })));
    expect(ec2.natGateway(NAT)?.NatGatewayAddresses?.map((address) => [address.AllocationId, address.IsPrimary, address.Status])).toEqual([
      [primary, true, 'succeeded'],
      ...allowListed.map((id) => [id, false, 'succeeded']),
    ]);
    expect(nodes.map((node) => ec2.addressOf(node))).toEqual([undefined, undefined, undefined]);
    expect(deps.store.publicIps(EGRESS)).toEqual(published);
    expect(published).toHaveLength(2);
    expect(ec2.writes().filter((call) => call.name === 'AllocateAddress' || call.name === 'ReleaseAddress')).toEqual([]);
    expect(settled.writes).toEqual([]);
    expect(settled.report.pools[0]).toMatchObject({ pool: 'egress', status: 'Converged', held: 2, attached: 2, missing: 0 });
  });

  it("never loses an allow-listed address when the gateway's address quota is full: the one EC2 fails to associate stays in the pool, published, and the plan says why", async () => {
    // Prepare: the default quota, 2 addresses per gateway, the primary one of them
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.addNatGateway({ natGatewayId: NAT });
    const { deps, allowListed, published } = await onTheNodes(ec2);

    // Act
    await apply(movingExample(), ec2, deps, { pools: ['egress'] });
    const next = await apply(movingExample(), ec2, deps, { pools: ['egress'] });

    // Assess
    const [first, second] = allowListed;
    const entries = ec2.natGateway(NAT)?.NatGatewayAddresses ?? [];
    expect(entries.find((entry) => entry.AllocationId === first)?.Status).toBe('succeeded');
    expect(ec2.allAddresses().map((address) => address.AllocationId)).toEqual(expect.arrayContaining(allowListed));
    expect(ec2.allAddresses().find((address) => address.AllocationId === second)?.AssociationId).toBeUndefined();
    expect(next.report.plan?.actions).toContainEqual(
      expect.objectContaining({
        kind: 'Note',
        reason: expect.stringContaining(
          'Elastic IP addresses per public NAT gateway quota (2) exceeded; it stays in pool egress, associated nowhere',
        ) as unknown,
      }),
    );
    expect(next.report.pools[0]).toMatchObject({ status: 'Blocked', held: 2, summary: expect.stringContaining('quota (2) exceeded') as unknown });
    expect(deps.store.publicIps(EGRESS)).toEqual(published);
    expect(ec2.writes().filter((call) => call.name === 'AllocateAddress' || call.name === 'ReleaseAddress')).toEqual([]);
  });

  it('leaves the addresses on the nodes while the NAT gateway is pending, and moves them once it is available', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1', natGatewayAddressQuota: 3 });
    ec2.addNatGateway({ natGatewayId: NAT, state: 'pending' });
    const { deps, nodes, allowListed } = await onTheNodes(ec2);

    // Act
    const pending = await apply(movingExample(), ec2, deps, { pools: ['egress'] });
    const onNodes = nodes.flatMap((node) => ec2.addressOf(node)?.AllocationId ?? []).sort();
    ec2.setNatGatewayState(NAT, 'available');
    const available = await apply(movingExample(), ec2, deps, { pools: ['egress'] });

    // Assess
    expect(pending.writes).toEqual([]);
    expect(pending.report.plan?.actions).toContainEqual(expect.objectContaining({ kind: 'Note', reason: expect.stringContaining('is pending') as unknown }));
    expect(onNodes).toEqual(allowListed);
    expect(available.writes.map((call) => call.name)).toEqual([
      'DisassociateAddress',
      'DisassociateAddress',
      'AssociateNatGatewayAddress',
      'AssociateNatGatewayAddress',
    ]);
  });

  it('moves nothing off the nodes when the NAT gateway does not exist, refusing the pool', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1', natGatewayAddressQuota: 3 });
    const { deps, nodes, allowListed } = await onTheNodes(ec2);

    // Act
    const run = await apply(movingExample(), ec2, deps, { pools: ['egress'] });

    // Assess
    expect(run.writes).toEqual([]);
    expect(nodes.flatMap((node) => ec2.addressOf(node)?.AllocationId ?? []).sort()).toEqual(allowListed);
    expect(run.report.pools[0]).toMatchObject({
      status: 'Blocked',
      summary: expect.stringContaining(`NAT gateway ${NAT} does not exist in sa-east-1`) as unknown,
    });
    expect(run.report.plan?.pools[0]?.held.map((address) => address.state)).toEqual(['elsewhere', 'elsewhere']);
  });

  it('leaves an address of the pool on a node alone without moveFrom, and says so', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1', natGatewayAddressQuota: 3 });
    ec2.addNatGateway({ natGatewayId: NAT });
    const { deps, nodes, allowListed } = await onTheNodes(ec2);
    const example = await financialMove('example');

    // Act
    const run = await apply(example, ec2, deps, { pools: ['egress'] });

    // Assess
    expect(run.writes).toEqual([]);
    expect(nodes.flatMap((node) => ec2.addressOf(node)?.AllocationId ?? []).sort()).toEqual(allowListed);
    expect(run.report.plan?.actions.filter((action) => action.kind === 'Note').map((action) => action.reason)).toEqual([
      expect.stringContaining(`not NAT gateway ${NAT}: left alone`),
      expect.stringContaining(`not NAT gateway ${NAT}: left alone`),
    ]);
  });
});

describe('the EC2 fake answers AssociateNatGatewayAddress as EC2 does', () => {
  it('answers associating, then reads succeeded with the address on the gateway', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.addNatGateway({ natGatewayId: NAT });
    const allocationId = ec2.seedAddress();

    // Act
    const answer = await ec2.execute({ kind: 'AssociateNatGatewayAddress', request: { NatGatewayId: NAT, AllocationIds: [allocationId] } });
    const before = ec2.natGateway(NAT)?.NatGatewayAddresses?.[1];
    const [read] = await ec2.describeNatGateways([NAT]);

    // Assess
    expect(before).toMatchObject({ AllocationId: allocationId, IsPrimary: false, Status: 'associating', AssociationId: answer.associationId });
    expect(read?.NatGatewayAddresses?.[1]).toMatchObject({ AllocationId: allocationId, Status: 'succeeded' });
    expect(ec2.allAddresses().find((address) => address.AllocationId === allocationId)).toMatchObject({
      AssociationId: answer.associationId,
      NetworkInterfaceId: read?.NatGatewayAddresses?.[0]?.NetworkInterfaceId,
    });
  });

  it.each([
    ['a gateway that does not exist', 'nat-00000000000000000', 'none', RequestRejectedError, 'NatGatewayNotFound'],
    ['a gateway that is pending', NAT, 'pending', RequestRejectedError, 'IncorrectState'],
    ['an address that is associated already', NAT, 'associated', AssociationConflictError, 'Resource.AlreadyAssociated'],
    ['an address that does not exist', NAT, 'unknown address', AssociationConflictError, 'InvalidAllocationID.NotFound'],
  ] as const)('refuses %s', async (_name, natGatewayId, setUp, Type, code) => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    ec2.addNatGateway({ natGatewayId: NAT, state: setUp === 'pending' ? 'pending' : 'available' });
    const node = ec2.launchNode('financial-move', 'prod-ng');
    const allocationId = setUp === 'unknown address' ? 'eipalloc-0ffffffffffffffff' : ec2.seedAddress(setUp === 'associated' ? { instanceId: node } : {});

    // Act
    const result = ec2.execute({ kind: 'AssociateNatGatewayAddress', request: { NatGatewayId: natGatewayId, AllocationIds: [allocationId] } });

    // Assess
    await expect(result).rejects.toBeInstanceOf(Type);
    await expect(result).rejects.toMatchObject({ context: { code } });
  });
});
