/**
 * Pure planning for provision: (desired spec, observed account, now) -> Plan. No SDK client, no
 * clock, no I/O. Requests are built here, in full, so the printed plan is exactly what apply sends.
 *
 * Priority, as CDK's cluster handler decides after analysing an update: refuse what cannot change
 * in place; create a missing cluster; wait for what is in progress; control-plane config; version
 * (one minor step at a time, control plane before node groups); node groups; add-ons, access
 * entries, tags. Defaults are already applied by the schema and sets compare ignoring order, so
 * nothing shows false drift.
 */
import type {
  Addon,
  AssociatedAccessPolicy,
  Cluster,
  Nodegroup,
  Taint,
  UpdateNodegroupConfigCommandInput,
} from '@aws-sdk/client-eks';
import { parse as parseYaml } from 'yaml';
import type { Change, Plan, TargetId } from '../../../shared/plan/plan';
import { targetId } from '../../../shared/plan/plan';
import { OVERRIDE_TAG_KEYS, readOverride } from '../../../shared/overrides';
import type { AccessEntrySpec, AddonSpec, ClusterSpec, NodeGroupSpec } from '../../../shared/spec/schema';
import type { ProvisionAction } from '../actions';
import type { ObservedAccessEntry, ObservedState } from '../observed';

export interface PlanOptions {
  /** The instant the plan is made for: decides whether a scaling override is still active. */
  now: Date;
  /** The spec file, for the plan's heading. */
  source?: string;
}

/** Add-ons nodes need before they can become Ready: created before the node groups. */
const NETWORK_ADDONS = new Set(['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']);

/** Authentication modes in the only order EKS lets a cluster move through. */
const AUTH_MODE_STEPS = ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const;

/**
 * Plans one cluster.
 *
 * @example
 * const plan = planCluster(spec, EMPTY_ACCOUNT, { now: new Date(), source: 'examples/starter/cluster.yaml' });
 * plan.actions.map((action) => action.kind); // ['CreateCluster', 'CreateNodegroup', ...]
 */
export function planCluster(desired: ClusterSpec, observed: ObservedState, options: PlanOptions): Plan<ProvisionAction> {
  const subject = { cluster: desired.name, region: desired.region, ...(options.source === undefined ? {} : { source: options.source }) };
  const cluster = observed.cluster;
  if (cluster === null) return { subject, actions: planNewCluster(desired) };

  const refusals = refuseImmutableChanges(desired, cluster);
  const waits = waitForCluster(desired, cluster, observed);
  const controlPlane = [...planClusterConfig(desired, cluster), ...planControlPlaneVersion(desired, cluster, observed)];
  // Anything else waits while the control plane is busy or about to be: EKS takes one update at a time.
  const clusterBusy = waits.length > 0 || controlPlane.length > 0;
  const afterCluster: readonly TargetId[] = clusterBusy ? [`cluster/${desired.name}`] : [];
  // Access entries need an ACTIVE cluster whose authentication mode includes the EKS API.
  const accessAfter: readonly TargetId[] = waits.length > 0 || authMode(cluster) === 'CONFIG_MAP' ? [`cluster/${desired.name}`] : [];
  const actions: ProvisionAction[] = [
    ...refusals,
    ...waits,
    ...controlPlane,
    ...planNodeGroups(desired, cluster, observed, options.now, afterCluster, [...afterCluster, ...networkNotReady(desired, observed)]),
    ...planAddons(desired, observed, afterCluster, [...afterCluster, ...nodesNotReady(desired, observed)]),
    ...planAccessEntries(desired, observed, accessAfter),
    ...planTags(`cluster/${desired.name}`, cluster.arn, desired.tags, cluster.tags),
  ];
  return { subject, actions: orderVersionSteps(actions) };
}

/**
 * Every target a plan of this spec can name, in plan order; `only` may name any of them. Two kinds
 * of target come from the account, not the spec: with `pruneNodeGroups` on, any `nodegroup/<name>`
 * (a group to delete), and `access-policy/<principal>/<policy>` of a spec principal (a policy to
 * disassociate); `targetFits` admits those.
 *
 * @example
 * specTargets(spec); // ['cluster/kianax', 'nodegroup/general-ng', 'addon/vpc-cni', ...]
 */
export function specTargets(spec: ClusterSpec): TargetId[] {
  return [
    `cluster/${spec.name}`,
    ...spec.nodeGroups.map((group): TargetId => `nodegroup/${group.name}`),
    ...spec.addons.map((addon): TargetId => `addon/${addon.name}`),
    ...spec.accessEntries.flatMap((entry): TargetId[] => [
      `access-entry/${entry.principalArn}`,
      ...entry.accessPolicies.map((policy): TargetId => `access-policy/${entry.principalArn}/${policyName(accessPolicyArn(policy.policy, spec.region))}`),
    ]),
  ];
}

/**
 * Whether a plan of this spec may name the target: one of {@link specTargets}, or one that only the
 * account can have (see there).
 *
 * @example
 * targetFits(spec, 'nodegroup/old-ng'); // true only when spec.pruneNodeGroups is on
 */
export function targetFits(spec: ClusterSpec, target: string): boolean {
  if ((specTargets(spec) as string[]).includes(target)) return true;
  if (spec.pruneNodeGroups && target.startsWith('nodegroup/') && target.length > 'nodegroup/'.length) return true;
  return spec.accessEntries.some((entry) => target.startsWith(`access-policy/${entry.principalArn}/`));
}

// ---- 1. What cannot change in place -------------------------------------------------------------

function refuseImmutableChanges(spec: ClusterSpec, cluster: Cluster): ProvisionAction[] {
  const refusals: ProvisionAction[] = [];
  const refuse = (field: string, from: unknown, to: unknown, reason: string): void => {
    refusals.push({
      kind: 'Refuse',
      classification: 'forbidden',
      target: { kind: 'cluster', name: spec.name },
      reason,
      changes: [{ field, from, to }],
    });
  };
  if (cluster.roleArn !== undefined && cluster.roleArn !== spec.roleArn) {
    refuse('roleArn', cluster.roleArn, spec.roleArn, 'the cluster role cannot change in place; a new cluster would be needed');
  }
  const keyArn = cluster.encryptionConfig?.[0]?.provider?.keyArn;
  if (keyArn !== undefined && keyArn !== spec.encryptionKeyArn) {
    refuse(
      'encryptionKeyArn',
      keyArn,
      spec.encryptionKeyArn,
      spec.encryptionKeyArn === undefined
        ? 'envelope encryption with your own KMS key cannot be turned off once enabled'
        : 'the envelope encryption KMS key cannot change once set',
    );
  }
  const from = authMode(cluster);
  if (AUTH_MODE_STEPS.indexOf(spec.authenticationMode) < AUTH_MODE_STEPS.indexOf(from)) {
    refuse('authenticationMode', from, spec.authenticationMode, `authentication mode moves one way only (${AUTH_MODE_STEPS.join(' -> ')})`);
  }
  const version = minor(cluster.version);
  if (version !== undefined && minor(spec.version) < version) {
    refuse('version', cluster.version, spec.version, 'EKS cannot downgrade Kubernetes');
  }
  return refusals;
}

// ---- 2. A missing cluster -----------------------------------------------------------------------

/** Create the cluster, then, in dependency order, everything that lives in it. */
function planNewCluster(spec: ClusterSpec): ProvisionAction[] {
  const cluster: TargetId = `cluster/${spec.name}`;
  const networkAddons = spec.addons.filter((addon) => NETWORK_ADDONS.has(addon.name));
  const otherAddons = spec.addons.filter((addon) => !NETWORK_ADDONS.has(addon.name));
  const nodesAfter: TargetId[] = [cluster, ...networkAddons.map((addon): TargetId => `addon/${addon.name}`)];
  const nodeGroups: TargetId[] = spec.nodeGroups.map((group): TargetId => `nodegroup/${group.name}`);
  return [
    createCluster(spec),
    ...spec.accessEntries.flatMap((entry) => createAccessEntry(spec, entry, [cluster])),
    ...networkAddons.map((addon) => createAddon(spec, addon, [cluster])),
    ...spec.nodeGroups.map((group) => createNodegroup(spec, group, spec.version, nodesAfter)),
    // coredns, metrics-server and the like run as pods: they only become healthy once nodes exist.
    ...otherAddons.map((addon) => createAddon(spec, addon, [cluster, ...nodeGroups])),
  ];
}

function createCluster(spec: ClusterSpec): ProvisionAction {
  const { vpc } = spec;
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
      ...(spec.encryptionKeyArn
        ? { encryptionConfig: [{ provider: { keyArn: spec.encryptionKeyArn } }] }
        : {}),
      tags: spec.tags,
    },
  };
}

// ---- 3. What is in progress ---------------------------------------------------------------------

function waitForCluster(spec: ClusterSpec, cluster: Cluster, observed: ObservedState): ProvisionAction[] {
  const target = { kind: 'cluster', name: spec.name };
  const status = cluster.status ?? 'ACTIVE';
  switch (status) {
    case 'ACTIVE':
      return [];
    case 'CREATING':
    case 'PENDING':
    case 'UPDATING': {
      const updates = observed.updatesInProgress
        .filter((update) => update.status === 'InProgress')
        .map((update) => `${update.type ?? 'update'} ${update.id ?? ''}`.trim());
      const detail = updates.length > 0 ? `: ${updates.join(', ')}` : '';
      return [{ kind: 'Wait', classification: 'no-op', target, reason: `cluster is ${status}${detail}`, changes: [] }];
    }
    case 'DELETING':
    case 'FAILED':
      return [{ kind: 'Refuse', classification: 'forbidden', target, reason: `cluster is ${status}; a person must look before provision acts`, changes: [] }];
    default:
      throw new Error(`unknown cluster status ${String(status satisfies never)}`);
  }
}

// ---- 4. Control-plane configuration -------------------------------------------------------------

/** One UpdateClusterConfig per kind of change: EKS refuses requests that mix them. */
function planClusterConfig(spec: ClusterSpec, cluster: Cluster): ProvisionAction[] {
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
      reason: next === spec.authenticationMode ? 'authentication mode differs from the spec' : `authentication mode moves one step at a time, towards ${spec.authenticationMode}`,
      changes: [{ field: 'authenticationMode', from: mode, to: next }],
      request: { name: spec.name, accessConfig: { authenticationMode: next } },
    });
  }

  if (spec.encryptionKeyArn !== undefined && cluster.encryptionConfig?.[0]?.provider?.keyArn === undefined) {
    actions.push({
      kind: 'AssociateEncryptionConfig',
      classification: 'update',
      target,
      reason: 'envelope encryption with the spec\'s KMS key is not enabled',
      changes: [{ field: 'encryptionKeyArn', from: undefined, to: spec.encryptionKeyArn }],
      request: { clusterName: spec.name, encryptionConfig: [{ provider: { keyArn: spec.encryptionKeyArn } }] },
    });
  }
  return actions;
}

// ---- 5. Kubernetes version ----------------------------------------------------------------------

/**
 * One minor version per step. Before the control plane moves, every node group catches up with it
 * (AWS's upgrade guidance; EKS itself tolerates kubelets a few versions behind), so a lagging node
 * group's update comes first.
 */
function planControlPlaneVersion(spec: ClusterSpec, cluster: Cluster, observed: ObservedState): ProvisionAction[] {
  const current = minor(cluster.version);
  if (current === undefined || minor(spec.version) <= current) return [];
  const lagging = Object.values(observed.nodeGroups)
    .filter((group) => (minor(group.version) ?? current) < current)
    .map((group): TargetId => `nodegroup/${group.nodegroupName ?? ''}`);
  const next = `1.${current + 1}`;
  const remaining = minor(spec.version) - current;
  return [
    {
      kind: 'UpdateClusterVersion',
      classification: 'update',
      target: { kind: 'cluster', name: spec.name },
      reason:
        remaining > 1
          ? `Kubernetes ${cluster.version ?? '?'} -> ${spec.version} goes one minor version per step (${remaining} steps)`
          : 'Kubernetes version differs from the spec',
      changes: [{ field: 'version', from: cluster.version, to: next }],
      request: { name: spec.name, version: next },
      ...(lagging.length > 0 ? { after: lagging } : {}),
    },
  ];
}

/**
 * A node group's version update must run before the control-plane step that waits for it, and so
 * waits for the cluster only while something else is pending on it (else the two would wait for
 * each other).
 */
function orderVersionSteps(actions: ProvisionAction[]): ProvisionAction[] {
  const upgrade = actions.find((action) => action.kind === 'UpdateClusterVersion');
  if (!upgrade?.after) return actions;
  const waitedFor = new Set<string>(upgrade.after);
  const first = actions.filter(
    (action): action is Extract<ProvisionAction, { kind: 'UpdateNodegroupVersion' }> =>
      action.kind === 'UpdateNodegroupVersion' && waitedFor.has(`nodegroup/${action.target.name}`),
  );
  const firstSet = new Set<ProvisionAction>(first);
  const rest = actions.filter((action) => !firstSet.has(action));
  const at = rest.indexOf(upgrade);
  const cluster = targetId(upgrade.target);
  const clusterBusyBefore = rest.slice(0, at).some((action) => targetId(action.target) === cluster);
  const moved = first.map((action): ProvisionAction => {
    if (clusterBusyBefore) return action;
    const { after = [], ...step } = action;
    const others = after.filter((id) => id !== cluster);
    return others.length > 0 ? { ...step, after: others } : step;
  });
  return [...rest.slice(0, at), ...moved, ...rest.slice(at)];
}

// ---- 6. Node groups -----------------------------------------------------------------------------

/**
 * The dependencies of a new cluster hold on every run, not only the first: nodes wait for the
 * network add-ons the spec lists, and add-ons that run as pods wait for a node group to be ACTIVE.
 */
function networkNotReady(spec: ClusterSpec, observed: ObservedState): TargetId[] {
  return spec.addons
    .filter((addon) => NETWORK_ADDONS.has(addon.name) && observed.addons[addon.name]?.status !== 'ACTIVE')
    .map((addon): TargetId => `addon/${addon.name}`);
}

function nodesNotReady(spec: ClusterSpec, observed: ObservedState): TargetId[] {
  const anyActive = spec.nodeGroups.some((group) => observed.nodeGroups[group.name]?.status === 'ACTIVE');
  return anyActive ? [] : spec.nodeGroups.map((group): TargetId => `nodegroup/${group.name}`);
}

function planNodeGroups(
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
    return planExistingNodegroup(spec, group, current, clusterVersion, now, afterCluster);
  });
  // Deleting is opt-in: never act on an unlisted group unless the spec says so, whatever was observed.
  const pruned = (spec.pruneNodeGroups ? observed.unlistedNodeGroups : []).map(
    (name): ProvisionAction => ({
      kind: 'DeleteNodegroup',
      classification: 'delete',
      target: { kind: 'nodegroup', name },
      reason: 'node group is not in the spec and pruneNodeGroups is on',
      changes: [],
      request: { clusterName: spec.name, nodegroupName: name },
      ...(afterCluster.length > 0 ? { after: afterCluster } : {}),
    }),
  );
  return [...planned, ...pruned];
}

function createNodegroup(spec: ClusterSpec, group: NodeGroupSpec, version: string, after: readonly TargetId[]): ProvisionAction {
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

  const actions: ProvisionAction[] = [];
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
      reason: override.kind === 'expired' ? `scaling override from ${override.override.source} has expired` : `scaling override tags are unreadable: ${override.reason}`,
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
  const removeLabels = Object.keys(currentLabels).filter((key) => !(key in group.labels)).sort();
  if (Object.keys(addLabels).length > 0 || removeLabels.length > 0) {
    changes.push({ field: 'labels', from: sortedRecord(currentLabels), to: sortedRecord(group.labels) });
  }

  const wantedTaints = group.taints.map((taint): Taint => ({ key: taint.key, value: taint.value, effect: taint.effect }));
  const currentTaints = current.taints ?? [];
  const addTaints = wantedTaints.filter((taint) => !currentTaints.some((other) => sameTaint(taint, other)));
  const removeTaints = currentTaints.filter(
    (taint) => !wantedTaints.some((other) => other.key === taint.key && other.effect === taint.effect),
  );
  if (addTaints.length > 0 || removeTaints.length > 0) {
    changes.push({ field: 'taints', from: currentTaints.map(formatTaint).sort(), to: wantedTaints.map(formatTaint).sort() });
  }

  const updateConfigChanges = [
    ...diffValue('updateConfig.maxUnavailable', current.updateConfig?.maxUnavailable, 'maxUnavailable' in group.updateConfig ? group.updateConfig.maxUnavailable : undefined),
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

// ---- 7. Add-ons, access entries, tags -----------------------------------------------------------

function planAddons(
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

function createAddon(spec: ClusterSpec, addon: AddonSpec, after: readonly TargetId[]): ProvisionAction {
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

function planAccessEntries(spec: ClusterSpec, observed: ObservedState, after: readonly TargetId[]): ProvisionAction[] {
  return spec.accessEntries.flatMap((entry) => {
    const current = observed.accessEntries[entry.principalArn];
    // Listed but not described this run: it exists, and its detail is compared on the hourly check.
    if (current === undefined && observed.listedAccessEntries.includes(entry.principalArn)) return [];
    if (current === undefined) return createAccessEntry(spec, entry, after);
    return updateAccessEntry(spec, entry, current);
  });
}

function createAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec, after: readonly TargetId[]): ProvisionAction[] {
  const create: ProvisionAction = {
    kind: 'CreateAccessEntry',
    classification: 'create',
    target: { kind: 'access-entry', name: entry.principalArn },
    reason: 'access entry does not exist',
    changes: entry.kubernetesGroups.length > 0 ? [{ field: 'kubernetesGroups', to: entry.kubernetesGroups }] : [],
    request: {
      clusterName: spec.name,
      principalArn: entry.principalArn,
      type: 'STANDARD',
      kubernetesGroups: entry.kubernetesGroups,
      ...(entry.username ? { username: entry.username } : {}),
      tags: entry.tags,
    },
    ...(after.length > 0 ? { after } : {}),
  };
  return [create, ...entry.accessPolicies.map((policy) => associatePolicy(spec, entry, policy, 'access policy is not associated'))];
}

function updateAccessEntry(spec: ClusterSpec, entry: AccessEntrySpec, current: ObservedAccessEntry): ProvisionAction[] {
  const actions: ProvisionAction[] = [];
  const changes = [
    ...diffSet('kubernetesGroups', current.entry.kubernetesGroups, entry.kubernetesGroups),
    ...(entry.username === undefined ? [] : diffValue('username', current.entry.username, entry.username)),
  ];
  if (changes.length > 0) {
    actions.push({
      kind: 'UpdateAccessEntry',
      classification: 'update',
      target: { kind: 'access-entry', name: entry.principalArn },
      reason: 'access entry differs from the spec',
      changes,
      request: {
        clusterName: spec.name,
        principalArn: entry.principalArn,
        kubernetesGroups: entry.kubernetesGroups,
        ...(entry.username ? { username: entry.username } : {}),
      },
    });
  }
  const wanted = new Map(entry.accessPolicies.map((policy) => [accessPolicyArn(policy.policy, spec.region), policy]));
  for (const [policyArn, policy] of wanted) {
    const associated = current.policies.find((other) => other.policyArn === policyArn);
    if (associated === undefined) {
      actions.push(associatePolicy(spec, entry, policy, 'access policy is not associated'));
    } else if (!sameScope(associated, policy.namespaces)) {
      actions.push(associatePolicy(spec, entry, policy, 'access policy scope differs from the spec', scopeLabel(associated.accessScope?.type, associated.accessScope?.namespaces)));
    }
  }
  for (const associated of current.policies) {
    if (associated.policyArn === undefined || wanted.has(associated.policyArn)) continue;
    actions.push({
      kind: 'DisassociateAccessPolicy',
      classification: 'update',
      target: { kind: 'access-policy', name: `${entry.principalArn}/${policyName(associated.policyArn)}` },
      reason: 'access policy is associated but not in the spec',
      changes: [{ field: 'scope', from: scopeLabel(associated.accessScope?.type, associated.accessScope?.namespaces) }],
      request: { clusterName: spec.name, principalArn: entry.principalArn, policyArn: associated.policyArn },
    });
  }
  actions.push(...planTags(`access-entry/${entry.principalArn}`, current.entry.accessEntryArn, entry.tags, current.entry.tags));
  return actions;
}

function associatePolicy(
  spec: ClusterSpec,
  entry: AccessEntrySpec,
  policy: AccessEntrySpec['accessPolicies'][number],
  reason: string,
  from?: string,
): ProvisionAction {
  const policyArn = accessPolicyArn(policy.policy, spec.region);
  const to = scopeLabel(policy.namespaces ? 'namespace' : 'cluster', policy.namespaces);
  return {
    kind: 'AssociateAccessPolicy',
    classification: from === undefined ? 'create' : 'update',
    target: { kind: 'access-policy', name: `${entry.principalArn}/${policyName(policyArn)}` },
    reason,
    changes: [{ field: 'scope', ...(from === undefined ? {} : { from }), to }],
    request: {
      clusterName: spec.name,
      principalArn: entry.principalArn,
      policyArn,
      accessScope: policy.namespaces ? { type: 'namespace', namespaces: policy.namespaces } : { type: 'cluster' },
    },
    after: [`access-entry/${entry.principalArn}`],
  };
}

function sameScope(associated: AssociatedAccessPolicy, namespaces: readonly string[] | undefined): boolean {
  const type = associated.accessScope?.type ?? 'cluster';
  if (namespaces === undefined) return type === 'cluster';
  return type === 'namespace' && sameSet(associated.accessScope?.namespaces, namespaces);
}

function scopeLabel(type: string | undefined, namespaces: readonly string[] | undefined): string {
  return type === 'namespace' ? `namespaces ${[...(namespaces ?? [])].sort().join(', ')}` : 'cluster';
}

/**
 * Adds and corrects the spec's tags. Tags the spec does not name are left alone: AWS services and
 * other tools tag clusters too, and the scaling-override tags belong to scale-watch.
 */
function planTags(
  targetIdText: TargetId,
  resourceArn: string | undefined,
  wanted: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>> | undefined,
): ProvisionAction[] {
  if (resourceArn === undefined) return [];
  const missing = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => current?.[key] !== value));
  const keys = Object.keys(missing).sort();
  if (keys.length === 0) return [];
  const slash = targetIdText.indexOf('/');
  return [
    {
      kind: 'TagResource',
      classification: 'update',
      target: { kind: targetIdText.slice(0, slash), name: targetIdText.slice(slash + 1) },
      reason: 'tags differ from the spec',
      changes: keys.map((key) => ({ field: `tags.${key}`, from: current?.[key], to: missing[key] })),
      request: { resourceArn, tags: missing },
    },
  ];
}

// ---- helpers ------------------------------------------------------------------------------------

/** `AmazonEKSViewPolicy` -> `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy`, in the Region's partition. */
export function accessPolicyArn(policy: string, region: string): string {
  if (policy.startsWith('arn:')) return policy;
  return `arn:${partitionOf(region)}:eks::aws:cluster-access-policy/${policy}`;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function policyName(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf('/') + 1);
}

function authMode(cluster: Cluster): (typeof AUTH_MODE_STEPS)[number] {
  // Clusters made before access entries existed report no access config: they use the aws-auth ConfigMap.
  return cluster.accessConfig?.authenticationMode ?? 'CONFIG_MAP';
}

/** "1.31" -> 31. */
function minor(version: string): number;
function minor(version: string | undefined): number | undefined;
function minor(version: string | undefined): number | undefined {
  const match = /^1\.(\d+)/.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

function endpointLabel(publicAccess: boolean, privateAccess: boolean, cidrs: readonly string[]): string {
  const sides = [publicAccess && `public (${cidrs.join(', ')})`, privateAccess && 'private'];
  return sides.filter(Boolean).join(' + ');
}

function formatTaint(taint: Taint | NodeGroupSpec['taints'][number]): string {
  return `${taint.key ?? ''}=${taint.value ?? ''}:${taint.effect ?? ''}`;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '');
}

function diffValue<T>(field: string, from: T | undefined, to: T | undefined): Change[] {
  return from === to ? [] : [{ field, from, to }];
}

function diffSet(field: string, from: readonly string[] | undefined, to: readonly string[]): Change[] {
  return sameSet(from, to) ? [] : [{ field, from: [...(from ?? [])].sort(), to: [...to].sort() }];
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
