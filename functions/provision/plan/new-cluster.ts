/**
 * Step 2 of provision's plan: a cluster that does not exist is created, and then everything that
 * lives in it, each waiting for what it needs.
 */
import type { TargetId } from '../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import { createAccessEntry } from './access';
import { createAddon, NETWORK_ADDONS } from './addons';
import { autoModeOf, autoModeRequest } from './auto-mode';
import { createNodegroup } from './node-groups';
import { createPodIdentity } from './pod-identities';

/**
 * Create the cluster, then, in dependency order, everything that lives in it.
 *
 * @example
 * planNewCluster(spec).map((action) => `${action.kind} ${action.target.name}`);
 * // ['CreateCluster kianax', 'CreateAccessEntry ...', 'AssociateAccessPolicy ...', 'CreateAddon vpc-cni', 'CreateAddon kube-proxy',
 * //  'CreateNodegroup general-ng', ..., 'CreateAddon coredns', 'CreateAddon metrics-server']
 */
export function planNewCluster(spec: ClusterSpec): ProvisionAction[] {
  const cluster: TargetId = `cluster/${spec.name}`;
  const networkAddons = spec.addons.filter((addon) => NETWORK_ADDONS.has(addon.name));
  const otherAddons = spec.addons.filter((addon) => !NETWORK_ADDONS.has(addon.name));
  const nodesAfter: TargetId[] = [cluster, ...networkAddons.map((addon): TargetId => `addon/${addon.name}`)];
  const nodeGroups: TargetId[] = spec.nodeGroups.map((group): TargetId => `nodegroup/${group.name}`);
  return [
    createCluster(spec),
    ...spec.accessEntries.flatMap((entry) => createAccessEntry(spec, entry, [cluster])),
    ...(spec.podIdentities ?? []).map((identity) => createPodIdentity(spec, identity, [cluster])),
    ...networkAddons.map((addon) => createAddon(spec, addon, [cluster])),
    ...spec.nodeGroups.map((group) => createNodegroup(spec, group, spec.version, nodesAfter)),
    // coredns, metrics-server and the like run as pods: they only become healthy once nodes exist.
    ...otherAddons.map((addon) => createAddon(spec, addon, [cluster, ...nodeGroups])),
  ];
}

function createCluster(spec: ClusterSpec): ProvisionAction {
  const { vpc } = spec;
  const autoMode = autoModeOf(spec);
  if (autoMode === 'partial') {
    return {
      kind: 'Refuse',
      classification: 'forbidden',
      target: { kind: 'cluster', name: spec.name },
      reason:
        'EKS Auto Mode turns compute, load balancing and block storage on or off together: computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and storageConfig.blockStorage.enabled must all be true or all false',
      changes: [],
    };
  }
  return {
    kind: 'CreateCluster',
    classification: 'create',
    target: { kind: 'cluster', name: spec.name },
    reason: 'cluster does not exist',
    changes: [
      { field: 'version', to: spec.version },
      { field: 'roleArn', to: spec.roleArn },
      { field: 'vpc.subnetIds', to: vpc.subnetIds },
      { field: 'vpc.endpoint', to: endpointLabel(vpc.endpointPublicAccess, vpc.endpointPrivateAccess, vpc.publicAccessCidrs) },
      { field: 'authenticationMode', to: spec.authenticationMode },
      ...(spec.logging.length > 0 ? [{ field: 'logging', to: spec.logging }] : []),
      ...(spec.encryptionKeyArn ? [{ field: 'encryptionKeyArn', to: spec.encryptionKeyArn }] : []),
      ...(autoMode === true
        ? [
            { field: 'autoMode', to: 'on: compute, load balancing, block storage' },
            { field: 'computeConfig.nodePools', to: spec.computeConfig?.nodePools ?? [] },
            ...(spec.computeConfig?.nodeRoleArn ? [{ field: 'computeConfig.nodeRoleArn', to: spec.computeConfig.nodeRoleArn }] : []),
          ]
        : []),
    ],
    request: {
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
      ...(spec.encryptionKeyArn ? { encryptionConfig: [{ provider: { keyArn: spec.encryptionKeyArn } }] } : {}),
      ...(autoMode === true ? autoModeRequest(spec) : {}),
      // Auto Mode runs its own networking, DNS and storage: EKS refuses to install the self-managed add-ons beside it.
      ...(autoMode === true ? { bootstrapSelfManagedAddons: false } : {}),
      tags: spec.tags,
    },
  };
}

function endpointLabel(publicAccess: boolean, privateAccess: boolean, cidrs: readonly string[]): string {
  const sides = [publicAccess && `public (${cidrs.join(', ')})`, privateAccess && 'private'];
  return sides.filter(Boolean).join(' + ');
}
