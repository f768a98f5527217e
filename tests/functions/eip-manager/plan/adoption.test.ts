import { planPools } from '../../../../functions/eip-manager/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, allocationId, EGRESS, node, observed, touched, writes } from './support';

describe('planPools adopting existing addresses', () => {
  it('adopts the addresses partners know by tag and allocates nothing new', () => {
    // Prepare
    const spec = specWith(`${EGRESS}    adopt: { tags: { partner-allowlist: payments-egress } }\n`);
    const known = [address(20, { tags: { 'partner-allowlist': 'payments-egress' } }), address(21, { tags: { 'partner-allowlist': 'payments-egress' } })];

    // Act
    const plan = planPools(spec, observed(known, [node(1), node(2)]), { now: NOW });

    // Assess
    expect(plan.actions.filter((action) => action.kind === 'AllocateAddress')).toEqual([]);
    // First the adoption marks the IAM role associates by, then the associations.
    expect(touched(plan.actions)).toEqual([allocationId(20), allocationId(21), allocationId(20), allocationId(21)]);
    expect(
      writes(plan.actions)
        .slice(0, 2)
        .map((action) => action.request),
    ).toEqual([20, 21].map((n) => ({ Resources: [allocationId(n)], Tags: [{ Key: 'eks-pilot/adopted-by', Value: 'payments/egress' }] })));
    expect(plan.pools[0]?.held.map((held) => [held.publicIp, held.adopted])).toEqual([
      ['198.51.100.20', true],
      ['198.51.100.21', true],
    ]);
  });

  it('gives an address claimed by two pools to the one adopting it by allocation id, and notes it', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
    adopt: { tags: { team: payments } }
  - name: ingress
    count: 1
    attachTo: { reservedFor: load-balancer }
    adopt: { allocationIds: [${allocationId(30)}] }
`);

    // Act
    const plan = planPools(spec, observed([address(30, { tags: { team: 'payments' } })]), { now: NOW });

    // Assess
    expect(plan.pools.map((pool) => [pool.name, pool.held.map((held) => held.allocationId)])).toEqual([
      ['egress', []],
      ['ingress', [allocationId(30)]],
    ]);
    expect(plan.actions.find((action) => action.kind === 'Note')?.reason).toBe('198.51.100.30 also matches pool egress; it belongs to pool ingress');
  });
});
