import type { ProvisionAction } from '../../../../functions/provision/actions';
import type { Plan } from '../../../../shared/model/plan/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { Case, Observed } from './support';
import { BASE, drifted, nodegroupIn, nodegroupsAt, plan, steps } from './support';

describe('planCluster classifies each difference from the spec', () => {
  const updated: Case[] = [
    {
      name: 'the Kubernetes version of the control plane',
      observe: (o) => {
        o.cluster.version = '1.30';
        nodegroupsAt(o, '1.30');
      },
      expected: [{ kind: 'UpdateClusterVersion', target: 'cluster/orders', classification: 'update', request: { name: 'orders', version: '1.31' } }],
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

describe('planCluster upgrades Kubernetes one minor version at a time', () => {
  it('plans only the next control-plane step when the spec is two minor versions ahead', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.version = '1.29';
      nodegroupsAt(o, '1.29');
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      { kind: 'UpdateClusterVersion', target: 'cluster/orders', classification: 'update', request: { name: 'orders', version: '1.30' } },
    ]);
    expect(result.actions[0]?.reason).toBe('Kubernetes 1.29 -> 1.31 goes one minor version per step (2 steps)');
  });

  it('brings a node group up to the control plane before the next control-plane step, which waits for it', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.version = '1.30';
      nodegroupsAt(o, '1.30');
      nodegroupIn(o, 'web-ng').version = '1.29';
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      // Nothing else is pending on the cluster: the group's step waits for nothing (the version step waits for it).
      {
        kind: 'UpdateNodegroupVersion',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.30' },
      },
      {
        kind: 'UpdateClusterVersion',
        target: 'cluster/orders',
        classification: 'update',
        request: { name: 'orders', version: '1.31' },
        after: ['nodegroup/web-ng'],
      },
    ]);
  });

  it('makes a lagging node group wait for a control-plane config update planned before it', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.version = '1.30';
      nodegroupsAt(o, '1.30');
      nodegroupIn(o, 'web-ng').version = '1.29';
      o.cluster.logging = { clusterLogging: [{ types: ['api', 'audit'], enabled: true }] };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions.map((action) => [action.kind, action.target.name, action.after])).toEqual([
      ['UpdateClusterConfig', 'orders', undefined],
      ['UpdateNodegroupVersion', 'web-ng', ['cluster/orders']],
      ['UpdateClusterVersion', 'orders', ['nodegroup/web-ng']],
    ]);
  });

  it('brings a node group two minor versions behind straight to the control-plane version, the one UpdateNodegroupVersion accepts', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      nodegroupIn(o, 'web-ng').version = '1.29';
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateNodegroupVersion',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.31' },
      },
    ]);
  });

  it('sends the pinned AMI release with the version step that reaches the spec version, as EKS cannot roll an AMI back', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      const jobs = nodegroupIn(o, 'jobs-ng');
      jobs.version = '1.30';
      jobs.releaseVersion = '1.30.8-20250103';
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateNodegroupVersion',
        target: 'nodegroup/jobs-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'jobs-ng', version: '1.31', releaseVersion: '1.31.3-20250103' },
      },
    ]);
  });

  it("keeps a node group's version update apart from its configuration update", () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      const web = nodegroupIn(o, 'web-ng');
      web.version = '1.30';
      web.labels = { role: 'web' };
      web.scalingConfig = { minSize: 2, maxSize: 8, desiredSize: 3 };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      {
        kind: 'UpdateNodegroupConfig',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: {
          clusterName: 'orders',
          nodegroupName: 'web-ng',
          scalingConfig: { minSize: 2, maxSize: 10 },
          labels: { addOrUpdateLabels: { tier: 'frontend' } },
        },
      },
      {
        kind: 'UpdateNodegroupVersion',
        target: 'nodegroup/web-ng',
        classification: 'update',
        request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.31' },
      },
    ]);
  });

  /** Version updates whose request asks for the version the target already runs. */
  function sameVersionUpdates(result: Plan<ProvisionAction>, observed: Observed): string[] {
    return result.actions.flatMap((action) => {
      if (action.kind === 'UpdateClusterVersion') {
        return action.request.version === observed.cluster.version ? [`${action.target.name} ${action.request.version}`] : [];
      }
      if (action.kind === 'UpdateNodegroupVersion') {
        const group = nodegroupIn(observed, action.target.name);
        const { version, releaseVersion } = action.request;
        const same = version === undefined ? releaseVersion === group.releaseVersion : version === group.version;
        return same ? [`${action.target.name} ${version ?? releaseVersion ?? ''}`] : [];
      }
      return [];
    });
  }

  it.each<{ name: string; observe: (observed: Observed) => void }>([
    { name: 'everything is at the spec version', observe: () => undefined },
    {
      name: 'the control plane and node groups are one behind',
      observe: (o) => {
        o.cluster.version = '1.30';
        nodegroupsAt(o, '1.30');
      },
    },
    {
      name: 'the control plane is one behind and a node group two behind',
      observe: (o) => {
        o.cluster.version = '1.30';
        nodegroupsAt(o, '1.30');
        nodegroupIn(o, 'web-ng').version = '1.29';
      },
    },
    {
      name: 'a node group the spec pins no AMI for runs another release',
      observe: (o) => {
        nodegroupIn(o, 'web-ng').releaseVersion = '1.31.0-20241024';
      },
    },
    {
      name: 'the control plane is at the spec version and a pinned group one behind',
      observe: (o) => {
        nodegroupIn(o, 'jobs-ng').version = '1.30';
      },
    },
  ])('never plans an update to the version something already runs when $name', ({ observe }) => {
    // Prepare
    const observed = drifted(BASE, observe);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(sameVersionUpdates(result, observed)).toEqual([]);
  });
});
