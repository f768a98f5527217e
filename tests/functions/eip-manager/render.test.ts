import { EMPTY_ACCOUNT } from '../../../functions/eip-manager/observed';
import { planPools } from '../../../functions/eip-manager/plan';
import { renderPoolPlan } from '../../../functions/eip-manager/render';
import { NOW, specWith } from '../../../testing/eip-manager';

describe('renderPoolPlan', () => {
  it('prints the pool actions under their own heading, then each pool and where it is published', () => {
    // Prepare
    const spec = specWith(`
  - name: egress
    count: 1
    attachTo: { nodeGroup: prod-ng }
`);

    // Act
    const text = renderPoolPlan(planPools(spec, EMPTY_ACCOUNT, { now: NOW, source: 'specs/payments.yaml' }));

    // Assess
    expect(text).toBe(
      [
        'Elastic IP pools of payments (sa-east-1) from specs/payments.yaml',
        '  #     ACTION           TARGET           CLASS   REASON',
        '  1  +  AllocateAddress  eip-pool/egress  create  pool egress holds 0 of 1 addresses',
        '        address: new (egress#1)',
        '  Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 forbidden.',
        '  Pools:',
        '    egress (node group prod-ng): 0 of 1 held, 1 to allocate -> /eks-pilot/dev/sa-east-1/payments/eip-pools/egress',
        '',
      ].join('\n'),
    );
  });

  it('says the pools match the spec when there is nothing to do, and lists the addresses held', () => {
    // Prepare
    const spec = specWith(`
  - name: ingress
    count: 1
    attachTo: { reservedFor: load-balancer }
`);
    const observed = {
      addresses: [
        {
          AllocationId: 'eipalloc-00000000000000001',
          PublicIp: '198.51.100.1',
          Tags: [
            { Key: 'eks-pilot/cluster', Value: 'payments' },
            { Key: 'eks-pilot/pool', Value: 'ingress' },
          ],
        },
      ],
      instances: {},
      natGateways: {},
    };

    // Act
    const text = renderPoolPlan(planPools(spec, observed, { now: NOW }));

    // Assess
    expect(text).toBe(
      [
        'Elastic IP pools of payments (sa-east-1)',
        '  No changes. The pools match the spec.',
        '  Pools:',
        '    ingress (reserved for a load balancer): 1 of 1 held: 198.51.100.1 -> /eks-pilot/dev/sa-east-1/payments/eip-pools/ingress',
        '',
      ].join('\n'),
    );
  });
});
