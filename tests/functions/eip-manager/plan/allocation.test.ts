import { EMPTY_ACCOUNT } from '../../../../functions/eip-manager/observed';
import { planPools } from '../../../../functions/eip-manager/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import { financialMove, NOW, specWith } from '../../../../testing/eip-manager';
import { EGRESS, label } from './support';

describe('planPools against an empty account', () => {
  it('allocates what each financial-move pool lacks, tagged with the cluster and the pool, and attaches nothing yet', async () => {
    // Prepare
    const spec = await financialMove();

    // Act
    const plan = planPools(spec, EMPTY_ACCOUNT, { now: NOW });

    // Assess
    expect(plan.actions.map(label)).toEqual([
      'AllocateAddress eip-pool/egress',
      'AllocateAddress eip-pool/egress',
      'AllocateAddress eip-pool/ingress',
      'AllocateAddress eip-pool/ingress',
    ]);
    expect(plan.actions[0]).toMatchObject({
      classification: 'create',
      slot: 'egress#1',
      request: {
        Domain: 'vpc',
        TagSpecifications: [
          {
            ResourceType: 'elastic-ip',
            Tags: [
              { Key: 'eks-pilot/cluster', Value: 'financial-move' },
              { Key: 'eks-pilot/pool', Value: 'egress' },
            ],
          },
        ],
      },
    });
    expect(plan.pools.map((pool) => [pool.name, pool.attachTo, pool.parameter, pool.toAllocate])).toEqual([
      ['egress', 'node group prod-ng', '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress', 2],
      ['ingress', 'reserved for a load balancer', '/eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress', 2],
    ]);
    expect(planStatus(plan)).toBe('changes');
  });

  it("adds the pool's own tags to what it allocates, the eks-pilot tags winning", () => {
    // Prepare
    const spec = specWith(`${EGRESS}    tags: { team: payments, eks-pilot/pool: spoofed }\n`);

    // Act
    const [allocate] = planPools(spec, EMPTY_ACCOUNT, { now: NOW }).actions;

    // Assess
    expect(allocate?.request).toEqual({
      Domain: 'vpc',
      TagSpecifications: [
        {
          ResourceType: 'elastic-ip',
          Tags: [
            { Key: 'team', Value: 'payments' },
            { Key: 'eks-pilot/pool', Value: 'egress' },
            { Key: 'eks-pilot/cluster', Value: 'payments' },
          ],
        },
      ],
    });
  });
});
