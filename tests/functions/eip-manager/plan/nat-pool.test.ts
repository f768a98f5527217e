import type { NatGateway } from '@aws-sdk/client-ec2';
import { EMPTY_ACCOUNT } from '../../../../functions/eip-manager/observed';
import { planPools } from '../../../../functions/eip-manager/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, allocationId, observed } from './support';

describe('planPools for a NAT gateway pool', () => {
  const NAT = 'nat-0123456789abcdef0';
  const spec = specWith(`
  - name: nat-egress
    count: 2
    attachTo: { natGatewayId: ${NAT} }
`);

  function nat(state: NatGateway['State'], secondary: string[] = []): NatGateway {
    return {
      NatGatewayId: NAT,
      State: state,
      NatGatewayAddresses: [
        { AllocationId: allocationId(90), IsPrimary: true, Status: 'succeeded' },
        ...secondary.map((id) => ({ AllocationId: id, IsPrimary: false, Status: 'succeeded' as const })),
      ],
    };
  }

  it("associates a free address and a new one as the NAT gateway's secondary addresses", () => {
    // Act
    const plan = planPools(spec, observed([address(1, { pool: 'nat-egress' })], [], 'nat-egress', { [NAT]: nat('available') }), { now: NOW });

    // Assess
    expect(plan.actions.map((action) => [action.kind, action.request])).toEqual([
      ['AllocateAddress', expect.anything()],
      ['AssociateNatGatewayAddress', { NatGatewayId: NAT, AllocationIds: [allocationId(1)] }],
      ['AssociateNatGatewayAddress', { NatGatewayId: NAT, AllocationIds: [] }],
    ]);
    expect(plan.actions[2]).toMatchObject({ address: { slot: 'nat-egress#1' } });
  });

  it('counts the addresses already on the NAT gateway as attached and plans nothing more', () => {
    // Act
    const plan = planPools(
      spec,
      observed(
        [address(1, { pool: 'nat-egress', onInterface: 'eni-0abcabcabcabcabca' }), address(2, { pool: 'nat-egress', onInterface: 'eni-0abcabcabcabcabca' })],
        [],
        'nat-egress',
        {
          [NAT]: nat('available', [allocationId(1), allocationId(2)]),
        },
      ),
      { now: NOW },
    );

    // Assess
    expect(plan.actions).toEqual([]);
    expect(plan.pools[0]?.held.map((held) => held.state)).toEqual(['attached', 'attached']);
  });

  it.each([
    ['missing', undefined, `NAT gateway ${NAT} does not exist in sa-east-1: point pool nat-egress at an existing NAT gateway`],
    ['deleted', 'deleted' as const, `NAT gateway ${NAT} is deleted: point pool nat-egress at an available NAT gateway`],
    ['failed', 'failed' as const, `NAT gateway ${NAT} is failed: point pool nat-egress at an available NAT gateway`],
  ])('refuses a pool whose NAT gateway is %s, and plans nothing else for it', (_case, state, reason) => {
    // Act
    const plan = planPools(spec, observed([], [], 'nat-egress', state === undefined ? {} : { [NAT]: nat(state) }), { now: NOW });

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'Refuse', classification: 'forbidden', reason })]);
    expect(planStatus(plan)).toBe('blocked');
  });

  it('allocates for a pending NAT gateway and associates once it is available', () => {
    // Act
    const plan = planPools(spec, observed([], [], 'nat-egress', { [NAT]: nat('pending') }), { now: NOW });

    // Assess
    expect(plan.actions.map((action) => action.kind)).toEqual(['AllocateAddress', 'AllocateAddress', 'Note']);
  });

  it('assumes the NAT gateway exists when it was not read (the offline plan)', () => {
    // Act
    const plan = planPools(spec, EMPTY_ACCOUNT, { now: NOW });

    // Assess
    expect(plan.actions.map((action) => action.kind)).toEqual([
      'AllocateAddress',
      'AllocateAddress',
      'AssociateNatGatewayAddress',
      'AssociateNatGatewayAddress',
    ]);
    expect(plan.actions[2]?.reason).toContain('(not read: offline plan)');
  });
});
