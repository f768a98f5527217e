/**
 * Pure planning for provision: (desired spec, observed account, now) -> Plan. No SDK client, no
 * clock, no I/O. Requests are built here, in full, so the printed plan is exactly what apply sends.
 *
 * Priority, as CDK's cluster handler decides after analysing an update: refuse what cannot change
 * in place; create a missing cluster; wait for what is in progress; control-plane config and EKS
 * Auto Mode; version (one minor step at a time, control plane before node groups); node groups;
 * add-ons, access entries, Pod Identity associations, tags. Defaults are already applied by the schema and sets compare ignoring order, so
 * nothing shows false drift.
 *
 * This file holds that priority and what waits for what; each step has its own file beside it
 * (refusals, new-cluster, in-progress, cluster-config, auto-mode, version, node-groups, addons,
 * access, pod-identities, tags),
 * and compare.ts the value and set comparisons they share.
 */
import type { Plan, TargetId } from '../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';
import type { ObservedState } from '../observed';
import { accessPolicyArn, planAccessEntries, policyName } from './access';
import { planAddons } from './addons';
import { planAutoMode, refuseAutoMode } from './auto-mode';
import { authMode, planClusterConfig } from './cluster-config';
import { waitForCluster } from './in-progress';
import { planNewCluster } from './new-cluster';
import { networkNotReady, nodesNotReady, planNodeGroups } from './node-groups';
import { planPodIdentities, podIdentityTarget } from './pod-identities';
import { refuseImmutableChanges } from './refusals';
import { planTags } from './tags';
import { orderVersionSteps, planControlPlaneVersion } from './version';

export { accessPolicyArn, partitionOf } from './access';

export interface PlanOptions {
  /** The instant the plan is made for: decides whether a scaling override is still active. */
  now: Date;
  /** The spec file, for the plan's heading. */
  source?: string;
}

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

  const refusals = [...refuseImmutableChanges(desired, cluster), ...refuseAutoMode(desired, cluster)];
  const waits = waitForCluster(desired, cluster, observed);
  const controlPlane = [
    ...planClusterConfig(desired, cluster),
    ...(refusals.length > 0 ? [] : planAutoMode(desired, cluster)),
    ...planControlPlaneVersion(desired, cluster, observed),
  ];
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
    ...planPodIdentities(desired, observed, waits.length > 0 ? [`cluster/${desired.name}`] : []),
    ...planTags(`cluster/${desired.name}`, cluster.arn, desired.tags, cluster.tags),
  ];
  return { subject, actions: orderVersionSteps(actions) };
}

/**
 * Every target a plan of this spec can name, in plan order; `only` may name any of them. Three kinds
 * of target come from the account, not the spec: with `pruneNodeGroups` on, any `nodegroup/<name>`
 * (a group to delete), `access-policy/<principal>/<policy>` of a spec principal (a policy to
 * disassociate), and with `podIdentities` set, any `pod-identity/<namespace>/<serviceAccount>` (one
 * eks-pilot created to delete); `targetFits` admits those.
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
    ...(spec.podIdentities ?? []).map((identity) => podIdentityTarget(identity.namespace, identity.serviceAccount)),
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
  if (spec.podIdentities !== undefined && /^pod-identity\/[^/]+\/[^/]+$/.test(target)) return true;
  return spec.accessEntries.some((entry) => target.startsWith(`access-policy/${entry.principalArn}/`));
}
