/**
 * Step 6 of provision's plan: node groups are created, updated in place (Cluster Autoscaler tags on
 * their Auto Scaling groups, scaling bounds, labels, taints, update config, version, AMI release,
 * expired scaling overrides, tags), reported for
 * replacement when a field cannot change in place, or deleted when the spec prunes them.
 */
import type { Cluster, Nodegroup, Taint, UpdateNodegroupConfigCommandInput } from '@aws-sdk/client-eks';
import { OVERRIDE_TAG_KEYS, readOverride } from '../../../shared/model/overrides';
import type { Change, TargetId } from '../../../shared/model/plan/plan';
import type { ClusterSpec, NodeGroupSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import type { ObservedState } from '../observed';
import { NETWORK_ADDONS } from './addons';
import { planAutoscalerTags } from './autoscaler';
import { diffSet, diffValue, sortedRecord } from './compare';
import { planTags } from './tags';
import { minor } from './version';

/**
 * The dependencies of a new cluster hold on every run, not only the first: nodes wait for the
 * network add-ons the spec lists, and add-ons that run as pods wait for a node group to be ACTIVE.
 *
 * @example
 * networkNotReady(spec, observed); // ['addon/vpc-cni'] while vpc-cni is not ACTIVE
 */
export function networkNotReady(spec: ClusterSpec, observed: ObservedState): TargetId[] {
  return spec.addons
    .filter((addon) => NETWORK_ADDONS.has(addon.name) && observed.addons[addon.name]?.status !== 'ACTIVE')
    .map((addon): TargetId => `addon/${addon.name}`);
}

/**
 * What add-ons that run as pods wait for: every node group of the spec while none is ACTIVE.
 *
 * @example
 * nodesNotReady(spec, EMPTY_ACCOUNT); // ['nodegroup/general-ng', ...]: every group of the spec while none is ACTIVE
 */
export function nodesNotReady(spec: ClusterSpec, observed: ObservedState): TargetId[] {
  const anyActive = spec.nodeGroups.some((group) => observed.nodeGroups[group.name]?.status === 'ACTIVE');
  return anyActive ? [] : spec.nodeGroups.map((group): TargetId => `nodegroup/${group.name}`);
}

/**
 * Creates, updates or reports for replacement each node group of the spec, and deletes those it
 * does not list when pruneNodeGroups is on. A new group waits for `createAfter`, any other change
 * for `afterCluster`.
 *
 * @example
 * planNodeGroups(spec, cluster, observed, now, [], ['addon/vpc-cni']).map((action) => action.kind);
 * // ['CreateNodegroup'] for a group EKS lacks, waiting for vpc-cni
 */
export function planNodeGroups(
  spec: ClusterSpec,
  cluster: Cluster,
  observed: ObservedState,
  now: Date,
  afterCluster: readonly TargetId[],
  createAfter: readonly TargetId[],
): ProvisionAction[] {
  const clusterVersion = cluster.version ?? spec.version;
  const planned = spec.nodeGroups.flatMap((group) => {
    const current = observed.nodeGroups[group.name];
    if (current === undefined) return [createNodegroup(spec, group, clusterVersion, createAfter)];
    return planExistingNodegroup(spec, group, current, clusterVersion, now, afterCluster, observed.autoScalingGroups);
  });
  // Deleting is opt-in: never act on an unlisted group unless the spec says so, whatever was observed.
  const pruned = (spec.pruneNodeGroups ? observed.unlistedNodeGroups : []).map((name): ProvisionAction => ({
    kind: 'DeleteNodegroup',
    classification: 'delete',
    target: { kind: 'nodegroup', name },
    reason: 'node group is not in the spec and pruneNodeGroups is on',
    changes: [],
    request: { clusterName: spec.name, nodegroupName: name },
    ...(afterCluster.length > 0 ? { after: afterCluster } : {}),
  }));
  return [...planned, ...pruned];
}

/**
 * The CreateNodegroup of one group of the spec at `version` (the control plane's), waiting for
 * `after`.
 *
 * @example
 * createNodegroup(spec, group, '1.31', ['cluster/kianax']).after; // ['cluster/kianax']
 */
export function createNodegroup(spec: ClusterSpec, group: NodeGroupSpec, version: string, after: readonly TargetId[]): ProvisionAction {
  const scaling = { minSize: group.scaling.min, maxSize: group.scaling.max, desiredSize: group.scaling.desired ?? group.scaling.min };
  const taints: Taint[] = group.taints.map((taint) => ({ key: taint.key, value: taint.value, effect: taint.effect }));
  return {
    kind: 'CreateNodegroup',
    classification: 'create',
    target: { kind: 'nodegroup', name: group.name },
    reason: 'node group does not exist',
    changes: [
      { field: 'instanceTypes', to: group.instanceTypes },
      { field: 'capacityType', to: group.capacityType },
      { field: 'scaling', to: `min ${scaling.minSize}, max ${scaling.maxSize}, desired ${scaling.desiredSize}` },
      ...(group.taints.length > 0 ? [{ field: 'taints', to: group.taints.map(formatTaint) }] : []),
    ],
    request: {
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
      // A new group starts at the control plane's version; the version steps bring both to the spec.
      version,
      ...(group.releaseVersion && version === spec.version ? { releaseVersion: group.releaseVersion } : {}),
      tags: group.tags,
    },
    ...(after.length > 0 ? { after } : {}),
  };
}

function planExistingNodegroup(
  spec: ClusterSpec,
  group: NodeGroupSpec,
  current: Nodegroup,
  clusterVersion: string,
  now: Date,
  afterCluster: readonly TargetId[],
  autoScalingGroups: ObservedState['autoScalingGroups'],
): ProvisionAction[] {
  const target = { kind: 'nodegroup', name: group.name };
  const after = afterCluster.length > 0 ? { after: afterCluster } : {};
  const status = current.status ?? 'ACTIVE';
  switch (status) {
    case 'ACTIVE':
    case 'DEGRADED':
      break;
    case 'CREATING':
    case 'UPDATING':
    case 'DELETING':
      return [{ kind: 'Wait', classification: 'no-op', target, reason: `node group is ${status}`, changes: [] }];
    case 'CREATE_FAILED':
    case 'DELETE_FAILED': {
      const issues = (current.health?.issues ?? []).map((issue) => `${issue.code ?? '?'}: ${issue.message ?? ''}`).join('; ');
      return [{ kind: 'Refuse', classification: 'forbidden', target, reason: `node group is ${status}${issues ? ` (${issues})` : ''}`, changes: [] }];
    }
    default:
      throw new Error(`unknown node group status ${String(status satisfies never)}`);
  }

  const replacement = [
    ...diffSet('instanceTypes', current.instanceTypes, group.instanceTypes),
    ...diffValue('capacityType', current.capacityType, group.capacityType),
    ...diffValue('amiType', current.amiType, group.amiType),
    // Node groups built from a launch template report no disk size; there is nothing to compare.
    ...(current.diskSize === undefined ? [] : diffValue('diskSize', current.diskSize, group.diskSize)),
    ...diffSet('subnetIds', current.subnets, group.subnetIds ?? spec.vpc.subnetIds),
    ...diffValue('nodeRoleArn', current.nodeRole, group.nodeRoleArn),
  ];
  if (replacement.length > 0) {
    return [
      {
        kind: 'ReplaceNodegroup',
        classification: 'replace',
        target,
        reason: 'these fields cannot change in place: add a group under a new name, move workloads, then remove this one',
        changes: replacement,
      },
    ];
  }

  // First: the tags settle at once, so a config update that starts an operation on the group does not hold them back.
  const actions: ProvisionAction[] = autoScalingGroups === undefined ? [] : planAutoscalerTags(spec, group, current, autoScalingGroups);
  const config = nodegroupConfigUpdate(spec, group, current, now);
  if (config) actions.push({ kind: 'UpdateNodegroupConfig', classification: 'update', target, ...config, ...after });

  const groupMinor = minor(current.version);
  const clusterMinor = minor(clusterVersion);
  if (groupMinor !== undefined && groupMinor < clusterMinor) {
    // UpdateNodegroupVersion takes the control plane's version (nodes are replaced, so none is skipped
    // over), and the pinned AMI with it: EKS would pick the latest, and cannot roll an AMI back after.
    const next = `1.${clusterMinor}`;
    const release = next === spec.version ? group.releaseVersion : undefined;
    actions.push({
      kind: 'UpdateNodegroupVersion',
      classification: 'update',
      target,
      reason: 'node group is behind the control plane',
      changes: [
        { field: 'version', from: current.version, to: next },
        ...(release === undefined ? [] : [{ field: 'releaseVersion', from: current.releaseVersion, to: release }]),
      ],
      request: { clusterName: spec.name, nodegroupName: group.name, version: next, ...(release === undefined ? {} : { releaseVersion: release }) },
      ...after,
    });
  } else if (group.releaseVersion !== undefined && clusterVersion === spec.version && current.releaseVersion !== group.releaseVersion) {
    actions.push({
      kind: 'UpdateNodegroupVersion',
      classification: 'update',
      target,
      reason: 'AMI release version differs from the spec',
      changes: [{ field: 'releaseVersion', from: current.releaseVersion, to: group.releaseVersion }],
      request: { clusterName: spec.name, nodegroupName: group.name, releaseVersion: group.releaseVersion },
      ...after,
    });
  }

  const override = readOverride(current.tags, now);
  if ((override.kind === 'expired' || override.kind === 'malformed') && current.nodegroupArn) {
    const present = OVERRIDE_TAG_KEYS.filter((key) => key in (current.tags ?? {}));
    actions.push({
      kind: 'UntagResource',
      classification: 'update',
      target,
      reason:
        override.kind === 'expired'
          ? `scaling override from ${override.override.source} has expired`
          : `scaling override tags are unreadable: ${override.reason}`,
      changes: present.map((key) => ({ field: `tags.${key}`, from: current.tags?.[key] })),
      request: { resourceArn: current.nodegroupArn, tagKeys: present },
    });
  }
  actions.push(...planTags(`nodegroup/${group.name}`, current.nodegroupArn, group.tags, current.tags));
  return actions;
}

/** Scaling bounds (an active override's, else the spec's), labels, taints and update config, in one request. */
function nodegroupConfigUpdate(
  spec: ClusterSpec,
  group: NodeGroupSpec,
  current: Nodegroup,
  now: Date,
): { reason: string; changes: Change[]; request: UpdateNodegroupConfigCommandInput } | undefined {
  const override = readOverride(current.tags, now);
  const active = override.kind === 'active' ? override.override : undefined;
  const min = active?.minSize ?? group.scaling.min;
  const max = Math.max(active?.maxSize ?? group.scaling.max, min);
  const observedScaling = current.scalingConfig ?? {};
  const observedDesired = observedScaling.desiredSize ?? min;
  // desiredSize belongs to the autoscaler: only bring it back inside [min, max].
  const desired = Math.min(Math.max(observedDesired, min), max);
  const changes: Change[] = [
    ...diffValue('scaling.min', observedScaling.minSize, min),
    ...diffValue('scaling.max', observedScaling.maxSize, max),
    ...diffValue('scaling.desired', observedDesired, desired),
  ];
  const scalingChanged = changes.length > 0;

  const currentLabels = current.labels ?? {};
  const addLabels = Object.fromEntries(Object.entries(group.labels).filter(([key, value]) => currentLabels[key] !== value));
  const removeLabels = Object.keys(currentLabels)
    .filter((key) => !(key in group.labels))
    .sort();
  if (Object.keys(addLabels).length > 0 || removeLabels.length > 0) {
    changes.push({ field: 'labels', from: sortedRecord(currentLabels), to: sortedRecord(group.labels) });
  }

  const wantedTaints = group.taints.map((taint): Taint => ({ key: taint.key, value: taint.value, effect: taint.effect }));
  const currentTaints = current.taints ?? [];
  const addTaints = wantedTaints.filter((taint) => !currentTaints.some((other) => sameTaint(taint, other)));
  const removeTaints = currentTaints.filter((taint) => !wantedTaints.some((other) => other.key === taint.key && other.effect === taint.effect));
  if (addTaints.length > 0 || removeTaints.length > 0) {
    changes.push({ field: 'taints', from: currentTaints.map(formatTaint).sort(), to: wantedTaints.map(formatTaint).sort() });
  }

  const updateConfigChanges = [
    ...diffValue(
      'updateConfig.maxUnavailable',
      current.updateConfig?.maxUnavailable,
      'maxUnavailable' in group.updateConfig ? group.updateConfig.maxUnavailable : undefined,
    ),
    ...diffValue(
      'updateConfig.maxUnavailablePercentage',
      current.updateConfig?.maxUnavailablePercentage,
      'maxUnavailablePercentage' in group.updateConfig ? group.updateConfig.maxUnavailablePercentage : undefined,
    ),
  ];
  changes.push(...updateConfigChanges);
  if (changes.length === 0) return undefined;

  const reason = active
    ? `differs from the spec with the scaling override from ${active.source} (until ${active.expires.toISOString()})`
    : 'configuration differs from the spec';
  return {
    reason,
    changes,
    request: {
      clusterName: spec.name,
      nodegroupName: group.name,
      ...(scalingChanged ? { scalingConfig: { minSize: min, maxSize: max, ...(desired === observedDesired ? {} : { desiredSize: desired }) } } : {}),
      ...(Object.keys(addLabels).length > 0 || removeLabels.length > 0
        ? { labels: { ...(Object.keys(addLabels).length > 0 ? { addOrUpdateLabels: addLabels } : {}), ...(removeLabels.length > 0 ? { removeLabels } : {}) } }
        : {}),
      ...(addTaints.length > 0 || removeTaints.length > 0
        ? { taints: { ...(addTaints.length > 0 ? { addOrUpdateTaints: addTaints } : {}), ...(removeTaints.length > 0 ? { removeTaints } : {}) } }
        : {}),
      ...(updateConfigChanges.length > 0 ? { updateConfig: group.updateConfig } : {}),
    },
  };
}

function formatTaint(taint: Taint | NodeGroupSpec['taints'][number]): string {
  return `${taint.key ?? ''}=${taint.value ?? ''}:${taint.effect ?? ''}`;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '');
}
