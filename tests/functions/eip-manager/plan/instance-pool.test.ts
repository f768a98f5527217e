import { planPools } from '../../../../functions/eip-manager/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, allocationId, EGRESS, label, node, observed, touched, writes } from './support';

describe('planPools for a node group pool', () => {
  it('associates free addresses with running nodes that hold none, oldest node first, never allowing reassociation', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const [newer, older] = [node(9), node(2)];
    const state = observed([address(1, { pool: 'egress' }), address(2, { pool: 'egress' })], [newer, older]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map(label)).toEqual([`AssociateAddress instance/${older.InstanceId ?? ''}`, `AssociateAddress instance/${newer.InstanceId ?? ''}`]);
    expect(plan.actions[0]?.request).toEqual({
      AllocationId: allocationId(1),
      NetworkInterfaceId: older.NetworkInterfaces?.[0]?.NetworkInterfaceId,
      PrivateIpAddress: '10.0.0.2',
      AllowReassociation: false,
    });
    expect(plan.actions.every((action) => action.kind !== 'AssociateAddress' || action.request.AllowReassociation === false)).toBe(true);
  });

  it('allocates what the pool lacks and associates the new address by its slot', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const state = observed([address(1, { pool: 'egress' })], [node(1), node(2)]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map((action) => [action.kind, 'address' in action ? action.address : undefined])).toEqual([
      ['AllocateAddress', undefined],
      ['AssociateAddress', { allocationId: allocationId(1), publicIp: '198.51.100.1' }],
      ['AssociateAddress', { slot: 'egress#1' }],
    ]);
    expect(plan.actions[2]?.request).not.toHaveProperty('AllocationId');
  });

  it('does not associate an address the instance already holds: a converged pool plans nothing', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const [first, second] = [node(1), node(2)];
    const state = observed([address(1, { pool: 'egress', on: first }), address(2, { pool: 'egress', on: second })], [first, second]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions).toEqual([]);
    expect(planStatus(plan)).toBe('no-changes');
    expect(plan.pools[0]).toMatchObject({ targets: 2, unserved: 0, toAllocate: 0 });
    expect(plan.pools[0]?.held.map((held) => held.state)).toEqual(['attached', 'attached']);
  });

  it('takes the address back from a node that is shutting down and gives it to the node replacing it', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const [kept, leaving, replacement] = [node(1), node(2, 'shutting-down'), node(3)];
    const state = observed([address(1, { pool: 'egress', on: kept }), address(2, { pool: 'egress', on: leaving })], [kept, leaving, replacement]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.actions.map(label)).toEqual([
      `DisassociateAddress instance/${leaving.InstanceId ?? ''}`,
      `AssociateAddress instance/${replacement.InstanceId ?? ''}`,
    ]);
    expect(plan.actions[0]?.request).toEqual({ AssociationId: 'eipassoc-2' });
    expect(plan.actions[1]).toMatchObject({ address: { allocationId: allocationId(2) } });
    expect(plan.pools[0]?.toAllocate).toBe(0);
  });

  it('leaves an address on a stopped node where it is, and says so', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const stopped = node(1, 'stopped');
    const state = observed([address(1, { pool: 'egress', on: stopped }), address(2, { pool: 'egress' })], [stopped]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(writes(plan.actions)).toEqual([]);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'Note', reason: 'holds 198.51.100.1 while stopped: kept there' })]);
  });

  it.each([
    ['keeps the address on an interrupted node when no node waits', [] as number[], [] as string[]],
    ["gives the interrupted node's address to a node that would otherwise wait", [3], ['DisassociateAddress', 'AssociateAddress']],
  ])('%s', (_case, others, kinds) => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
`);
    const interrupted = node(2);
    const nodes = [interrupted, ...others.map((n) => node(n))];
    const state = observed([address(1, { pool: 'egress', on: interrupted })], nodes);

    // Act
    const plan = planPools(spec, state, { now: NOW, leaving: [interrupted.InstanceId ?? ''] });

    // Assess
    expect(writes(plan.actions).map((action) => action.kind)).toEqual(kinds);
    expect(plan.actions.some((action) => action.kind === 'AssociateAddress' && action.instanceId === interrupted.InstanceId)).toBe(false);
  });

  it('leaves alone a node whose primary IP holds an address from outside the pool', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const bastion = node(1);
    const state = observed([address(7, { tags: { owner: 'ops' }, on: bastion }), address(1, { pool: 'egress' }), address(2, { pool: 'egress' })], [bastion]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(writes(plan.actions)).toEqual([]);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'Note', reason: 'holds 198.51.100.7, an address outside pool egress: left alone' })]);
  });

  it("does not count an address on a node's secondary private IP as the node's, and leaves it there", () => {
    // Prepare
    const spec = specWith(EGRESS);
    const target = node(1);
    const secondary = { ...address(1, { pool: 'egress', on: target }), PrivateIpAddress: '10.0.0.201' };
    const state = observed([secondary, address(2, { pool: 'egress' })], [target]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(plan.pools[0]?.held.map((held) => held.state)).toEqual(['elsewhere', 'free']);
    expect(writes(plan.actions).map((action) => [action.kind, 'address' in action ? action.address : undefined])).toEqual([
      ['AssociateAddress', { allocationId: allocationId(2), publicIp: '198.51.100.2' }],
    ]);
  });

  it('notes the running nodes a pool is too small for', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const nodes = [node(1), node(2), node(3)];
    const state = observed([address(1, { pool: 'egress', on: nodes[0] }), address(2, { pool: 'egress', on: nodes[1] })], nodes);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(writes(plan.actions)).toEqual([]);
    expect(plan.pools[0]).toMatchObject({ targets: 3, unserved: 1 });
    expect(plan.actions.map((action) => action.reason)).toEqual(['1 running instance(s) of node group prod-ng hold no address: the pool holds 2']);
  });

  it('leaves an address of the pool that sits on something else where it is, and never allocates to replace it', () => {
    // Prepare
    const spec = specWith(EGRESS);
    const state = observed([address(1, { pool: 'egress', onInterface: 'eni-0ffffffffffffffff' }), address(2, { pool: 'egress' })], [node(1), node(2)]);

    // Act
    const plan = planPools(spec, state, { now: NOW });

    // Assess
    expect(touched(plan.actions)).toEqual([allocationId(2)]);
    expect(plan.actions.filter((action) => action.kind === 'AllocateAddress')).toEqual([]);
    expect(plan.pools[0]?.held.find((held) => held.allocationId === allocationId(1))?.state).toBe('elsewhere');
    expect(plan.pools[0]?.unserved).toBe(1);
  });

  it('names the interface an address sits on when EC2 answers an empty instance id', () => {
    // Prepare
    const elsewhere = { ...address(1, { pool: 'egress', onInterface: 'eni-0ffffffffffffffff' }), InstanceId: '' };
    const state = observed([elsewhere, address(2, { pool: 'egress' })], [node(1)]);

    // Act
    const plan = planPools(specWith(EGRESS), state, { now: NOW });

    // Assess
    expect(plan.pools[0]?.held.find((held) => held.allocationId === allocationId(1))).toMatchObject({
      state: 'elsewhere',
      attachedTo: 'eni-0ffffffffffffffff',
    });
    expect(plan.actions.map((action) => action.reason)).toContain(
      '198.51.100.1 is associated with eni-0ffffffffffffffff, not a target of pool egress: left alone',
    );
  });
});
