/**
 * Step 7 of provision's plan, add-ons: those missing are created (network add-ons before the
 * nodes, the others once nodes exist), those that differ updated, busy ones waited for.
 */
import type { Addon } from '@aws-sdk/client-eks';
import { parse as parseYaml } from 'yaml';
import type { Change, TargetId } from '../../../shared/model/plan/plan';
import type { AddonSpec, ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import type { ObservedState } from '../observed';
import { deepEqual, diffValue } from './compare';
import { planTags } from './tags';

/** Add-ons nodes need before they can become Ready: created before the node groups. */
export const NETWORK_ADDONS = new Set(['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']);

/**
 * Creates each add-on of the spec that is missing, updates those that differ, waits for busy ones
 * and refuses one EKS failed to delete. A new network add-on waits for `afterCluster`, a new pod
 * add-on for `podAddonsAfter`.
 *
 * @example
 * planAddons(spec, observed, [], ['nodegroup/general-ng']).map((action) => action.kind);
 * // ['CreateAddon'] for an add-on EKS lacks; a pod add-on waits for general-ng
 */
export function planAddons(
  spec: ClusterSpec,
  observed: ObservedState,
  afterCluster: readonly TargetId[],
  podAddonsAfter: readonly TargetId[],
): ProvisionAction[] {
  return spec.addons.flatMap((addon): ProvisionAction[] => {
    const current = observed.addons[addon.name];
    if (current === undefined) return [createAddon(spec, addon, NETWORK_ADDONS.has(addon.name) ? afterCluster : podAddonsAfter)];
    const target = { kind: 'addon', name: addon.name };
    const status = current.status ?? 'ACTIVE';
    switch (status) {
      case 'ACTIVE':
      case 'DEGRADED':
      case 'CREATE_FAILED':
      case 'UPDATE_FAILED':
        break;
      case 'CREATING':
      case 'UPDATING':
      case 'DELETING':
        return [{ kind: 'Wait', classification: 'no-op', target, reason: `add-on is ${status}`, changes: [] }];
      case 'DELETE_FAILED':
        return [{ kind: 'Refuse', classification: 'forbidden', target, reason: 'add-on is DELETE_FAILED; a person must look', changes: [] }];
      default:
        throw new Error(`unknown add-on status ${String(status satisfies never)}`);
    }
    return [...updateAddon(spec, addon, current, afterCluster), ...planTags(`addon/${addon.name}`, current.addonArn, addon.tags, current.tags)];
  });
}

/**
 * The CreateAddon of one add-on of the spec, waiting for `after`.
 *
 * @example
 * createAddon(spec, { ...addon, resolveConflicts: 'PRESERVE' }, []).request.resolveConflicts; // 'NONE'
 */
export function createAddon(spec: ClusterSpec, addon: AddonSpec, after: readonly TargetId[]): ProvisionAction {
  return {
    kind: 'CreateAddon',
    classification: 'create',
    target: { kind: 'addon', name: addon.name },
    reason: 'add-on is not installed',
    changes: [{ field: 'version', to: addon.version ?? 'EKS default for the cluster version' }],
    request: {
      clusterName: spec.name,
      addonName: addon.name,
      ...(addon.version ? { addonVersion: addon.version } : {}),
      ...(addon.configurationValues ? { configurationValues: JSON.stringify(addon.configurationValues) } : {}),
      ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
      // CreateAddon accepts NONE or OVERWRITE; PRESERVE only means something on update.
      resolveConflicts: addon.resolveConflicts === 'PRESERVE' ? 'NONE' : addon.resolveConflicts,
      tags: addon.tags,
    },
    ...(after.length > 0 ? { after } : {}),
  };
}

/** Unset fields in the spec (version, configuration, role) are left as EKS has them. */
function updateAddon(spec: ClusterSpec, addon: AddonSpec, current: Addon, afterCluster: readonly TargetId[]): ProvisionAction[] {
  const currentConfig = parseConfiguration(current.configurationValues);
  const changes: Change[] = [
    ...(addon.version === undefined ? [] : diffValue('version', current.addonVersion, addon.version)),
    ...(addon.configurationValues === undefined || deepEqual(currentConfig, addon.configurationValues)
      ? []
      : [{ field: 'configurationValues', from: currentConfig, to: addon.configurationValues }]),
    ...(addon.serviceAccountRoleArn === undefined ? [] : diffValue('serviceAccountRoleArn', current.serviceAccountRoleArn, addon.serviceAccountRoleArn)),
  ];
  if (changes.length === 0) return [];
  return [
    {
      kind: 'UpdateAddon',
      classification: 'update',
      target: { kind: 'addon', name: addon.name },
      reason: 'add-on differs from the spec',
      changes,
      request: {
        clusterName: spec.name,
        addonName: addon.name,
        ...(addon.version ? { addonVersion: addon.version } : {}),
        ...(addon.configurationValues ? { configurationValues: JSON.stringify(addon.configurationValues) } : {}),
        ...(addon.serviceAccountRoleArn ? { serviceAccountRoleArn: addon.serviceAccountRoleArn } : {}),
        resolveConflicts: addon.resolveConflicts,
      },
      ...(afterCluster.length > 0 ? { after: afterCluster } : {}),
    },
  ];
}

/** EKS hands configuration back as the string it was given: JSON from us, JSON or YAML from others. */
function parseConfiguration(text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}
