/**
 * Step 4 of provision's plan: the control-plane configuration (log types, endpoint access,
 * subnets and security groups, the authentication mode one step at a time, envelope encryption).
 */
import type { Cluster } from '@aws-sdk/client-eks';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import { diffSet, diffValue } from './compare';

/** Authentication modes in the only order EKS lets a cluster move through. */
export const AUTH_MODE_STEPS = ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const;

/**
 * The cluster's authentication mode, as one of {@link AUTH_MODE_STEPS}.
 *
 * @example
 * authMode(cluster); // 'API' once the cluster has moved all the way
 */
export function authMode(cluster: Cluster): (typeof AUTH_MODE_STEPS)[number] {
  // Clusters made before access entries existed report no access config: they use the aws-auth ConfigMap.
  return cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP';
}

/**
 * One UpdateClusterConfig per kind of change: EKS refuses requests that mix them.
 *
 * @example
 * planClusterConfig({ ...spec, logging: ['api', 'audit'] }, cluster).map((action) => action.reason);
 * // ['control-plane log types differ from the spec'] for a cluster that logs only api
 */
export function planClusterConfig(spec: ClusterSpec, cluster: Cluster): ProvisionAction[] {
  const target = { kind: 'cluster', name: spec.name };
  const actions: ProvisionAction[] = [];
  const vpc = cluster.resourcesVpcConfig ?? {};

  const enabled = new Set((cluster.logging?.clusterLogging ?? []).filter((group) => group.enabled).flatMap((group) => group.types ?? []));
  const wanted = new Set(spec.logging);
  const enable = spec.logging.filter((type) => !enabled.has(type));
  const disable = [...enabled].filter((type) => !wanted.has(type)).sort();
  if (enable.length > 0 || disable.length > 0) {
    actions.push({
      kind: 'UpdateClusterConfig',
      classification: 'update',
      target,
      reason: 'control-plane log types differ from the spec',
      changes: [{ field: 'logging', from: [...enabled].sort(), to: [...spec.logging].sort() }],
      request: {
        name: spec.name,
        logging: {
          clusterLogging: [
            ...(enable.length > 0 ? [{ types: enable, enabled: true }] : []),
            ...(disable.length > 0 ? [{ types: disable, enabled: false }] : []),
          ],
        },
      },
    });
  }

  const endpointChanges = [
    ...diffValue('vpc.endpointPublicAccess', vpc.endpointPublicAccess, spec.vpc.endpointPublicAccess),
    ...diffValue('vpc.endpointPrivateAccess', vpc.endpointPrivateAccess, spec.vpc.endpointPrivateAccess),
    ...(spec.vpc.endpointPublicAccess ? diffSet('vpc.publicAccessCidrs', vpc.publicAccessCidrs, spec.vpc.publicAccessCidrs) : []),
  ];
  if (endpointChanges.length > 0) {
    actions.push({
      kind: 'UpdateClusterConfig',
      classification: 'update',
      target,
      reason: 'API endpoint access differs from the spec',
      changes: endpointChanges,
      request: {
        name: spec.name,
        resourcesVpcConfig: {
          endpointPublicAccess: spec.vpc.endpointPublicAccess,
          endpointPrivateAccess: spec.vpc.endpointPrivateAccess,
          ...(spec.vpc.endpointPublicAccess ? { publicAccessCidrs: spec.vpc.publicAccessCidrs } : {}),
        },
      },
    });
  }

  const networkChanges = [
    ...diffSet('vpc.subnetIds', vpc.subnetIds, spec.vpc.subnetIds),
    ...diffSet('vpc.securityGroupIds', vpc.securityGroupIds, spec.vpc.securityGroupIds),
  ];
  if (networkChanges.length > 0) {
    actions.push({
      kind: 'UpdateClusterConfig',
      classification: 'update',
      target,
      reason: 'control-plane subnets or security groups differ from the spec',
      changes: networkChanges,
      request: { name: spec.name, resourcesVpcConfig: { subnetIds: spec.vpc.subnetIds, securityGroupIds: spec.vpc.securityGroupIds } },
    });
  }

  const mode = authMode(cluster);
  const step = AUTH_MODE_STEPS.indexOf(mode);
  if (AUTH_MODE_STEPS.indexOf(spec.authenticationMode) > step) {
    const next = AUTH_MODE_STEPS[step + 1] ?? spec.authenticationMode;
    actions.push({
      kind: 'UpdateClusterConfig',
      classification: 'update',
      target,
      reason:
        next === spec.authenticationMode
          ? 'authentication mode differs from the spec'
          : `authentication mode moves one step at a time, towards ${spec.authenticationMode}`,
      changes: [{ field: 'authenticationMode', from: mode, to: next }],
      request: { name: spec.name, accessConfig: { authenticationMode: next } },
    });
  }

  if (spec.encryptionKeyArn !== undefined && cluster.encryptionConfig?.[0]?.provider?.keyArn === undefined) {
    actions.push({
      kind: 'AssociateEncryptionConfig',
      classification: 'update',
      target,
      reason: "envelope encryption with the spec's KMS key is not enabled",
      changes: [{ field: 'encryptionKeyArn', from: undefined, to: spec.encryptionKeyArn }],
      request: { clusterName: spec.name, encryptionConfig: [{ provider: { keyArn: spec.encryptionKeyArn } }] },
    });
  }
  return actions;
}
