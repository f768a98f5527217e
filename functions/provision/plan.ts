/**
 * Pure planning for provision: (desired spec, observed account) -> Plan. No SDK client, no clock,
 * no I/O. Requests are built here, in full, so the printed plan is exactly what apply sends.
 */
import type {
  AssociateAccessPolicyCommandInput,
  CreateAccessEntryCommandInput,
  CreateAddonCommandInput,
  CreateClusterCommandInput,
  CreateNodegroupCommandInput,
  Taint,
} from '@aws-sdk/client-eks';
import type { Change, Plan, TargetId } from '../../shared/plan/plan';
import type { AccessEntrySpec, AddonSpec, ClusterSpec, NodeGroupSpec } from '../../shared/spec/schema';
import type { ProvisionAction } from './actions';
import type { ObservedState } from './observed';

/** Add-ons nodes need before they can become Ready: created before the node groups. */
const NETWORK_ADDONS = new Set(['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']);

/**
 * Plans one cluster.
 *
 * @example
 * const plan = planCluster(spec, EMPTY_ACCOUNT, 'examples/starter/cluster.yaml');
 * plan.actions.map((action) => action.kind); // ['CreateCluster', 'CreateNodegroup', ...]
 */
export function planCluster(desired: ClusterSpec, observed: ObservedState, source?: string): Plan<ProvisionAction> {
  const subject = { cluster: desired.name, region: desired.region, ...(source === undefined ? {} : { source }) };
  if (observed.cluster === null) return { subject, actions: planNewCluster(desired) };
  return { subject, actions: [] };
}

/** A cluster that does not exist: create it, then (in dependency order) everything that lives in it. */
function planNewCluster(spec: ClusterSpec): ProvisionAction[] {
  const cluster: TargetId = `cluster/${spec.name}`;
  const networkAddons = spec.addons.filter((addon) => NETWORK_ADDONS.has(addon.name));
  const otherAddons = spec.addons.filter((addon) => !NETWORK_ADDONS.has(addon.name));
  const nodesAfter: TargetId[] = [cluster, ...networkAddons.map((addon): TargetId => `addon/${addon.name}`)];
  const firstNodeGroups: TargetId[] = spec.nodeGroups.map((group): TargetId => `nodegroup/${group.name}`);
  return [
    createCluster(spec),
    ...spec.accessEntries.flatMap((entry) => createAccessEntry(spec, entry, [cluster])),
    ...networkAddons.map((addon) => createAddon(spec, addon, [cluster])),
    ...spec.nodeGroups.map((group) => createNodegroup(spec, group, nodesAfter)),
    // coredns, metrics-server and the like run as pods: they only become healthy once nodes exist.
    ...otherAddons.map((addon) => createAddon(spec, addon, [cluster, ...firstNodeGroups])),
  ];
}

function createCluster(spec: ClusterSpec): ProvisionAction {
  const { vpc } = spec;
  const request: CreateClusterCommandInput = {
    name: spec.name,
    version: spec.version,
    roleArn: spec.roleArn,
    resourcesVpcConfig: {
      subnetIds: vpc.subnetIds,
      securityGroupIds: vpc.securityGroupIds,
      endpointPublicAccess: vpc.endpointPublicAccess,
      endpointPrivateAccess: vpc.endpointPrivateAccess,
      // EKS ignores public CIDRs when the public endpoint is off; sending none keeps the request honest.
      ...(vpc.endpointPublicAccess ? { publicAccessCidrs: vpc.publicAccessCidrs } : {}),
    },
    accessConfig: { authenticationMode: spec.authenticationMode },
    ...(spec.logging.length > 0 ? { logging: { clusterLogging: [{ types: spec.logging, enabled: true }] } } : {}),
    ...(spec.secretsEncryptionKeyArn
      ? { encryptionConfig: [{ resources: ['secrets'], provider: { keyArn: spec.secretsEncryptionKeyArn } }] }
      : {}),
    tags: spec.tags,
  };
  const changes: Change[] = [
    { field: 'version', to: spec.version },
    { field: 'roleArn', to: spec.roleArn },
    { field: 'vpc.subnetIds', to: vpc.subnetIds },
    { field: 'vpc.endpoint', to: endpointLabel(vpc) },
    { field: 'authenticationMode', to: spec.authenticationMode },
    ...(spec.logging.length > 0 ? [{ field: 'logging', to: spec.logging }] : []),
    ...(spec.secretsEncryptionKeyArn ? [{ field: 'secretsEncryptionKeyArn', to: spec.secretsEncryptionKeyArn }] : []),
  ];
  return {
    kind: 'CreateCluster',
    classification: 'create',
    target: { kind: 'cluster', name: spec.name },
    reason: 'cluster does not exist',
    changes,
    request,
  };
}

function endpointLabel(vpc: ClusterSpec['vpc']): string {
  const sides = [vpc.endpointPublicAccess && `public (${vpc.publicAccessCidrs.join(', ')})`, vpc.endpointPrivateAccess && 'private'];
  return sides.filter(Boolean).join(' + ');
}

function createNodegroup(spec: ClusterSpec, group: NodeGroupSpec, after: readonly TargetId[]): ProvisionAction {
  const scaling = { minSize: group.scaling.min, maxSize: group.scaling.max, desiredSize: group.scaling.desired ?? group.scaling.min };
  const taints: Taint[] = group.taints.map((taint) => ({ key: taint.key, value: taint.value, effect: taint.effect }));
  const request: CreateNodegroupCommandInput = {
    clusterName: spec.name,
    nodegroupName: group.name,
    nodeRole: group.nodeRoleArn,
    subnets: group.subnetIds ?? spec.vpc.subnetIds,
    scalingConfig: scaling,
    instanceTypes: group.instanceTypes,
    capacityType: group.capacityType,
    amiType: group.amiType,
    diskSize: group.diskSize,
    labels: group.labels,
    taints,
    updateConfig: group.updateConfig,
    version: spec.version,
    ...(group.releaseVersion ? { releaseVersion: group.releaseVersion } : {}),
    tags: group.tags,
  };
  return {
    kind: 'CreateNodegroup',
    classification: 'create',
    target: { kind: 'nodegroup', name: group.name },
    reason: 'node group does not exist',
    changes: [
      { field: 'instanceTypes', to: group.instanceTypes },
      { field: 'capacityType', to: group.capacityType },
      { field: 'scaling', to: `min ${scaling.minSize}, max ${scaling.maxSize}, desired ${scaling.desiredSize}` },
      ...(group.taints.length > 0 ? [{ field: 'taints', to: group.taints.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`) }] : []),
    ],
    request,
    after,
  };
}

function createAddon(spec: ClusterSpec, addon: AddonSpec, after: readonly TargetId[]): ProvisionAction {
  const request: CreateAddonCommandInput = {
    clusterName: spec.name,
    addonName: addon.name,
    ...(addon.version ? { addonVersion: addon.version } : {}),
    ...(addon.configurationValues ? { configurationValues: JSON.stringify(addon.configurationValues) } : {}),
    ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
    // CreateAddon accepts NONE or OVERWRITE; PRESERVE only means something on update.
    resolveConflicts: addon.resolveConflicts === 'PRESERVE' ? 'NONE' : addon.resolveConflicts,
    tags: addon.tags,
  };
  return {
    kind: 'CreateAddon',
    classification: 'create',
    target: { kind: 'addon', name: addon.name },
    reason: 'add-on is not installed',
    changes: [{ field: 'version', to: addon.version ?? 'EKS default for the cluster version' }],
    request,
    after,
  };
}

function createAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec, after: readonly TargetId[]): ProvisionAction[] {
  const entryTarget: TargetId = `access-entry/${entry.principalArn}`;
  const request: CreateAccessEntryCommandInput = {
    clusterName: spec.name,
    principalArn: entry.principalArn,
    type: 'STANDARD',
    kubernetesGroups: entry.kubernetesGroups,
    ...(entry.username ? { username: entry.username } : {}),
    tags: entry.tags,
  };
  const create: ProvisionAction = {
    kind: 'CreateAccessEntry',
    classification: 'create',
    target: { kind: 'access-entry', name: entry.principalArn },
    reason: 'access entry does not exist',
    changes: entry.kubernetesGroups.length > 0 ? [{ field: 'kubernetesGroups', to: entry.kubernetesGroups }] : [],
    request,
    after,
  };
  const associations = entry.accessPolicies.map((policy): ProvisionAction => {
    const policyArn = accessPolicyArn(policy.policy, spec.region);
    const request: AssociateAccessPolicyCommandInput = {
      clusterName: spec.name,
      principalArn: entry.principalArn,
      policyArn,
      accessScope: policy.namespaces ? { type: 'namespace', namespaces: policy.namespaces } : { type: 'cluster' },
    };
    return {
      kind: 'AssociateAccessPolicy',
      classification: 'create',
      target: { kind: 'access-policy', name: `${entry.principalArn}/${policyName(policyArn)}` },
      reason: 'access policy is not associated',
      changes: [{ field: 'scope', to: policy.namespaces ? `namespaces ${policy.namespaces.join(', ')}` : 'cluster' }],
      request,
      after: [entryTarget],
    };
  });
  return [create, ...associations];
}

/** `AmazonEKSViewPolicy` -> `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`, in the Region's partition. */
export function accessPolicyArn(policy: string, region: string): string {
  if (policy.startsWith('arn:')) return policy;
  return `arn:${partitionOf(region)}:eks::aws:cluster-access-policy/${policy}`;
}

function policyName(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf('/') + 1);
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
