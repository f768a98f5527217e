import { accessPolicyArn } from '../../../../functions/provision/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { Case } from './support';
import { ADMINS, BASE, DEPLOYER, drifted, entryIn, plan, policyArn, steps, without } from './support';

describe('accessPolicyArn', () => {
  it.each([
    ['AmazonEKSViewPolicy', 'eu-west-1', 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'cn-north-1', 'arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'us-gov-west-1', 'arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'us-iso-east-1', 'arn:aws-iso:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'us-isob-east-1', 'arn:aws-iso-b:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'eusc-de-east-1', 'arn:aws-eusc:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy', 'cn-north-1', 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy'],
  ])('names %s in %s as %s', (policy, region, expected) => {
    expect(accessPolicyArn(policy, region)).toBe(expected);
  });
});

describe('planCluster classifies each difference from the spec', () => {
  const created: Case[] = [
    {
      name: 'an access entry that does not exist, and then its policy',
      observe: (o) => {
        o.accessEntries = without(o.accessEntries, ADMINS);
      },
      expected: [
        {
          kind: 'CreateAccessEntry',
          target: `access-entry/${ADMINS}`,
          classification: 'create',
          request: { clusterName: 'orders', principalArn: ADMINS, type: 'STANDARD', kubernetesGroups: [], tags: {} },
        },
        {
          kind: 'AssociateAccessPolicy',
          target: `access-policy/${ADMINS}/AmazonEKSClusterAdminPolicy`,
          classification: 'create',
          request: { clusterName: 'orders', principalArn: ADMINS, policyArn: policyArn('AmazonEKSClusterAdminPolicy'), accessScope: { type: 'cluster' } },
          after: [`access-entry/${ADMINS}`],
        },
      ],
    },
    {
      name: 'an access policy the entry lacks',
      observe: (o) => {
        const deployer = entryIn(o, DEPLOYER);
        deployer.policies = deployer.policies.filter((policy) => policy.policyArn === policyArn('AmazonEKSEditPolicy'));
      },
      expected: [
        {
          kind: 'AssociateAccessPolicy',
          target: `access-policy/${DEPLOYER}/AmazonEKSViewPolicy`,
          classification: 'create',
          request: { clusterName: 'orders', principalArn: DEPLOYER, policyArn: policyArn('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } },
          after: [`access-entry/${DEPLOYER}`],
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

  const updated: Case[] = [
    {
      name: 'the Kubernetes groups of an access entry',
      observe: (o) => {
        entryIn(o, DEPLOYER).entry.kubernetesGroups = ['deployers'];
      },
      expected: [
        {
          kind: 'UpdateAccessEntry',
          target: `access-entry/${DEPLOYER}`,
          classification: 'update',
          request: { clusterName: 'orders', principalArn: DEPLOYER, kubernetesGroups: ['deployers', 'readers'] },
        },
      ],
    },
    {
      name: 'the namespaces an access policy is scoped to',
      observe: (o) => {
        entryIn(o, DEPLOYER).policies = [
          { policyArn: policyArn('AmazonEKSEditPolicy'), accessScope: { type: 'namespace', namespaces: ['orders'] } },
          { policyArn: policyArn('AmazonEKSViewPolicy'), accessScope: { type: 'cluster', namespaces: [] } },
        ];
      },
      expected: [
        {
          kind: 'AssociateAccessPolicy',
          target: `access-policy/${DEPLOYER}/AmazonEKSEditPolicy`,
          classification: 'update',
          request: {
            clusterName: 'orders',
            principalArn: DEPLOYER,
            policyArn: policyArn('AmazonEKSEditPolicy'),
            accessScope: { type: 'namespace', namespaces: ['orders', 'payments'] },
          },
          after: [`access-entry/${DEPLOYER}`],
        },
      ],
    },
    {
      name: 'an access policy scoped to namespaces that the spec grants cluster-wide',
      observe: (o) => {
        entryIn(o, DEPLOYER).policies = [
          { policyArn: policyArn('AmazonEKSEditPolicy'), accessScope: { type: 'namespace', namespaces: ['orders', 'payments'] } },
          { policyArn: policyArn('AmazonEKSViewPolicy'), accessScope: { type: 'namespace', namespaces: ['orders'] } },
        ];
      },
      expected: [
        {
          kind: 'AssociateAccessPolicy',
          target: `access-policy/${DEPLOYER}/AmazonEKSViewPolicy`,
          classification: 'update',
          request: { clusterName: 'orders', principalArn: DEPLOYER, policyArn: policyArn('AmazonEKSViewPolicy'), accessScope: { type: 'cluster' } },
          after: [`access-entry/${DEPLOYER}`],
        },
      ],
    },
    {
      name: 'an access entry with a policy the spec does not list, by disassociating it',
      observe: (o) => {
        entryIn(o, ADMINS).policies.push({ policyArn: policyArn('AmazonEKSViewPolicy'), accessScope: { type: 'cluster', namespaces: [] } });
      },
      expected: [
        {
          kind: 'DisassociateAccessPolicy',
          target: `access-policy/${ADMINS}/AmazonEKSViewPolicy`,
          classification: 'update',
          request: { clusterName: 'orders', principalArn: ADMINS, policyArn: policyArn('AmazonEKSViewPolicy') },
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
});
