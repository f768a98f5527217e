import { EMPTY_ACCOUNT } from '../../../../functions/provision/observed';
import { planCluster } from '../../../../functions/provision/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../../shared/model/cluster-spec/schema';
import { example, NOW } from './support';

describe('planCluster against an empty account', () => {
  it('creates the cluster first, then network add-ons, node groups, and add-ons that need nodes', async () => {
    // Prepare
    const spec = await example('kianax');

    // Act
    const plan = planCluster(spec, EMPTY_ACCOUNT, NOW);

    // Assess
    expect(plan.actions.map((action) => `${action.kind} ${action.target.kind}/${action.target.name}`)).toEqual([
      'CreateCluster cluster/kianax',
      'CreateAccessEntry access-entry/arn:aws:iam::777788889999:role/kianax-platform-admins',
      'AssociateAccessPolicy access-policy/arn:aws:iam::777788889999:role/kianax-platform-admins/AmazonEKSClusterAdminPolicy',
      'CreatePodIdentityAssociation pod-identity/kube-system/cluster-autoscaler',
      'CreateAddon addon/vpc-cni',
      'CreateAddon addon/kube-proxy',
      'CreateAddon addon/eks-pod-identity-agent',
      'CreateNodegroup nodegroup/general-ng',
      'CreateNodegroup nodegroup/system-ng',
      'CreateNodegroup nodegroup/jobs-ng',
      'CreateAddon addon/coredns',
      'CreateAddon addon/metrics-server',
    ]);
    expect(planStatus(plan)).toBe('changes');
    expect(plan.actions.every((action) => action.classification === 'create')).toBe(true);
  });

  it('sends the spec, with defaults applied, in the CreateCluster request', async () => {
    // Prepare
    const spec = await example('financial-move');

    // Act
    const [createCluster] = planCluster(spec, EMPTY_ACCOUNT, NOW).actions;

    // Assess
    expect(createCluster?.request).toEqual({
      name: 'financial-move',
      version: '1.33',
      roleArn: 'arn:aws:iam::111122223333:role/financial-move-eks-cluster',
      resourcesVpcConfig: {
        subnetIds: ['subnet-0f1a2b3c4d5e60a01', 'subnet-0f1a2b3c4d5e60b02'],
        securityGroupIds: [],
        endpointPublicAccess: true,
        endpointPrivateAccess: true,
        publicAccessCidrs: ['203.0.113.0/24'],
      },
      accessConfig: { authenticationMode: 'API' },
      logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] },
      tags: { project: 'financial-move', environment: 'prod' },
    });
  });

  it('creates a spot node group with its taints, scaling and the cluster version', async () => {
    // Prepare
    const spec = await example('kianax');

    // Act
    const jobs = planCluster(spec, EMPTY_ACCOUNT, NOW).actions.find((action) => action.target.name === 'jobs-ng');

    // Assess
    expect(jobs?.request).toEqual({
      clusterName: 'kianax',
      nodegroupName: 'jobs-ng',
      nodeRole: 'arn:aws:iam::777788889999:role/kianax-eks-node',
      subnets: ['subnet-0aaa1111bbbb2222a', 'subnet-0aaa1111bbbb2222b', 'subnet-0aaa1111bbbb2222c'],
      scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 0 },
      instanceTypes: ['t3.medium', 't3a.medium', 't2.medium'],
      capacityType: 'SPOT',
      amiType: 'AL2023_x86_64_STANDARD',
      diskSize: 20,
      labels: { role: 'jobs' },
      taints: [{ key: 'workload', value: 'jobs', effect: 'NO_SCHEDULE' }],
      updateConfig: { maxUnavailable: 1 },
      version: '1.31',
      tags: {},
    });
    expect(jobs?.after).toEqual(['cluster/kianax', 'addon/vpc-cni', 'addon/kube-proxy', 'addon/eks-pod-identity-agent']);
  });

  it('scopes an access policy to the namespaces the spec lists', async () => {
    // Prepare
    const spec = await example('financial-move');

    // Act
    const associations = planCluster(spec, EMPTY_ACCOUNT, NOW).actions.filter((action) => action.kind === 'AssociateAccessPolicy');

    // Assess
    expect(associations.map((action) => action.request)).toEqual([
      {
        clusterName: 'financial-move',
        principalArn: 'arn:aws:iam::111122223333:role/platform-admins',
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
        accessScope: { type: 'cluster' },
      },
      {
        clusterName: 'financial-move',
        principalArn: 'arn:aws:iam::111122223333:role/financial-move-deployer',
        policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy',
        accessScope: { type: 'namespace', namespaces: ['prod'] },
      },
    ]);
  });

  it('sends add-on configuration as JSON and PRESERVE as NONE, which is all CreateAddon accepts', async () => {
    // Prepare
    const spec: ClusterSpec = {
      ...(await example('starter')),
      addons: [{ name: 'coredns', version: 'v1.11.4-eksbuild.2', resolveConflicts: 'PRESERVE', configurationValues: { replicaCount: 3 }, tags: {} }],
    };

    // Act
    const addon = planCluster(spec, EMPTY_ACCOUNT, NOW).actions.find((action) => action.kind === 'CreateAddon');

    // Assess
    expect(addon?.request).toEqual({
      clusterName: 'starter',
      addonName: 'coredns',
      addonVersion: 'v1.11.4-eksbuild.2',
      configurationValues: '{"replicaCount":3}',
      resolveConflicts: 'NONE',
      tags: {},
    });
  });
});

describe('planCluster for the auto-mode example against an empty account', () => {
  it("creates the cluster with the three Auto Mode capabilities and no self-managed add-ons, then its access entries and the app pods' association", async () => {
    // Prepare
    const spec = await example('auto-mode');

    // Act
    const plan = planCluster(spec, EMPTY_ACCOUNT, NOW);

    // Assess
    expect(plan.actions.map((action) => `${action.kind} ${action.target.kind}/${action.target.name}`)).toEqual([
      'CreateCluster cluster/auto-mode',
      'CreateAccessEntry access-entry/arn:aws:iam::123456789012:role/auto-mode-platform',
      'AssociateAccessPolicy access-policy/arn:aws:iam::123456789012:role/auto-mode-platform/AmazonEKSClusterAdminPolicy',
      'CreateAccessEntry access-entry/arn:aws:iam::123456789012:role/auto-mode-deployer',
      'AssociateAccessPolicy access-policy/arn:aws:iam::123456789012:role/auto-mode-deployer/AmazonEKSEditPolicy',
      'CreatePodIdentityAssociation pod-identity/web/web',
    ]);
    expect(plan.actions[0]?.request).toMatchObject({
      name: 'auto-mode',
      bootstrapSelfManagedAddons: false,
      accessConfig: { authenticationMode: 'API' },
      computeConfig: { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: 'arn:aws:iam::123456789012:role/auto-mode-eks-node' },
      kubernetesNetworkConfig: { elasticLoadBalancing: { enabled: true } },
      storageConfig: { blockStorage: { enabled: true } },
    });
    expect(plan.actions.at(-1)?.request).toMatchObject({
      clusterName: 'auto-mode',
      namespace: 'web',
      serviceAccount: 'web',
      roleArn: 'arn:aws:iam::123456789012:role/auto-mode-web-pods',
    });
  });
});
