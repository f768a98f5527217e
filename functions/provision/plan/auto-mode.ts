/**
 * Step 4 of provision's plan, EKS Auto Mode: the three capabilities (compute, load balancing, block
 * storage) turn on or off together in one UpdateClusterConfig, and the built-in node pools change
 * the same way. EKS's rules (EKS User Guide, "Enable EKS Auto Mode on an existing cluster" and
 * "Disable EKS Auto Mode"): all three in the same request, all true or all false; the node role
 * cannot change while compute is on; turning Auto Mode off terminates the instances it runs.
 */
import type { Cluster, CreateClusterCommandInput } from '@aws-sdk/client-eks';
import type { Change } from '../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import { diffSet, diffValue } from './compare';

type AutoModeFields = Pick<CreateClusterCommandInput, 'computeConfig' | 'kubernetesNetworkConfig' | 'storageConfig'>;

/** What the spec says of each capability, read defensively: a spec built in code may skip the schema's checks. */
function capabilitiesOf(spec: ClusterSpec): { compute?: boolean; loadBalancing?: boolean; blockStorage?: boolean } {
  return {
    ...(spec.computeConfig === undefined ? {} : { compute: spec.computeConfig.enabled }),
    ...(spec.kubernetesNetworkConfig?.elasticLoadBalancing === undefined ? {} : { loadBalancing: spec.kubernetesNetworkConfig.elasticLoadBalancing.enabled }),
    ...(spec.storageConfig?.blockStorage === undefined ? {} : { blockStorage: spec.storageConfig.blockStorage.enabled }),
  };
}

/**
 * Whether the spec asks for Auto Mode on (true), off (false), leaves it alone (undefined), or asks
 * for some capabilities without the others ('partial', which EKS refuses).
 *
 * @example
 * autoModeOf(autoModeSpec()); // true
 */
export function autoModeOf(spec: ClusterSpec): boolean | 'partial' | undefined {
  const values = Object.values(capabilitiesOf(spec));
  if (values.length === 0) return undefined;
  if (values.length < 3 || values.some((value) => value !== values[0])) return 'partial';
  return values[0];
}

/**
 * The Auto Mode fields of a CreateCluster or UpdateClusterConfig request for the spec: all three
 * capabilities, and the pools and node role when compute is on. Empty when the spec leaves Auto Mode alone.
 *
 * @example
 * autoModeRequest(autoModeSpec()).storageConfig; // { blockStorage: { enabled: true } }
 */
export function autoModeRequest(spec: ClusterSpec): AutoModeFields {
  const enabled = autoModeOf(spec);
  if (typeof enabled !== 'boolean') return {};
  const compute = spec.computeConfig;
  return {
    computeConfig:
      enabled && compute !== undefined
        ? { enabled, nodePools: [...compute.nodePools], ...(compute.nodeRoleArn === undefined ? {} : { nodeRoleArn: compute.nodeRoleArn }) }
        : { enabled },
    kubernetesNetworkConfig: { elasticLoadBalancing: { enabled } },
    storageConfig: { blockStorage: { enabled } },
  };
}

/**
 * Auto Mode as the cluster reports it: on only when all three capabilities are (a cluster made
 * before Auto Mode existed reports none of them: off).
 *
 * @example
 * autoModeEnabled(fake.cluster('auto')); // true once the cluster reports all three capabilities enabled
 */
export function autoModeEnabled(cluster: Cluster): boolean {
  return (
    cluster.computeConfig?.enabled === true &&
    cluster.kubernetesNetworkConfig?.elasticLoadBalancing?.enabled === true &&
    cluster.storageConfig?.blockStorage?.enabled === true
  );
}

/**
 * The refusals of an Auto Mode request EKS cannot take: some capabilities without the others, and
 * a new node role while compute is on.
 *
 * @example
 * refuseAutoMode({ ...spec, storageConfig: undefined }, cluster).map((action) => action.reason);
 * // ['EKS Auto Mode turns compute, load balancing and block storage on or off together ...']
 */
export function refuseAutoMode(spec: ClusterSpec, cluster: Cluster): ProvisionAction[] {
  const target = { kind: 'cluster', name: spec.name };
  const wanted = autoModeOf(spec);
  if (wanted === 'partial') {
    const capabilities = capabilitiesOf(spec);
    return [
      {
        kind: 'Refuse',
        classification: 'forbidden',
        target,
        reason:
          'EKS Auto Mode turns compute, load balancing and block storage on or off together: computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and storageConfig.blockStorage.enabled must all be true or all false',
        changes: [{ field: 'autoMode', to: capabilities }],
      },
    ];
  }
  const role = cluster.computeConfig?.nodeRoleArn;
  const wantedRole = spec.computeConfig?.nodeRoleArn;
  if (wanted === true && cluster.computeConfig?.enabled === true && role !== undefined && wantedRole !== undefined && role !== wantedRole) {
    return [
      {
        kind: 'Refuse',
        classification: 'forbidden',
        target,
        reason:
          'the Auto Mode node role cannot change while Auto Mode compute is enabled; turn Auto Mode off first (which terminates its nodes) or keep the role',
        changes: [{ field: 'computeConfig.nodeRoleArn', from: role, to: wantedRole }],
      },
    ];
  }
  return [];
}

/**
 * The UpdateClusterConfig that brings Auto Mode to the spec (on, off, or other built-in pools);
 * none when it matches or the spec leaves it alone.
 *
 * @example
 * planAutoMode(autoModeSpec(), { ...cluster, computeConfig: { enabled: true, nodePools: ['system'] } }).map((action) => action.reason);
 * // ['EKS Auto Mode node pools differ from the spec']
 */
export function planAutoMode(spec: ClusterSpec, cluster: Cluster): ProvisionAction[] {
  const wanted = autoModeOf(spec);
  if (typeof wanted !== 'boolean') return [];
  const current = autoModeEnabled(cluster);
  const changes: Change[] = [
    ...diffValue('computeConfig.enabled', cluster.computeConfig?.enabled ?? false, wanted),
    ...diffValue('kubernetesNetworkConfig.elasticLoadBalancing.enabled', cluster.kubernetesNetworkConfig?.elasticLoadBalancing?.enabled ?? false, wanted),
    ...diffValue('storageConfig.blockStorage.enabled', cluster.storageConfig?.blockStorage?.enabled ?? false, wanted),
    ...(wanted && current ? diffSet('computeConfig.nodePools', cluster.computeConfig?.nodePools, spec.computeConfig?.nodePools ?? []) : []),
  ];
  if (changes.length === 0) return [];
  const reason = !wanted
    ? 'EKS Auto Mode is on but the spec turns it off (EKS terminates the instances Auto Mode runs)'
    : current
      ? 'EKS Auto Mode node pools differ from the spec'
      : 'EKS Auto Mode is off but the spec turns it on';
  return [
    {
      kind: 'UpdateClusterConfig',
      classification: 'update',
      target: { kind: 'cluster', name: spec.name },
      reason,
      changes,
      request: { name: spec.name, ...autoModeRequest(spec) },
    },
  ];
}
