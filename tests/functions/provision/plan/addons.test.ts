import { planStatus } from '../../../../shared/model/plan/plan';
import type { Case, Step } from './support';
import { ACCOUNT, addonIn, BASE, COREDNS_JSON, drifted, plan, steps, VPC_CNI_JSON, VPC_CNI_ROLE, without } from './support';

describe('planCluster classifies each difference from the spec', () => {
  const created: Case[] = [
    {
      name: 'an add-on that is not installed, with its configuration as JSON',
      observe: (o) => {
        o.addons = without(o.addons, 'coredns');
      },
      expected: [
        {
          kind: 'CreateAddon',
          target: 'addon/coredns',
          classification: 'create',
          request: {
            clusterName: 'orders',
            addonName: 'coredns',
            addonVersion: 'v1.11.3-eksbuild.2',
            configurationValues: COREDNS_JSON,
            resolveConflicts: 'OVERWRITE',
            tags: { owner: 'platform' },
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

  const updateCoredns: Step = {
    kind: 'UpdateAddon',
    target: 'addon/coredns',
    classification: 'update',
    request: {
      clusterName: 'orders',
      addonName: 'coredns',
      addonVersion: 'v1.11.3-eksbuild.2',
      configurationValues: COREDNS_JSON,
      resolveConflicts: 'OVERWRITE',
    },
  };
  const updateVpcCni: Step = {
    kind: 'UpdateAddon',
    target: 'addon/vpc-cni',
    classification: 'update',
    request: {
      clusterName: 'orders',
      addonName: 'vpc-cni',
      addonVersion: 'v1.19.0-eksbuild.1',
      configurationValues: VPC_CNI_JSON,
      serviceAccountRoleArn: VPC_CNI_ROLE,
      resolveConflicts: 'OVERWRITE',
    },
  };
  const updated: Case[] = [
    {
      name: 'an add-on version',
      observe: (o) => {
        addonIn(o, 'vpc-cni').addonVersion = 'v1.18.5-eksbuild.1';
      },
      expected: [updateVpcCni],
    },
    {
      name: 'add-on configuration EKS returns as JSON',
      observe: (o) => {
        addonIn(o, 'coredns').configurationValues = '{"replicaCount":2,"tolerations":[{"key":"CriticalAddonsOnly","operator":"Exists"}]}';
      },
      expected: [updateCoredns],
    },
    {
      name: 'add-on configuration EKS returns as YAML',
      observe: (o) => {
        addonIn(o, 'coredns').configurationValues = 'replicaCount: 2\ntolerations:\n  - key: CriticalAddonsOnly\n    operator: Exists\n';
      },
      expected: [updateCoredns],
    },
    {
      name: 'add-on configuration someone removed',
      observe: (o) => {
        delete addonIn(o, 'coredns').configurationValues;
      },
      expected: [updateCoredns],
    },
    {
      name: 'an add-on service-account role',
      observe: (o) => {
        addonIn(o, 'vpc-cni').serviceAccountRoleArn = `arn:aws:iam::${ACCOUNT}:role/someone-elses-role`;
      },
      expected: [updateVpcCni],
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
