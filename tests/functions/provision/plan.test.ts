import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Addon, AssociatedAccessPolicy, Cluster, LogType, Nodegroup, Taint, Update } from '@aws-sdk/client-eks';
import type { ProvisionAction } from '../../../functions/provision/actions';
import type { ObservedAccessEntry, ObservedState } from '../../../functions/provision/observed';
import { EMPTY_ACCOUNT } from '../../../functions/provision/observed';
import { accessPolicyArn, planCluster } from '../../../functions/provision/plan';
import { OVERRIDE_TAG, OVERRIDE_TAG_KEYS, overrideTags } from '../../../shared/overrides';
import type { Classification, Plan, TargetId } from '../../../shared/plan/plan';
import { planStatus } from '../../../shared/plan/plan';
import { loadSpecs, parseSpec } from '../../../shared/spec/load';
import { clusterSpecSchema } from '../../../shared/spec/schema';
import type { AccessEntrySpec, AddonSpec, ClusterSpec, ClusterSpecInput, NodeGroupSpec } from '../../../shared/spec/schema';

const EXAMPLES = path.join(__dirname, '../../../examples');
const NOW = { now: new Date('2026-11-22T12:00:00Z') };

async function example(name: string): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([path.join(EXAMPLES, name, 'cluster.yaml')]);
  if (!loaded) throw new Error(`no spec for ${name}`);
  return loaded.spec;
}

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
      'CreateAddon addon/vpc-cni',
      'CreateAddon addon/kube-proxy',
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
    expect(jobs?.after).toEqual(['cluster/kianax', 'addon/vpc-cni', 'addon/kube-proxy']);
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

describe('accessPolicyArn', () => {
  it.each([
    ['AmazonEKSViewPolicy', 'eu-west-1', 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'cn-north-1', 'arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['AmazonEKSViewPolicy', 'us-gov-west-1', 'arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'],
    ['arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy', 'cn-north-1', 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy'],
  ])('names %s in %s as %s', (policy, region, expected) => {
    expect(accessPolicyArn(policy, region)).toBe(expected);
  });
});

// ---- Fixtures: a spec, and what EKS reports when the cluster matches it -------------------------

const ACCOUNT = '123456789012';
const LOG_TYPES: readonly LogType[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
const ADMINS = `arn:aws:iam::${ACCOUNT}:role/platform-admins`;
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/orders-deployer`;
const VPC_CNI_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-vpc-cni`;
const KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const OTHER_KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11112222-3333-4444-5555-666677778888`;
const VPC_CNI_CONFIG = { env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } };
const COREDNS_CONFIG = { replicaCount: 3, tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }] };
const VPC_CNI_JSON = '{"env":{"ENABLE_PREFIX_DELEGATION":"true","WARM_PREFIX_TARGET":"1"}}';
const COREDNS_JSON = '{"replicaCount":3,"tolerations":[{"key":"CriticalAddonsOnly","operator":"Exists"}]}';

function specOf(input: ClusterSpecInput): ClusterSpec {
  return clusterSpecSchema.parse(input);
}

/** One spec that uses every field the planner compares. */
const BASE: ClusterSpec = specOf({
  apiVersion: 'eks-pilot/v1',
  kind: 'Cluster',
  name: 'orders',
  region: 'eu-west-1',
  version: '1.31',
  roleArn: `arn:aws:iam::${ACCOUNT}:role/orders-eks-cluster`,
  vpc: {
    subnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b', 'subnet-0c00000000000000c'],
    securityGroupIds: ['sg-0a00000000000000a', 'sg-0b00000000000000b'],
    publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
  },
  logging: ['api', 'audit', 'authenticator'],
  authenticationMode: 'API',
  tags: { project: 'orders', environment: 'prod' },
  addons: [
    { name: 'vpc-cni', version: 'v1.19.0-eksbuild.1', serviceAccountRoleArn: VPC_CNI_ROLE, configurationValues: VPC_CNI_CONFIG },
    { name: 'coredns', version: 'v1.11.3-eksbuild.2', configurationValues: COREDNS_CONFIG, tags: { owner: 'platform' } },
  ],
  accessEntries: [
    { principalArn: ADMINS, accessPolicies: [{ policy: 'AmazonEKSClusterAdminPolicy' }] },
    {
      principalArn: DEPLOYER,
      kubernetesGroups: ['deployers', 'readers'],
      accessPolicies: [{ policy: 'AmazonEKSEditPolicy', namespaces: ['orders', 'payments'] }, { policy: 'AmazonEKSViewPolicy' }],
    },
  ],
  nodeGroups: [
    {
      name: 'web-ng',
      nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/orders-eks-node`,
      instanceTypes: ['m6i.large', 'm6a.large'],
      scaling: { min: 2, max: 10, desired: 3 },
      labels: { role: 'web', tier: 'frontend' },
      taints: [
        { key: 'dedicated', value: 'web', effect: 'NO_SCHEDULE' },
        { key: 'spot', effect: 'PREFER_NO_SCHEDULE' },
      ],
      tags: { team: 'web' },
    },
    {
      name: 'jobs-ng',
      nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/orders-eks-node`,
      capacityType: 'SPOT',
      instanceTypes: ['t3.large', 't3a.large'],
      scaling: { min: 0, max: 5 },
      subnetIds: ['subnet-0a00000000000000a'],
      updateConfig: { maxUnavailablePercentage: 50 },
      releaseVersion: '1.31.3-20250103',
    },
  ],
});

const CLUSTER_ARN = clusterArn(BASE);
const WEB_ARN = nodegroupArn(BASE, 'web-ng');
const COREDNS_ARN = addonArn(BASE, 'coredns');
const policyArn = (name: string): string => `arn:aws:eks::aws:cluster-access-policy/${name}`;

function clusterArn(spec: ClusterSpec): string {
  return `arn:aws:eks:${spec.region}:${ACCOUNT}:cluster/${spec.name}`;
}

function nodegroupArn(spec: ClusterSpec, name: string): string {
  return `arn:aws:eks:${spec.region}:${ACCOUNT}:nodegroup/${spec.name}/${name}/8ec9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`;
}

function addonArn(spec: ClusterSpec, name: string): string {
  return `arn:aws:eks:${spec.region}:${ACCOUNT}:addon/${spec.name}/${name}/2ac9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`;
}

/** An observed account whose cluster exists. */
type Observed = ObservedState & { cluster: Cluster };

/** What EKS reports for a cluster that matches the spec: the baseline every case changes one thing in. */
function converged(spec: ClusterSpec): Observed {
  return {
    cluster: convergedCluster(spec),
    nodeGroups: Object.fromEntries(spec.nodeGroups.map((group) => [group.name, convergedNodegroup(spec, group)])),
    unlistedNodeGroups: [],
    addons: Object.fromEntries(spec.addons.map((addon) => [addon.name, convergedAddon(spec, addon)])),
    accessEntries: Object.fromEntries(spec.accessEntries.map((entry) => [entry.principalArn, convergedAccessEntry(spec, entry)])),
    listedAccessEntries: [],
    updatesInProgress: [],
  };
}

function convergedCluster(spec: ClusterSpec): Cluster {
  const { vpc } = spec;
  const disabled = LOG_TYPES.filter((type) => !spec.logging.includes(type));
  return {
    name: spec.name,
    arn: clusterArn(spec),
    version: spec.version,
    roleArn: spec.roleArn,
    status: 'ACTIVE',
    platformVersion: 'eks.12',
    endpoint: 'https://0A1B2C3D4E5F60718293A4B5C6D7E8F9.gr7.eu-west-1.eks.amazonaws.com',
    resourcesVpcConfig: {
      subnetIds: [...vpc.subnetIds],
      securityGroupIds: [...vpc.securityGroupIds],
      clusterSecurityGroupId: 'sg-0e00000000000000e',
      vpcId: 'vpc-0f00000000000000f',
      endpointPublicAccess: vpc.endpointPublicAccess,
      endpointPrivateAccess: vpc.endpointPrivateAccess,
      // EKS reports its default CIDR even while the public endpoint is off.
      publicAccessCidrs: vpc.endpointPublicAccess ? [...vpc.publicAccessCidrs] : ['0.0.0.0/0'],
    },
    logging: {
      clusterLogging: [
        ...(spec.logging.length > 0 ? [{ types: [...spec.logging], enabled: true }] : []),
        ...(disabled.length > 0 ? [{ types: disabled, enabled: false }] : []),
      ],
    },
    accessConfig: { authenticationMode: spec.authenticationMode, bootstrapClusterCreatorAdminPermissions: false },
    ...(spec.encryptionKeyArn === undefined ? {} : { encryptionConfig: [{ provider: { keyArn: spec.encryptionKeyArn } }] }),
    tags: { ...spec.tags },
  };
}

function convergedNodegroup(spec: ClusterSpec, group: NodeGroupSpec): Nodegroup {
  return {
    nodegroupName: group.name,
    nodegroupArn: nodegroupArn(spec, group.name),
    clusterName: spec.name,
    version: spec.version,
    releaseVersion: group.releaseVersion ?? `${spec.version}.3-20250103`,
    status: 'ACTIVE',
    capacityType: group.capacityType,
    scalingConfig: { minSize: group.scaling.min, maxSize: group.scaling.max, desiredSize: group.scaling.desired ?? group.scaling.min },
    instanceTypes: [...group.instanceTypes],
    subnets: [...(group.subnetIds ?? spec.vpc.subnetIds)],
    amiType: group.amiType,
    nodeRole: group.nodeRoleArn,
    labels: { ...group.labels },
    // EKS leaves out the value of a taint that has none.
    taints: group.taints.map((taint): Taint => ({ key: taint.key, effect: taint.effect, ...(taint.value === undefined ? {} : { value: taint.value }) })),
    diskSize: group.diskSize,
    updateConfig: { ...group.updateConfig, updateStrategy: 'DEFAULT' },
    health: { issues: [] },
    tags: { ...group.tags },
  };
}

function convergedAddon(spec: ClusterSpec, addon: AddonSpec): Addon {
  return {
    addonName: addon.name,
    clusterName: spec.name,
    status: 'ACTIVE',
    // Unset in the spec: EKS picked its default for the cluster version.
    addonVersion: addon.version ?? 'v1.2.0-eksbuild.1',
    addonArn: addonArn(spec, addon.name),
    ...(addon.serviceAccountRoleArn === undefined ? {} : { serviceAccountRoleArn: addon.serviceAccountRoleArn }),
    ...(addon.configurationValues === undefined ? {} : { configurationValues: JSON.stringify(addon.configurationValues) }),
    health: { issues: [] },
    tags: { ...addon.tags },
  };
}

function convergedAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec): ObservedAccessEntry {
  const role = entry.principalArn.slice(entry.principalArn.lastIndexOf('/') + 1);
  return {
    entry: {
      clusterName: spec.name,
      principalArn: entry.principalArn,
      kubernetesGroups: [...entry.kubernetesGroups],
      accessEntryArn: `arn:aws:eks:${spec.region}:${ACCOUNT}:access-entry/${spec.name}/role/${ACCOUNT}/${role}/9ac9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`,
      // Unset in the spec: EKS derives the user name from the principal.
      username: entry.username ?? `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/{{SessionName}}`,
      type: 'STANDARD',
      tags: { ...entry.tags },
    },
    policies: entry.accessPolicies.map((policy): AssociatedAccessPolicy => ({
      policyArn: accessPolicyArn(policy.policy, spec.region),
      // EKS reports a cluster-wide association with an empty namespace list.
      accessScope: policy.namespaces ? { type: 'namespace', namespaces: [...policy.namespaces] } : { type: 'cluster', namespaces: [] },
      associatedAt: new Date('2026-01-05T09:00:00Z'),
      modifiedAt: new Date('2026-01-05T09:00:00Z'),
    })),
  };
}

/** The converged state of `spec` with what one case describes changed. */
function drifted(spec: ClusterSpec, change: (observed: Observed) => void): Observed {
  const observed = converged(spec);
  change(observed);
  return observed;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the test setup has no ${what}`);
  return value;
}

const nodegroupIn = (observed: ObservedState, name: string): Nodegroup => must(observed.nodeGroups[name], `node group ${name}`);
const addonIn = (observed: ObservedState, name: string): Addon => must(observed.addons[name], `add-on ${name}`);
const entryIn = (observed: ObservedState, arn: string): ObservedAccessEntry => must(observed.accessEntries[arn], `access entry ${arn}`);

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

/** Every node group of the observed cluster at one Kubernetes version. */
function nodegroupsAt(observed: ObservedState, version: string): void {
  for (const group of Object.values(observed.nodeGroups)) {
    group.version = version;
    group.releaseVersion = `${version}.3-20250103`;
  }
}

function withSpec(patch: Partial<ClusterSpec>): ClusterSpec {
  return { ...BASE, ...patch };
}

function withNodegroup(name: string, patch: Partial<NodeGroupSpec>): ClusterSpec {
  return { ...BASE, nodeGroups: BASE.nodeGroups.map((group) => (group.name === name ? { ...group, ...patch } : group)) };
}

function exampleSpec(name: string): ClusterSpec {
  const file = path.join(EXAMPLES, name, 'cluster.yaml');
  const parsed = parseSpec(readFileSync(file, 'utf8'), file);
  if (!parsed.ok) throw new Error(`${file} does not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.spec;
}

const EXAMPLE_NAMES = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

// ---- What the assertions read -------------------------------------------------------------------

/** An action as EKS sees it: what it is, what it touches, what it sends, what it waits for. */
interface Step {
  kind: string;
  target: string;
  classification: Classification;
  request?: unknown;
  after?: readonly TargetId[];
}

function step(action: ProvisionAction): Step {
  return {
    kind: action.kind,
    target: `${action.target.kind}/${action.target.name}`,
    classification: action.classification,
    ...(action.request === undefined ? {} : { request: action.request }),
    ...(action.after === undefined ? {} : { after: action.after }),
  };
}

function steps(plan: Plan<ProvisionAction>): Step[] {
  return plan.actions.map(step);
}

function kinds(plan: Plan<ProvisionAction>): string[] {
  return plan.actions.map((action) => `${action.kind} ${action.target.kind}/${action.target.name}`);
}

function plan(spec: ClusterSpec, observed: ObservedState): Plan<ProvisionAction> {
  return planCluster(spec, observed, NOW);
}

interface Case {
  name: string;
  spec?: ClusterSpec;
  observe: (observed: Observed) => void;
  expected: Step[];
}

// ---- No changes ---------------------------------------------------------------------------------

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

// ---- Classifications ----------------------------------------------------------------------------

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

  const updateCluster = (request: Record<string, unknown>): Step => ({
    kind: 'UpdateClusterConfig',
    target: 'cluster/orders',
    classification: 'update',
    request: { name: 'orders', ...request },
  });
  const endpointRequest = {
    resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
  };
  const networkRequest = {
    resourcesVpcConfig: {
      subnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b', 'subnet-0c00000000000000c'],
      securityGroupIds: ['sg-0a00000000000000a', 'sg-0b00000000000000b'],
    },
  };
  const updateWeb = (request: Record<string, unknown>): Step => ({
    kind: 'UpdateNodegroupConfig',
    target: 'nodegroup/web-ng',
    classification: 'update',
    request: { clusterName: 'orders', nodegroupName: 'web-ng', ...request },
  });
  const updateCoredns: Step = {
    kind: 'UpdateAddon',
    target: 'addon/coredns',
    classification: 'update',
    request: { clusterName: 'orders', addonName: 'coredns', addonVersion: 'v1.11.3-eksbuild.2', configurationValues: COREDNS_JSON, resolveConflicts: 'OVERWRITE' },
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
      name: 'control-plane logging: enables the missing types and disables the extra ones in one request',
      observe: (o) => {
        o.cluster.logging = {
          clusterLogging: [
            { types: ['api', 'audit', 'scheduler'], enabled: true },
            { types: ['authenticator', 'controllerManager'], enabled: false },
          ],
        };
      },
      expected: [updateCluster({ logging: { clusterLogging: [{ types: ['authenticator'], enabled: true }, { types: ['scheduler'], enabled: false }] } })],
    },
    {
      name: 'endpoint access',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').endpointPrivateAccess = false;
      },
      expected: [updateCluster(endpointRequest)],
    },
    {
      name: 'the CIDRs allowed to reach the public endpoint',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').publicAccessCidrs = ['0.0.0.0/0'];
      },
      expected: [updateCluster(endpointRequest)],
    },
    {
      name: 'control-plane subnets',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').subnetIds = ['subnet-0a00000000000000a', 'subnet-0b00000000000000b'];
      },
      expected: [updateCluster(networkRequest)],
    },
    {
      name: 'control-plane security groups',
      observe: (o) => {
        must(o.cluster.resourcesVpcConfig, 'VPC config').securityGroupIds = ['sg-0a00000000000000a'];
      },
      expected: [updateCluster(networkRequest)],
    },
    {
      name: 'the authentication mode, one step',
      observe: (o) => {
        o.cluster.accessConfig = { authenticationMode: 'API_AND_CONFIG_MAP' };
      },
      expected: [updateCluster({ accessConfig: { authenticationMode: 'API' } })],
    },
    {
      name: 'envelope encryption, by associating the spec\'s KMS key',
      spec: withSpec({ encryptionKeyArn: KMS_KEY }),
      observe: (o) => {
        delete o.cluster.encryptionConfig;
      },
      expected: [
        {
          kind: 'AssociateEncryptionConfig',
          target: 'cluster/orders',
          classification: 'update',
          request: { clusterName: 'orders', encryptionConfig: [{ provider: { keyArn: KMS_KEY } }] },
        },
      ],
    },
    {
      name: 'the Kubernetes version of the control plane',
      observe: (o) => {
        o.cluster.version = '1.30';
        nodegroupsAt(o, '1.30');
      },
      expected: [{ kind: 'UpdateClusterVersion', target: 'cluster/orders', classification: 'update', request: { name: 'orders', version: '1.31' } }],
    },
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
    {
      name: 'a cluster tag the spec adds',
      observe: (o) => {
        o.cluster.tags = { project: 'orders' };
      },
      expected: [{ kind: 'TagResource', target: 'cluster/orders', classification: 'update', request: { resourceArn: CLUSTER_ARN, tags: { environment: 'prod' } } }],
    },
    {
      name: 'a cluster tag whose value changed',
      observe: (o) => {
        o.cluster.tags = { project: 'orders', environment: 'staging' };
      },
      expected: [{ kind: 'TagResource', target: 'cluster/orders', classification: 'update', request: { resourceArn: CLUSTER_ARN, tags: { environment: 'prod' } } }],
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
      expected: [{ kind: 'TagResource', target: 'addon/coredns', classification: 'update', request: { resourceArn: COREDNS_ARN, tags: { owner: 'platform' } } }],
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
    expect(result.actions.map((action) => ({ ...step(action), reason: action.reason }))).toEqual([
      { kind: 'Wait', target, classification: 'no-op', reason },
    ]);
    expect(planStatus(result)).toBe('no-changes');
  });
});

// ---- Order --------------------------------------------------------------------------------------

describe('planCluster orders what it plans', () => {
  /** Logging, endpoint access, subnets and the authentication mode all differ. */
  const controlPlaneDrift = (o: Observed): void => {
    o.cluster.logging = { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'scheduler'], enabled: true }] };
    const vpc = must(o.cluster.resourcesVpcConfig, 'VPC config');
    vpc.endpointPrivateAccess = false;
    vpc.subnetIds = ['subnet-0a00000000000000a', 'subnet-0b00000000000000b'];
    o.cluster.accessConfig = { authenticationMode: 'API_AND_CONFIG_MAP' };
  };

  it('puts refusals first, then waits, control-plane config, version, node groups, add-ons, access entries and tags', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.roleArn = `arn:aws:iam::${ACCOUNT}:role/another-cluster-role`;
      o.cluster.status = 'UPDATING';
      controlPlaneDrift(o);
      o.cluster.version = '1.30';
      nodegroupsAt(o, '1.30');
      nodegroupIn(o, 'web-ng').labels = { role: 'web' };
      addonIn(o, 'coredns').configurationValues = '{"replicaCount":2}';
      entryIn(o, DEPLOYER).entry.kubernetesGroups = ['deployers'];
      o.cluster.tags = { project: 'orders' };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions.map((action) => action.kind)).toEqual([
      'Refuse',
      'Wait',
      'UpdateClusterConfig',
      'UpdateClusterConfig',
      'UpdateClusterConfig',
      'UpdateClusterConfig',
      'UpdateClusterVersion',
      'UpdateNodegroupConfig',
      'UpdateAddon',
      'UpdateAccessEntry',
      'TagResource',
    ]);
    expect(planStatus(result)).toBe('blocked');
  });

  it('sends each kind of control-plane change in its own UpdateClusterConfig request, which is all EKS accepts', () => {
    // Prepare
    const observed = drifted(BASE, controlPlaneDrift);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual(
      [
        { logging: { clusterLogging: [{ types: ['scheduler'], enabled: false }] } },
        { resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] } },
        {
          resourcesVpcConfig: {
            subnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b', 'subnet-0c00000000000000c'],
            securityGroupIds: ['sg-0a00000000000000a', 'sg-0b00000000000000b'],
          },
        },
        { accessConfig: { authenticationMode: 'API' } },
      ].map((request): Step => ({ kind: 'UpdateClusterConfig', target: 'cluster/orders', classification: 'update', request: { name: 'orders', ...request } })),
    );
  });

  it.each<{ from: 'CONFIG_MAP' | 'API_AND_CONFIG_MAP' | undefined; to: 'API' | 'API_AND_CONFIG_MAP'; next: string }>([
    { from: 'CONFIG_MAP', to: 'API', next: 'API_AND_CONFIG_MAP' },
    { from: undefined, to: 'API', next: 'API_AND_CONFIG_MAP' },
    { from: 'CONFIG_MAP', to: 'API_AND_CONFIG_MAP', next: 'API_AND_CONFIG_MAP' },
    { from: 'API_AND_CONFIG_MAP', to: 'API', next: 'API' },
  ])('moves the authentication mode from $from towards $to through $next', ({ from, to, next }) => {
    // Prepare
    const spec = withSpec({ authenticationMode: to, accessEntries: [] });
    const observed = drifted(spec, (o) => {
      o.cluster.accessConfig = from === undefined ? undefined : { authenticationMode: from };
    });

    // Act
    const result = plan(spec, observed);

    // Assess
    expect(steps(result)).toEqual([
      { kind: 'UpdateClusterConfig', target: 'cluster/orders', classification: 'update', request: { name: 'orders', accessConfig: { authenticationMode: next } } },
    ]);
  });
});

// ---- Kubernetes versions ------------------------------------------------------------------------

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
      { kind: 'UpdateNodegroupVersion', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.30' } },
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
      { kind: 'UpdateNodegroupVersion', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.31' } },
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

  it('keeps a node group\'s version update apart from its configuration update', () => {
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
        request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 2, maxSize: 10 }, labels: { addOrUpdateLabels: { tier: 'frontend' } } },
      },
      { kind: 'UpdateNodegroupVersion', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', version: '1.31' } },
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

// ---- desiredSize --------------------------------------------------------------------------------

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
        : [{ kind: 'UpdateNodegroupConfig', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig } }],
    );
  });
});

// ---- Scaling overrides --------------------------------------------------------------------------

describe('planCluster honours scale-watch overrides', () => {
  const inAnHour = new Date(NOW.now.getTime() + 3_600_000);
  const aMinuteAgo = new Date(NOW.now.getTime() - 60_000);
  const source = 'alarm/orders-cpu-high';
  const untagWeb = (tagKeys: string[]): Step => ({
    kind: 'UntagResource',
    target: 'nodegroup/web-ng',
    classification: 'update',
    request: { resourceArn: WEB_ARN, tagKeys },
  });

  function webWith(tags: Record<string, string>, scaling: { minSize: number; maxSize: number; desiredSize: number }): Observed {
    return drifted(BASE, (o) => {
      const web = nodegroupIn(o, 'web-ng');
      web.tags = { ...web.tags, ...tags };
      web.scalingConfig = scaling;
    });
  }

  it.each<{ bounds: string; tags: Record<string, string>; scaling: { minSize: number; maxSize: number; desiredSize: number } }>([
    { bounds: 'both bounds', tags: overrideTags({ minSize: 4, maxSize: 20, expires: inAnHour, source }), scaling: { minSize: 4, maxSize: 20, desiredSize: 12 } },
    { bounds: 'only the max', tags: overrideTags({ maxSize: 20, expires: inAnHour, source }), scaling: { minSize: 2, maxSize: 20, desiredSize: 12 } },
  ])('counts an active override of $bounds as desired', ({ tags, scaling }) => {
    // Prepare
    const observed = webWith(tags, scaling);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
    expect(planStatus(result)).toBe('no-changes');
  });

  it('applies an active override the node group does not have yet', () => {
    // Prepare
    const observed = webWith(overrideTags({ minSize: 4, maxSize: 20, expires: inAnHour, source }), { minSize: 2, maxSize: 10, desiredSize: 3 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      { kind: 'UpdateNodegroupConfig', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 4, maxSize: 20, desiredSize: 4 } } },
    ]);
    expect(result.actions[0]?.reason).toContain(`scaling override from ${source}`);
  });

  it('puts the spec\'s bounds back once an override expires and removes exactly its tags', () => {
    // Prepare
    const observed = webWith(overrideTags({ minSize: 4, maxSize: 20, expires: aMinuteAgo, source }), { minSize: 4, maxSize: 20, desiredSize: 12 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      { kind: 'UpdateNodegroupConfig', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 2, maxSize: 10, desiredSize: 10 } } },
      untagWeb([...OVERRIDE_TAG_KEYS]),
    ]);
    expect(result.actions[1]?.reason).toBe(`scaling override from ${source} has expired`);
  });

  it('removes only the override tags present when an expired override set only the max', () => {
    // Prepare
    const observed = webWith(overrideTags({ maxSize: 20, expires: aMinuteAgo, source }), { minSize: 2, maxSize: 20, desiredSize: 12 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([
      { kind: 'UpdateNodegroupConfig', target: 'nodegroup/web-ng', classification: 'update', request: { clusterName: 'orders', nodegroupName: 'web-ng', scalingConfig: { minSize: 2, maxSize: 10, desiredSize: 10 } } },
      untagWeb([OVERRIDE_TAG.maxSize, OVERRIDE_TAG.expires, OVERRIDE_TAG.source]),
    ]);
  });

  it.each<{ problem: string; tags: Record<string, string> }>([
    { problem: 'an expiry that is not a time', tags: { [OVERRIDE_TAG.maxSize]: '20', [OVERRIDE_TAG.expires]: 'next tuesday', [OVERRIDE_TAG.source]: source } },
    { problem: 'a size that is not a whole number', tags: { [OVERRIDE_TAG.maxSize]: 'twenty', [OVERRIDE_TAG.expires]: inAnHour.toISOString(), [OVERRIDE_TAG.source]: source } },
    { problem: 'no size at all', tags: { [OVERRIDE_TAG.expires]: inAnHour.toISOString() } },
  ])('cleans up override tags with $problem and keeps the spec\'s bounds', ({ tags }) => {
    // Prepare
    const observed = webWith(tags, { minSize: 2, maxSize: 10, desiredSize: 3 });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(steps(result)).toEqual([untagWeb(OVERRIDE_TAG_KEYS.filter((key) => key in tags))]);
    expect(result.actions[0]?.reason).toMatch(/^scaling override tags are unreadable: /);
  });

  it('never reports override tags, or tags the spec does not name, as tag drift', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.cluster.tags = { ...o.cluster.tags, 'aws:cloudformation:stack-name': 'orders-network', 'cost-centre': 'cc-1042' };
      const web = nodegroupIn(o, 'web-ng');
      web.tags = { ...web.tags, ...overrideTags({ maxSize: 10, expires: inAnHour, source }), 'k8s.io/cluster-autoscaler/enabled': 'true' };
      nodegroupIn(o, 'jobs-ng').tags = { 'k8s.io/cluster-autoscaler/orders': 'owned' };
      addonIn(o, 'coredns').tags = { owner: 'platform', 'managed-by': 'someone-else' };
      entryIn(o, ADMINS).entry.tags = { 'created-by': 'console' };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(result.actions).toEqual([]);
  });
});

// ---- Dependencies -------------------------------------------------------------------------------

describe('planCluster says what each action waits for', () => {
  /** Node group, add-on and access-entry changes, none on the control plane. */
  const dataPlaneDrift = (o: Observed): void => {
    o.nodeGroups = without(o.nodeGroups, 'jobs-ng');
    nodegroupIn(o, 'web-ng').labels = { role: 'web' };
    addonIn(o, 'coredns').configurationValues = '{"replicaCount":2}';
    entryIn(o, DEPLOYER).entry.kubernetesGroups = ['deployers'];
  };
  const afterOf = (result: Plan<ProvisionAction>): [string, readonly TargetId[] | undefined][] =>
    result.actions.map((action) => [`${action.kind} ${action.target.name}`, action.after]);

  it('makes node group and add-on changes wait for a pending control-plane update', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      dataPlaneDrift(o);
      o.cluster.logging = { clusterLogging: [{ types: ['api', 'audit'], enabled: true }] };
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['UpdateClusterConfig orders', undefined],
      ['UpdateNodegroupConfig web-ng', ['cluster/orders']],
      ['CreateNodegroup jobs-ng', ['cluster/orders']],
      ['UpdateAddon coredns', ['cluster/orders']],
      [`UpdateAccessEntry ${DEPLOYER}`, undefined],
    ]);
  });

  it('makes node group and add-on changes wait while the cluster is UPDATING', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      dataPlaneDrift(o);
      o.cluster.status = 'UPDATING';
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['Wait orders', undefined],
      ['UpdateNodegroupConfig web-ng', ['cluster/orders']],
      ['CreateNodegroup jobs-ng', ['cluster/orders']],
      ['UpdateAddon coredns', ['cluster/orders']],
      [`UpdateAccessEntry ${DEPLOYER}`, undefined],
    ]);
  });

  it('lets node group and add-on changes start at once when nothing is pending on the control plane', () => {
    // Prepare
    const observed = drifted(BASE, dataPlaneDrift);

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['UpdateNodegroupConfig web-ng', undefined],
      ['CreateNodegroup jobs-ng', undefined],
      ['UpdateAddon coredns', undefined],
      [`UpdateAccessEntry ${DEPLOYER}`, undefined],
    ]);
  });

  it('associates access policies only after their access entry', () => {
    // Prepare
    const observed = drifted(BASE, (o) => {
      o.accessEntries = without(o.accessEntries, DEPLOYER);
      entryIn(o, ADMINS).policies = [];
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      [`AssociateAccessPolicy ${ADMINS}/AmazonEKSClusterAdminPolicy`, [`access-entry/${ADMINS}`]],
      [`CreateAccessEntry ${DEPLOYER}`, undefined],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSEditPolicy`, [`access-entry/${DEPLOYER}`]],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSViewPolicy`, [`access-entry/${DEPLOYER}`]],
    ]);
  });

  it('creates everything in a CREATING cluster only after the cluster, nodes after the network add-ons, pod add-ons after the nodes', () => {
    // Prepare: what observe() reads while the cluster is CREATING, the cluster and nothing else.
    const observed: ObservedState = { ...EMPTY_ACCOUNT, cluster: { ...convergedCluster(BASE), status: 'CREATING' } };

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['Wait orders', undefined],
      ['CreateNodegroup web-ng', ['cluster/orders', 'addon/vpc-cni']],
      ['CreateNodegroup jobs-ng', ['cluster/orders', 'addon/vpc-cni']],
      ['CreateAddon vpc-cni', ['cluster/orders']],
      ['CreateAddon coredns', ['cluster/orders', 'nodegroup/web-ng', 'nodegroup/jobs-ng']],
      [`CreateAccessEntry ${ADMINS}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${ADMINS}/AmazonEKSClusterAdminPolicy`, [`access-entry/${ADMINS}`]],
      [`CreateAccessEntry ${DEPLOYER}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSEditPolicy`, [`access-entry/${DEPLOYER}`]],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSViewPolicy`, [`access-entry/${DEPLOYER}`]],
    ]);
  });

  it('creates access entries only after the authentication mode admits them', () => {
    // Prepare: a cluster still on the aws-auth ConfigMap has no access entries to read.
    const observed = drifted(BASE, (o) => {
      o.cluster.accessConfig = { authenticationMode: 'CONFIG_MAP' };
      o.accessEntries = {};
    });

    // Act
    const result = plan(BASE, observed);

    // Assess
    expect(afterOf(result)).toEqual([
      ['UpdateClusterConfig orders', undefined],
      [`CreateAccessEntry ${ADMINS}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${ADMINS}/AmazonEKSClusterAdminPolicy`, [`access-entry/${ADMINS}`]],
      [`CreateAccessEntry ${DEPLOYER}`, ['cluster/orders']],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSEditPolicy`, [`access-entry/${DEPLOYER}`]],
      [`AssociateAccessPolicy ${DEPLOYER}/AmazonEKSViewPolicy`, [`access-entry/${DEPLOYER}`]],
    ]);
  });
});
