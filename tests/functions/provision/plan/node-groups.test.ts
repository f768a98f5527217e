import type { Nodegroup } from '@aws-sdk/client-eks';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../../shared/model/cluster-spec/schema';
import type { Case, Step } from './support';
import { ACCOUNT, BASE, drifted, kinds, nodegroupIn, plan, steps, withNodegroup, without, withSpec } from './support';

describe('planCluster classifies each difference from the spec', () => {
  const created: Case[] = [
    {
      name: 'a node group the cluster lacks, at the control-plane version with its pinned AMI',
      observe: (o) => {
        o.nodeGroups = without(o.nodeGroups, 'jobs-ng');
      },
      expected: [
        {
          kind: 'CreateNodegroup',
          target: 'nodegroup/jobs-ng',
          classification: 'create',
          request: {
            clusterName: 'orders',
            nodegroupName: 'jobs-ng',
            nodeRole: `arn:aws:iam::${ACCOUNT}:role/orders-eks-node`,
            subnets: ['subnet-0a00000000000000a'],
            scalingConfig: { minSize: 0, maxSize: 5, desiredSize: 0 },
            instanceTypes: ['t3.large', 't3a.large'],
            capacityType: 'SPOT',
            amiType: 'AL2023_x86_64_STANDARD',
            diskSize: 20,
            labels: {},
            taints: [],
            updateConfig: { maxUnavailablePercentage: 50 },
            version: '1.31',
            releaseVersion: '1.31.3-20250103',
            tags: {},
          },
        },
      ],
    },
  ];

  it.each(created)('creates $name', ({ spec = BASE, observe, expected }) => {
    // Prepare
    const observed = drifted(spec, observe);

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual(expected);
    expect(planStatus(result)).toBe('changes');
  });

  const updateWeb = (request: Record<string, unknown>): Step => ({
    kind: 'UpdateNodegroupConfig',
    target: 'nodegroup/web-ng',
    classification: 'update',
    request: { clusterName: 'orders', nodegroupName: 'web-ng', ...request },
  });
  const updated: Case[] = [
    {
      name: 'node group scaling bounds, without touching desiredSize',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').scalingConfig = { minSize: 2, maxSize: 8, desiredSize: 3 };
      },
      expected: [updateWeb({ scalingConfig: { minSize: 2, maxSize: 10 } })],
    },
    {
      name: 'node group labels: adds, changes and removes',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').labels = { role: 'api', stale: 'yes' };
      },
      expected: [updateWeb({ labels: { addOrUpdateLabels: { role: 'web', tier: 'frontend' }, removeLabels: ['stale'] } })],
    },
    {
      name: 'node group taints: adds, changes and removes',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').taints = [
          { key: 'dedicated', value: 'api', effect: 'NO_SCHEDULE' },
          { key: 'gpu', value: 'true', effect: 'NO_EXECUTE' },
        ];
      },
      expected: [
        updateWeb({
          taints: {
            addOrUpdateTaints: [
              { key: 'dedicated', value: 'web', effect: 'NO_SCHEDULE' },
              { key: 'spot', effect: 'PREFER_NO_SCHEDULE' },
            ],
            removeTaints: [{ key: 'gpu', value: 'true', effect: 'NO_EXECUTE' }],
          },
        }),
      ],
    },
    {
      name: 'node group update config (maxUnavailable)',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').updateConfig = { maxUnavailable: 3, updateStrategy: 'DEFAULT' };
      },
      expected: [updateWeb({ updateConfig: { maxUnavailable: 1 } })],
    },
    {
      name: 'node group update config (maxUnavailablePercentage instead of maxUnavailable)',
      observe: (o) => {
        nodegroupIn(o, 'jobs-ng').updateConfig = { maxUnavailable: 1, updateStrategy: 'DEFAULT' };
      },
      expected: [
        {
          kind: 'UpdateNodegroupConfig',
          target: 'nodegroup/jobs-ng',
          classification: 'update',
          request: { clusterName: 'orders', nodegroupName: 'jobs-ng', updateConfig: { maxUnavailablePercentage: 50 } },
        },
      ],
    },
    {
      name: 'the Kubernetes version of a node group behind the control plane',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').version = '1.30';
      },
      expected: [
        {
          kind: 'UpdateNodegroupVersion',
          target: 'nodegroup/web-ng',
          classification: 'update',
          request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.31' },
        },
      ],
    },
    {
      name: 'the AMI release version of a node group',
      observe: (o) => {
        nodegroupIn(o, 'jobs-ng').releaseVersion = '1.31.2-20241201';
      },
      expected: [
        {
          kind: 'UpdateNodegroupVersion',
          target: 'nodegroup/jobs-ng',
          classification: 'update',
          request: { clusterName: 'orders', nodegroupName: 'jobs-ng', releaseVersion: '1.31.3-20250103' },
        },
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

  it.each<{ name: string; group: string; field: string; change: Partial<Nodegroup> }>([
    { name: 'instance types', group: 'web-ng', field: 'instanceTypes', change: { instanceTypes: ['m5.large', 'm6a.large'] } },
    { name: 'capacity type', group: 'web-ng', field: 'capacityType', change: { capacityType: 'SPOT' } },
    { name: 'AMI type', group: 'web-ng', field: 'amiType', change: { amiType: 'AL2_x86_64' } },
    { name: 'disk size', group: 'web-ng', field: 'diskSize', change: { diskSize: 50 } },
    { name: 'subnets', group: 'jobs-ng', field: 'subnetIds', change: { subnets: ['subnet-0b00000000000000b'] } },
    { name: 'node role', group: 'web-ng', field: 'nodeRoleArn', change: { nodeRole: `arn:aws:iam::${ACCOUNT}:role/other-node` } },
  ])('replaces a node group whose $name changed, and sends nothing for it', ({ group, field, change }) => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      Object.assign(nodegroupIn(o, group), change);
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([{ kind: 'ReplaceNodegroup', target: `nodegroup/${group}`, classification: 'replace' }]);
    expect(result.actions[0]?.changes.map((change) => change.field)).toEqual([field]);
    expect(planStatus(result)).toBe('changes');
  });

  it('plans only the replacement for a group that must be replaced, not its in-place updates', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      const web = nodegroupIn(o, 'web-ng');
      web.instanceTypes = ['m5.large'];
      web.labels = { role: 'api' };
      web.version = '1.30';
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(kinds(result)).toEqual(['ReplaceNodegroup nodegroup/web-ng']);
  });

  it('deletes a node group the spec does not list when pruneNodeGroups is on', () => {
    // Prepare
    const spec = withSpec({ pruneNodeGroups: true });
    const observed = drifted(spec, (o) => {
      o.unlistedNodeGroups = ['legacy-ng'];
    });

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual([
      { kind: 'DeleteNodegroup', target: 'nodegroup/legacy-ng', classification: 'delete', request: { clusterName: 'orders', nodegroupName: 'legacy-ng' } },
    ]);
  });

  it('never deletes a node group the spec does not list while pruneNodeGroups is off', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.unlistedNodeGroups = ['legacy-ng'];
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
    expect(planStatus(result)).toBe('no-changes');
  });
});

describe('planCluster leaves desiredSize to the autoscaler', () => {
  it.each<{ name: string; spec: ClusterSpec; observed: { minSize: number; maxSize: number; desiredSize: number }; scalingConfig?: Record<string, number> }>([
    {
      name: 'leaves desiredSize alone anywhere inside [min, max]',
      spec: BASE,
      observed: { minSize: 2, maxSize: 10, desiredSize: 7 },
    },
    {
      name: 'sends only the bounds when a bound moves and desiredSize stays inside',
      spec: BASE,
      observed: { minSize: 2, maxSize: 8, desiredSize: 7 },
      scalingConfig: { minSize: 2, maxSize: 10 },
    },
    {
      name: 'raises desiredSize to a min that moved above it',
      spec: withNodegroup('web-ng', { scaling: { min: 4, max: 10, desired: 4 } }),
      observed: { minSize: 2, maxSize: 10, desiredSize: 3 },
      scalingConfig: { minSize: 4, maxSize: 10, desiredSize: 4 },
    },
    {
      name: 'lowers desiredSize to a max that moved below it',
      spec: withNodegroup('web-ng', { scaling: { min: 2, max: 6, desired: 3 } }),
      observed: { minSize: 2, maxSize: 10, desiredSize: 8 },
      scalingConfig: { minSize: 2, maxSize: 6, desiredSize: 6 },
    },
  ])('$name', ({ spec, observed: scaling, scalingConfig }) => {
    // Prepare
    const observed = drifted(spec, (o) => {
      nodegroupIn(o, 'web-ng').scalingConfig = scaling;
    });

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual(
      scalingConfig === undefined
        ? []
        : [
            {
              kind: 'UpdateNodegroupConfig',
              target: 'nodegroup/web-ng',
              classification: 'update',
              request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig },
            },
          ],
    );
  });
});
