import type { Update } from '@aws-sdk/client-eks';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { Observed } from './support';
import { addonIn, BASE, drifted, must, nodegroupIn, plan, step } from './support';

describe('planCluster classifies each difference from the spec', () => {
  const versionUpdate: Update = {
    id: '6f0b7c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e',
    status: 'InProgress',
    type: 'VersionUpdate',
    params: [{ type: 'Version', value: '1.31' }],
    createdAt: new Date('2026-11-22T11:40:00Z'),
    errors: [],
  };
  const finishedUpdate: Update = { id: '1a2b3c4d-0000-4000-8000-000000000000', status: 'Successful', type: 'LoggingUpdate', errors: [] };

  it.each<{ name: string; observe: (observed: Observed) => void; target: string; reason: string }>([
    {
      name: 'the cluster is CREATING',
      observe: (o) => {
        o.cluster.status = 'CREATING';
      },
      target: 'cluster/orders',
      reason: 'cluster is CREATING',
    },
    {
      name: 'the cluster is UPDATING, naming the update in progress',
      observe: (o) => {
        o.cluster.status = 'UPDATING';
        o.updatesInProgress = [finishedUpdate, versionUpdate];
      },
      target: 'cluster/orders',
      reason: `cluster is UPDATING: VersionUpdate ${must(versionUpdate.id, 'update id')}`,
    },
    {
      name: 'a node group is UPDATING, even one that differs from the spec',
      observe: (o) => {
        const web = nodegroupIn(o, 'web-ng');
        web.status = 'UPDATING';
        web.labels = {};
        web.scalingConfig = { minSize: 1, maxSize: 4, desiredSize: 2 };
      },
      target: 'nodegroup/web-ng',
      reason: 'node group is UPDATING',
    },
    {
      name: 'an add-on is UPDATING, even one that differs from the spec',
      observe: (o) => {
        const coredns = addonIn(o, 'coredns');
        coredns.status = 'UPDATING';
        coredns.addonVersion = 'v1.11.1-eksbuild.9';
      },
      target: 'addon/coredns',
      reason: 'add-on is UPDATING',
    },
  ])('waits while $name', ({ observe, target, reason }) => {
    // Prepare
    const observed = drifted(BASE, observe);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions.map((action) => ({ ...step(action), reason: action.reason }))).toEqual([{ kind: 'Wait', target, classification: 'no-op', reason }]);
    expect(planStatus(result)).toBe('no-changes');
  });
});
