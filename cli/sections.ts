/**
 * Plan sections other than the cluster's, printed with the one plan table every function shares
 * (shared/model/plan/render.ts) under their own heading, and the JSON form of any plan.
 */
import type { AlarmAction } from '../functions/scale-watch/alarms';
import type { Plan } from '../shared/model/plan/plan';
import { planStatus, summarise } from '../shared/model/plan/plan';
import { renderPlan } from '../shared/model/plan/render';
import { autoscalerTags } from '../shared/model/cluster-spec/autoscaler-tags';
import { PLATFORM_LABEL } from '../shared/model/cluster-spec/platform';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';
import type { PlatformTarget } from '../functions/deploy/model/platform';
import { renderPlatform } from '../functions/deploy/model/platform';
import { describeObject } from '../functions/deploy/model/manifests';

/**
 * The alarms-as-code plan of a cluster: what scale-watch's schedule would create or update.
 *
 * @example
 * renderAlarmPlan(planAlarms(spec, [])); // 'Alarms of kianax (eu-west-1)\n  #  ...  PutMetricAlarm  alarm/kianax-general-ng-cpu-high  create ...'
 */
export function renderAlarmPlan(plan: Plan<AlarmAction>, alarms: number): string {
  const heading = `Alarms of ${plan.subject.cluster} (${plan.subject.region})`;
  if (alarms === 0) return `${heading}\n  None: the spec has no alarms.\n`;
  const [, ...table] = renderPlan(plan).trimEnd().split('\n');
  return `${[heading, ...table.map((line) => line.replace('No changes. The cluster matches its spec.', 'No changes. The alarms match the spec.'))].join('\n')}\n`;
}

/**
 * A plan as scripts read it: its subject, status, summary and actions (shared/model/plan/render.ts `planToJson` shape).
 *
 * @example
 * planJson(plan).status; // 'changes'
 */
export function planJson(plan: Plan): Record<string, unknown> {
  return { ...plan.subject, status: planStatus(plan), summary: summarise(plan), actions: plan.actions };
}

/**
 * The Cluster Autoscaler tags provision keeps on each node group's Auto Scaling group, as the spec
 * derives them: what the autoscaler discovers the group by, and the labels and taints it assumes for
 * a group at 0 nodes.
 *
 * @example
 * renderAutoscalerTags(spec); // 'Node groups of kianax (us-east-1): the Cluster Autoscaler tags on their Auto Scaling groups\n  nodegroup/jobs-ng (0-10) ...'
 */
export function renderAutoscalerTags(spec: ClusterSpec): string {
  const heading = `Node groups of ${spec.name} (${spec.region}): the Cluster Autoscaler tags on their Auto Scaling groups`;
  if (spec.nodeGroups.length === 0) return `${heading}\n  None: the spec has no node groups.\n`;
  const lines = spec.nodeGroups.flatMap((group) => [
    `  nodegroup/${group.name} (${String(group.scaling.min)}-${String(group.scaling.max)} nodes)`,
    ...Object.entries(autoscalerTags(spec.name, group)).map(([key, value]) => `    ${key} = ${value}`),
  ]);
  return `${[heading, ...lines].join('\n')}\n`;
}

/** The Cluster Autoscaler tags of every node group, as scripts read them. */
export function autoscalerTagsJson(spec: ClusterSpec): { cluster: string; nodeGroup: string; tags: Record<string, string> }[] {
  return spec.nodeGroups.map((group) => ({ cluster: spec.name, nodeGroup: group.name, tags: autoscalerTags(spec.name, group) }));
}

/**
 * The platform components deploy-worker applies before the workloads, object by object in apply
 * order, with the role they are applied as.
 *
 * @example
 * renderPlatformPlan(spec, platform); // 'Platform components of kianax (us-east-1), applied as arn:...\n   1  Namespace kianax  namespaces ...'
 */
export function renderPlatformPlan(spec: ClusterSpec, platform: PlatformTarget | undefined): string {
  const heading = `Platform components of ${spec.name} (${spec.region})`;
  if (spec.platform === undefined) return `${heading}\n  None: the spec has no platform.\n`;
  if (platform === undefined) return `${heading}\n  Not applied: its manifests cannot be used (see the errors).\n`;
  const objects = renderPlatform(platform);
  const width = String(objects.length).length;
  const lines = objects.map(
    (object, index) => `  ${String(index + 1).padStart(width)}  ${describeObject(object).padEnd(60)}  ${object.metadata.labels?.[PLATFORM_LABEL] ?? ''}`,
  );
  return `${[`${heading}, applied as ${platform.roleArn} before any workload`, ...lines].join('\n')}\n`;
}

/** The platform of a cluster as scripts read it: the role and each object in apply order. */
export function platformJson(platform: PlatformTarget): { cluster: string; roleArn: string; objects: { component: string; object: string }[] } {
  return {
    cluster: platform.cluster,
    roleArn: platform.roleArn,
    objects: renderPlatform(platform).map((object) => ({ component: object.metadata.labels?.[PLATFORM_LABEL] ?? '', object: describeObject(object) })),
  };
}
