import { planStatus } from '../../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../../shared/model/cluster-spec/schema';
import type { Observed } from './support';
import { ACCOUNT, BASE, drifted, KMS_KEY, nodegroupIn, nodegroupsAt, OTHER_KMS_KEY, plan, step, withSpec } from './support';

describe('planCluster classifies each difference from the spec', () => {
  it.each<{ name: string; spec?: ClusterSpec; observe: (observed: Observed) => void; target: string; fields: string[]; reason: string }>([
    {
      name: 'a different cluster role',
      observe: (o) => {
        o.cluster.roleArn = `arn:aws:iam::${ACCOUNT}:role/another-cluster-role`;
      },
      target: 'cluster/orders',
      fields: ['roleArn'],
      reason: 'the cluster role cannot change in place',
    },
    {
      name: 'a different KMS key',
      spec: withSpec({ encryptionKeyArn: KMS_KEY }),
      observe: (o) => {
        o.cluster.encryptionConfig = [{ provider: { keyArn: OTHER_KMS_KEY } }];
      },
      target: 'cluster/orders',
      fields: ['encryptionKeyArn'],
      reason: 'KMS key cannot change once set',
    },
    {
      name: 'removing the KMS key',
      observe: (o) => {
        o.cluster.encryptionConfig = [{ provider: { keyArn: KMS_KEY } }];
      },
      target: 'cluster/orders',
      fields: ['encryptionKeyArn'],
      reason: 'cannot be turned off once enabled',
    },
    {
      name: 'an authentication mode backwards, from API to API_AND_CONFIG_MAP',
      spec: withSpec({ authenticationMode: 'API_AND_CONFIG_MAP' }),
      observe: (o) => {
        o.cluster.accessConfig = { authenticationMode: 'API' };
      },
      target: 'cluster/orders',
      fields: ['authenticationMode'],
      reason: 'moves one way only',
    },
    {
      name: 'a Kubernetes downgrade',
      observe: (o) => {
        o.cluster.version = '1.32';
        nodegroupsAt(o, '1.32');
      },
      target: 'cluster/orders',
      fields: ['version'],
      reason: 'cannot downgrade',
    },
    {
      name: 'any change to a FAILED cluster',
      observe: (o) => {
        o.cluster.status = 'FAILED';
      },
      target: 'cluster/orders',
      fields: [],
      reason: 'cluster is FAILED',
    },
    {
      name: 'any change to a DELETING cluster',
      observe: (o) => {
        o.cluster.status = 'DELETING';
      },
      target: 'cluster/orders',
      fields: [],
      reason: 'cluster is DELETING',
    },
    {
      name: 'any change to a node group that failed to create, naming its health issue',
      observe: (o) => {
        const web = nodegroupIn(o, 'web-ng');
        web.status = 'CREATE_FAILED';
        web.health = { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'Could not launch On-Demand Instances' }] };
        web.labels = {};
      },
      target: 'nodegroup/web-ng',
      fields: [],
      reason: 'node group is CREATE_FAILED (AsgInstanceLaunchFailures: Could not launch On-Demand Instances)',
    },
  ])('refuses $name', ({ spec = BASE, observe, target, fields, reason }) => {
    // Prepare
    const observed = drifted(spec, observe);

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(result.actions.map((action) => ({ ...step(action), fields: action.changes.map((change) => change.field), reason: action.reason }))).toEqual([
      { kind: 'Refuse', target, classification: 'forbidden', fields, reason: expect.stringContaining(reason) as unknown },
    ]);
    expect(planStatus(result)).toBe('blocked');
  });
});
