import type { ObservedState } from '../../../../functions/provision/observed';
import { planStatus } from '../../../../shared/model/plan/plan';
import {
  ACCOUNT,
  addonIn,
  BASE,
  converged,
  COREDNS_CONFIG,
  DEPLOYER,
  drifted,
  entryIn,
  EXAMPLE_NAMES,
  exampleSpec,
  LOG_TYPES,
  must,
  nodegroupIn,
  plan,
  policyArn,
  specOf,
} from './support';

describe('planCluster against a converged cluster', () => {
  it.each(EXAMPLE_NAMES)('plans nothing for examples/%s/cluster.yaml', (name) => {
    // Prepare
    const spec = exampleSpec(name);

    // Act
    const result = plan(spec, converged(spec));

    // Assess
    expect(result.actions).toEqual([]);
    expect(planStatus(result)).toBe('no-changes');
  });

  it('plans nothing for a spec that sets every field the planner compares', () => {
    // Act
    const result = plan(BASE, converged(BASE));

    // Assess
    expect(result.actions).toEqual([]);
    expect(planStatus(result)).toBe('no-changes');
  });

  it('plans nothing when EKS returns every set in another order', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      const vpc = must(o.cluster.resourcesVpcConfig, 'VPC config');
      vpc.subnetIds = [...BASE.vpc.subnetIds].reverse();
      vpc.securityGroupIds = [...BASE.vpc.securityGroupIds].reverse();
      vpc.publicAccessCidrs = [...BASE.vpc.publicAccessCidrs].reverse();
      o.cluster.logging = {
        clusterLogging: [
          { types: ['authenticator'], enabled: true },
          { types: ['scheduler', 'controllerManager'], enabled: false },
          { types: ['audit', 'api'], enabled: true },
        ],
      };
      o.cluster.tags = { environment: 'prod', project: 'orders' };
      const web = nodegroupIn(o, 'web-ng');
      web.instanceTypes = ['m6a.large', 'm6i.large'];
      web.subnets = [...BASE.vpc.subnetIds].reverse();
      web.taints = [...(web.taints ?? [])].reverse();
      web.labels = { tier: 'frontend', role: 'web' };
      nodegroupIn(o, 'jobs-ng').instanceTypes = ['t3a.large', 't3.large'];
      const deployer = entryIn(o, DEPLOYER);
      deployer.entry.kubernetesGroups = ['readers', 'deployers'];
      deployer.policies = [
        { policyArn: policyArn('AmazonEKSViewPolicy'), accessScope: { type: 'cluster', namespaces: [] } },
        { policyArn: policyArn('AmazonEKSEditPolicy'), accessScope: { type: 'namespace', namespaces: ['payments', 'orders'] } },
      ];
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
  });

  it('shows no drift between the defaults the schema applies and what EKS reports for them', () => {
    // Prepare
    const spec = specOf({
      apiVersion: 'eks-pilot/v1',
      kind: 'Cluster',
      name: 'minimal',
      region: 'us-east-1',
      version: '1.33',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/minimal-eks-cluster`,
      vpc: { subnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'] },
      addons: [{ name: 'vpc-cni' }],
      accessEntries: [{ principalArn: `arn:aws:iam::${ACCOUNT}:role/minimal-admins` }],
      nodeGroups: [{ name: 'default-ng', nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/minimal-eks-node`, scaling: { min: 1, max: 3 } }],
    });
    const observed: ObservedState = {
      cluster: {
        name: 'minimal',
        arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/minimal`,
        version: '1.33',
        roleArn: `arn:aws:iam::${ACCOUNT}:role/minimal-eks-cluster`,
        status: 'ACTIVE',
        resourcesVpcConfig: {
          subnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
          securityGroupIds: [],
          clusterSecurityGroupId: 'sg-0e00000000000000e',
          vpcId: 'vpc-0f00000000000000f',
          endpointPublicAccess: true,
          endpointPrivateAccess: true,
          publicAccessCidrs: ['0.0.0.0/0'],
        },
        logging: { clusterLogging: [{ types: [...LOG_TYPES], enabled: false }] },
        accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
        tags: {},
      },
      nodeGroups: {
        'default-ng': {
          nodegroupName: 'default-ng',
          nodegroupArn: `arn:aws:eks:us-east-1:${ACCOUNT}:nodegroup/minimal/default-ng/8ec9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`,
          version: '1.33',
          releaseVersion: '1.33.0-20250620',
          status: 'ACTIVE',
          capacityType: 'ON_DEMAND',
          scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 1 },
          instanceTypes: ['t3.medium'],
          subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
          amiType: 'AL2023_x86_64_STANDARD',
          nodeRole: `arn:aws:iam::${ACCOUNT}:role/minimal-eks-node`,
          labels: {},
          diskSize: 20,
          updateConfig: { maxUnavailable: 1, updateStrategy: 'DEFAULT' },
          tags: {},
        },
      },
      unlistedNodeGroups: [],
      addons: {
        'vpc-cni': {
          addonName: 'vpc-cni',
          addonVersion: 'v1.19.6-eksbuild.7',
          status: 'ACTIVE',
          addonArn: `arn:aws:eks:us-east-1:${ACCOUNT}:addon/minimal/vpc-cni/2ac9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`,
          tags: {},
        },
      },
      accessEntries: {
        [`arn:aws:iam::${ACCOUNT}:role/minimal-admins`]: {
          entry: {
            principalArn: `arn:aws:iam::${ACCOUNT}:role/minimal-admins`,
            kubernetesGroups: [],
            username: `arn:aws:sts::${ACCOUNT}:assumed-role/minimal-admins/{{SessionName}}`,
            type: 'STANDARD',
            accessEntryArn: `arn:aws:eks:us-east-1:${ACCOUNT}:access-entry/minimal/role/${ACCOUNT}/minimal-admins/9ac9f0e4`,
            tags: {},
          },
          policies: [],
        },
      },
      listedAccessEntries: [],
      updatesInProgress: [],
      podIdentities: [],
    };

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(result.actions).toEqual([]);
    expect(planStatus(result)).toBe('no-changes');
  });

  it.each([
    ['the same JSON with its keys in another order', '{"tolerations":[{"operator":"Exists","key":"CriticalAddonsOnly"}],"replicaCount":3}'],
    ['indented JSON', JSON.stringify(COREDNS_CONFIG, null, 2)],
    ['YAML', 'replicaCount: 3\ntolerations:\n  - key: CriticalAddonsOnly\n    operator: Exists\n'],
    ['YAML with a comment and flow style', '# set by the platform team\nreplicaCount: 3\ntolerations: [{operator: Exists, key: CriticalAddonsOnly}]\n'],
  ])('sees no add-on drift when EKS returns the configuration as %s', (_form, text) => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      addonIn(o, 'coredns').configurationValues = text;
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
  });
});
