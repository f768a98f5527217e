import { planPools } from '../../../../functions/eip-manager/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, deepFreeze, EGRESS, label, node, observed } from './support';

describe('planPools as a pure function', () => {
  it('never changes what it observed, and plans the same twice', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
    release: { policy: afterUnused, unusedFor: 1h }
`);
    const leaving = node(2, 'shutting-down');
    const state = deepFreeze(observed([address(1, { pool: 'egress', on: leaving }), address(3, { pool: 'egress' })], [node(1), leaving, node(3)]));

    // Act
    const first = planPools(spec, state, { now: NOW });
    const second = planPools(spec, state, { now: NOW });

    // Assess
    expect(second).toEqual(first);
  });

  it('plans only the pools asked for, and shows no orphan notes then', () => {
    // Prepare
    const spec = specWith(`${EGRESS}
  - name: ingress
    count: 1
    attachTo: { reservedFor: load-balancer }
`);

    // Act
    const plan = planPools(spec, observed([address(52, { pool: 'retired' })]), { now: NOW, pools: ['ingress'] });

    // Assess
    expect(plan.actions.map(label)).toEqual(['AllocateAddress eip-pool/ingress']);
    expect(plan.pools.map((pool) => pool.name)).toEqual(['ingress']);
  });
});
