import { planPools } from '../../../../functions/eip-manager/plan';
import { NOW, specWith } from '../../../../testing/eip-manager';
import { address, observed } from './support';

describe('planPools for a pool held for a load balancer', () => {
  it('allocates and never associates, counting an address the load balancer uses as in use', () => {
    // Prepare
    const spec = specWith(`
  - name: ingress
    count: 2
    attachTo: { reservedFor: load-balancer }
`);

    // Act
    const plan = planPools(spec, observed([address(1, { pool: 'ingress', onInterface: 'eni-0elb0elb0elb0elb0' })], [], 'ingress'), { now: NOW });

    // Assess
    expect(plan.actions.map((action) => action.kind)).toEqual(['AllocateAddress']);
    expect(plan.pools[0]?.held).toEqual([expect.objectContaining({ state: 'attached', attachedTo: 'eni-0elb0elb0elb0elb0' })]);
  });
});
