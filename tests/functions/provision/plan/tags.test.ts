import { planStatus } from '../../../../shared/model/plan/plan';
import type { Case } from './support';
import { addonIn, BASE, CLUSTER_ARN, COREDNS_ARN, drifted, nodegroupIn, plan, steps, WEB_ARN } from './support';

describe('planCluster classifies each difference from the spec', () => {
  const updated: Case[] = [
    {
      name: 'a cluster tag the spec adds',
      observe: (o) => {
        o.cluster.tags = { project: 'orders' };
      },
      expected: [
        { kind: 'TagResource', target: 'cluster/orders', classification: 'update', request: { resourceArn: CLUSTER_ARN, tags: { environment: 'prod' } } },
      ],
    },
    {
      name: 'a cluster tag whose value changed',
      observe: (o) => {
        o.cluster.tags = { project: 'orders', environment: 'staging' };
      },
      expected: [
        { kind: 'TagResource', target: 'cluster/orders', classification: 'update', request: { resourceArn: CLUSTER_ARN, tags: { environment: 'prod' } } },
      ],
    },
    {
      name: 'a node group tag whose value changed',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').tags = { team: 'api' };
      },
      expected: [{ kind: 'TagResource', target: 'nodegroup/web-ng', classification: 'update', request: { resourceArn: WEB_ARN, tags: { team: 'web' } } }],
    },
    {
      name: 'an add-on tag the spec adds',
      observe: (o) => {
        addonIn(o, 'coredns').tags = {};
      },
      expected: [
        { kind: 'TagResource', target: 'addon/coredns', classification: 'update', request: { resourceArn: COREDNS_ARN, tags: { owner: 'platform' } } },
      ],
    },
  ];

  it.each(updated)('updates $name', ({ spec = BASE, observe, expected }) => {
    // Prepare
    const observed = drifted(spec, observe);

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual(expected);
    expect(planStatus(result)).toBe('changes');
  });
});
