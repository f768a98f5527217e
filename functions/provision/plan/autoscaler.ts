/**
 * Step 6b of provision's plan, Cluster Autoscaler: the auto-discovery and node-template tags on the
 * Auto Scaling group EKS made for each managed node group of the spec
 * (shared/model/cluster-spec/autoscaler-tags.ts says which tags and why). Only keys provision owns
 * are written or removed; a group's other tags are never touched.
 */
import type { AutoScalingGroup, Tag } from '@aws-sdk/client-auto-scaling';
import type { Nodegroup } from '@aws-sdk/client-eks';
import { autoscalerTags, ownsAutoscalerTag } from '../../../shared/model/cluster-spec/autoscaler-tags';
import type { ClusterSpec, NodeGroupSpec } from '../../../shared/model/cluster-spec/schema';
import type { ProvisionAction } from '../actions';

/**
 * The Auto Scaling groups of a node group as EKS reports them (`resources.autoScalingGroups`),
 * only once the group is ACTIVE or DEGRADED: while it is created, EKS may not name its group yet.
 *
 * @example
 * autoScalingGroupsOf(nodegroup); // ['eks-jobs-ng-4ac5d6e2-...']
 */
export function autoScalingGroupsOf(nodegroup: Nodegroup): string[] {
  if (nodegroup.status !== 'ACTIVE' && nodegroup.status !== 'DEGRADED') return [];
  return (nodegroup.resources?.autoScalingGroups ?? []).flatMap((group) => (group.name === undefined ? [] : [group.name]));
}

/**
 * Writes the tags a group's Auto Scaling groups lack or hold another value for, and removes the
 * node-template tags the spec no longer derives (a label or taint taken off). A group whose Auto
 * Scaling group Auto Scaling does not list (yet) gets nothing this run; the next run finds it.
 *
 * @example
 * planAutoscalerTags(spec, group, nodegroup, { 'eks-jobs-ng-4ac5': asg }).map((action) => action.kind);
 * // ['CreateOrUpdateTags'] for a new spot group with labels and taints
 */
export function planAutoscalerTags(
  spec: ClusterSpec,
  group: NodeGroupSpec,
  nodegroup: Nodegroup,
  observed: Readonly<Record<string, AutoScalingGroup>>,
): ProvisionAction[] {
  const wanted = autoscalerTags(spec.name, group);
  const target = { kind: 'nodegroup', name: group.name };
  const upserts: Tag[] = [];
  const removals: Tag[] = [];
  const changes: { field: string; from?: string; to?: string }[] = [];
  for (const name of autoScalingGroupsOf(nodegroup)) {
    const asg = observed[name];
    if (asg === undefined) continue;
    const current = Object.fromEntries((asg.Tags ?? []).flatMap((tag) => (tag.Key === undefined ? [] : [[tag.Key, tag.Value ?? '']])));
    for (const key of Object.keys(wanted).sort()) {
      if (current[key] === wanted[key]) continue;
      upserts.push({ ResourceId: name, ResourceType: 'auto-scaling-group', Key: key, Value: wanted[key], PropagateAtLaunch: false });
      changes.push({ field: `asgTags.${key}`, ...(current[key] === undefined ? {} : { from: current[key] }), to: wanted[key] });
    }
    for (const key of Object.keys(current).sort()) {
      if (key in wanted || !ownsAutoscalerTag(spec.name, key)) continue;
      removals.push({ ResourceId: name, ResourceType: 'auto-scaling-group', Key: key });
      changes.push({ field: `asgTags.${key}`, from: current[key] });
    }
  }
  const actions: ProvisionAction[] = [];
  if (upserts.length > 0) {
    actions.push({
      kind: 'CreateOrUpdateTags',
      classification: 'update',
      target,
      reason: 'Cluster Autoscaler tags on the Auto Scaling group differ from the node group in the spec',
      changes: changes.filter((change) => change.to !== undefined),
      request: { Tags: upserts },
    });
  }
  if (removals.length > 0) {
    actions.push({
      kind: 'DeleteTags',
      classification: 'update',
      target,
      reason: 'node-template tags on the Auto Scaling group name labels or taints the node group no longer has',
      changes: changes.filter((change) => change.to === undefined),
      request: { Tags: removals },
    });
  }
  return actions;
}
