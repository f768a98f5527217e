/**
 * What the tests of provision's plan share: one spec that uses every field the planner compares,
 * what EKS reports when a cluster matches it, and the views of a plan the assertions read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Addon, AssociatedAccessPolicy, Cluster, LogType, Nodegroup, Taint } from '@aws-sdk/client-eks';
import type { ProvisionAction } from '../../../../functions/provision/actions';
import type { ObservedAccessEntry, ObservedPodIdentity, ObservedState } from '../../../../functions/provision/observed';
import { accessPolicyArn, planCluster } from '../../../../functions/provision/plan';
import type { Classification, Plan, TargetId } from '../../../../shared/model/plan/plan';
import { loadSpecs, parseSpec } from '../../../../shared/model/cluster-spec/load';
import type { AccessEntrySpec, AddonSpec, ClusterSpec, ClusterSpecInput, NodeGroupSpec } from '../../../../shared/model/cluster-spec/schema';
import { clusterSpecSchema, MANAGED_TAG } from '../../../../shared/model/cluster-spec/schema';
import type { PodIdentitySpec } from '../../../../shared/model/cluster-spec/schema';

export const EXAMPLES = path.join(__dirname, '../../../../examples');
export const NOW = { now: new Date('2026-11-22T12:00:00Z') };

export async function example(name: string): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([path.join(EXAMPLES, name, 'cluster.yaml')]);
  if (!loaded) throw new Error(`no spec for ${name}`);
  return loaded.spec;
}

// ---- Fixtures: a spec, and what EKS reports when the cluster matches it -------------------------

export const ACCOUNT = '123456789012';
export const LOG_TYPES: readonly LogType[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
export const ADMINS = `arn:aws:iam::${ACCOUNT}:role/platform-admins`;
export const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/orders-deployer`;
export const VPC_CNI_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-vpc-cni`;
export const KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
export const OTHER_KMS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11112222-3333-4444-5555-666677778888`;
export const VPC_CNI_CONFIG = { env: { ENABLE_PREFIX_DELEGATION: 'true', WARM_PREFIX_TARGET: '1' } };
export const COREDNS_CONFIG = { replicaCount: 3, tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }] };
export const VPC_CNI_JSON = '{"env":{"ENABLE_PREFIX_DELEGATION":"true","WARM_PREFIX_TARGET":"1"}}';
export const COREDNS_JSON = '{"replicaCount":3,"tolerations":[{"key":"CriticalAddonsOnly","operator":"Exists"}]}';

export function specOf(input: ClusterSpecInput): ClusterSpec {
  return clusterSpecSchema.parse(input);
}

/** One spec that uses every field the planner compares. */
export const BASE: ClusterSpec = specOf({
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

export const CLUSTER_ARN = clusterArn(BASE);
export const WEB_ARN = nodegroupArn(BASE, 'web-ng');
export const COREDNS_ARN = addonArn(BASE, 'coredns');
export const policyArn = (name: string): string => `arn:aws:eks::aws:cluster-access-policy/${name}`;

export function clusterArn(spec: ClusterSpec): string {
  return `arn:aws:eks:${spec.region}:${ACCOUNT}:cluster/${spec.name}`;
}

export function nodegroupArn(spec: ClusterSpec, name: string): string {
  return `arn:aws:eks:${spec.region}:${ACCOUNT}:nodegroup/${spec.name}/${name}/8ec9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`;
}

export function addonArn(spec: ClusterSpec, name: string): string {
  return `arn:aws:eks:${spec.region}:${ACCOUNT}:addon/${spec.name}/${name}/2ac9f0e4-1c2d-4e5f-a6b7-c8d9e0f1a2b3`;
}

/** An observed account whose cluster exists. */
export type Observed = ObservedState & { cluster: Cluster };

/** What EKS reports for a cluster that matches the spec: the baseline every case changes one thing in. */
export function converged(spec: ClusterSpec): Observed {
  return {
    cluster: convergedCluster(spec),
    nodeGroups: Object.fromEntries(spec.nodeGroups.map((group) => [group.name, convergedNodegroup(spec, group)])),
    unlistedNodeGroups: [],
    addons: Object.fromEntries(spec.addons.map((addon) => [addon.name, convergedAddon(spec, addon)])),
    accessEntries: Object.fromEntries(spec.accessEntries.map((entry) => [entry.principalArn, convergedAccessEntry(spec, entry)])),
    listedAccessEntries: [],
    updatesInProgress: [],
    podIdentities: (spec.podIdentities ?? []).map((identity, index) => convergedPodIdentity(spec, identity, index)),
  };
}

/** An association eks-pilot made for `identity` (tagged managed); `index` makes its id. */
export function convergedPodIdentity(spec: ClusterSpec, identity: PodIdentitySpec, index: number): ObservedPodIdentity {
  const associationId = `a-${String(index).padStart(17, '0')}`;
  const associationArn = `arn:aws:eks:${spec.region}:${ACCOUNT}:podidentityassociation/${spec.name}/${associationId}`;
  const summary = { clusterName: spec.name, namespace: identity.namespace, serviceAccount: identity.serviceAccount, associationArn, associationId };
  return { summary, association: { ...summary, roleArn: identity.roleArn, tags: { ...identity.tags, [MANAGED_TAG]: 'true' }, disableSessionTags: false } };
}

export function convergedCluster(spec: ClusterSpec): Cluster {
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
    ...(spec.computeConfig === undefined
      ? {}
      : {
          // EKS reports no pools or node role once compute is off.
          computeConfig: spec.computeConfig.enabled ? { ...spec.computeConfig, nodePools: [...spec.computeConfig.nodePools] } : { enabled: false },
          kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4', elasticLoadBalancing: { enabled: spec.computeConfig.enabled } },
          storageConfig: { blockStorage: { enabled: spec.computeConfig.enabled } },
        }),
    tags: { ...spec.tags },
  };
}

export function convergedNodegroup(spec: ClusterSpec, group: NodeGroupSpec): Nodegroup {
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

export function convergedAddon(spec: ClusterSpec, addon: AddonSpec): Addon {
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

export function convergedAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec): ObservedAccessEntry {
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
export function drifted(spec: ClusterSpec, change: (observed: Observed) => void): Observed {
  const observed = converged(spec);
  change(observed);
  return observed;
}

export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the test setup has no ${what}`);
  return value;
}

export const nodegroupIn = (observed: ObservedState, name: string): Nodegroup => must(observed.nodeGroups[name], `node group ${name}`);
export const addonIn = (observed: ObservedState, name: string): Addon => must(observed.addons[name], `add-on ${name}`);
export const entryIn = (observed: ObservedState, arn: string): ObservedAccessEntry => must(observed.accessEntries[arn], `access entry ${arn}`);

export function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));
}

/** Every node group of the observed cluster at one Kubernetes version. */
export function nodegroupsAt(observed: ObservedState, version: string): void {
  for (const group of Object.values(observed.nodeGroups)) {
    group.version = version;
    group.releaseVersion = `${version}.3-20250103`;
  }
}

export function withSpec(patch: Partial<ClusterSpec>): ClusterSpec {
  return { ...BASE, ...patch };
}

export function withNodegroup(name: string, patch: Partial<NodeGroupSpec>): ClusterSpec {
  return { ...BASE, nodeGroups: BASE.nodeGroups.map((group) => (group.name === name ? { ...group, ...patch } : group)) };
}

export function exampleSpec(name: string): ClusterSpec {
  const file = path.join(EXAMPLES, name, 'cluster.yaml');
  const parsed = parseSpec(readFileSync(file, 'utf8'), file);
  if (!parsed.ok) throw new Error(`${file} does not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.spec;
}

export const EXAMPLE_NAMES = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

// ---- What the assertions read -------------------------------------------------------------------

/** An action as EKS sees it: what it is, what it touches, what it sends, what it waits for. */
export interface Step {
  kind: string;
  target: string;
  classification: Classification;
  request?: unknown;
  after?: readonly TargetId[];
}

export function step(action: ProvisionAction): Step {
  return {
    kind: action.kind,
    target: `${action.target.kind}/${action.target.name}`,
    classification: action.classification,
    ...(action.request === undefined ? {} : { request: action.request }),
    ...(action.after === undefined ? {} : { after: action.after }),
  };
}

export function steps(plan: Plan<ProvisionAction>): Step[] {
  return plan.actions.map(step);
}

export function kinds(plan: Plan<ProvisionAction>): string[] {
  return plan.actions.map((action) => `${action.kind} ${action.target.kind}/${action.target.name}`);
}

export function plan(spec: ClusterSpec, observed: ObservedState): Plan<ProvisionAction> {
  return planCluster(spec, observed, NOW);
}

export interface Case {
  name: string;
  spec?: ClusterSpec;
  observe: (observed: Observed) => void;
  expected: Step[];
}
