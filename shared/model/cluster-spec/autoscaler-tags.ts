/**
 * The Auto Scaling group tags Cluster Autoscaler needs for a managed node group, derived from the
 * spec alone (kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws/README.md):
 *
 * - auto-discovery ("Auto-Discovery Setup"): `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<cluster>`
 *   "will find the ASGs where those tag keys _exist_. It does not matter what value the tags have";
 * - scale from zero ("Scaling a node group to 0"): with no node to look at, the autoscaler learns a
 *   group's labels from `k8s.io/cluster-autoscaler/node-template/label/<name>: <value>` and its
 *   taints from `k8s.io/cluster-autoscaler/node-template/taint/<key>: <value>:<Effect>`; CPU and
 *   memory come from the instance type.
 *
 * EKS does not copy a managed node group's labels, taints or tags to its Auto Scaling group
 * (aws/containers-roadmap#608), and the README's `eks:DescribeNodegroup` path only holds "when a
 * managed nodegroup is created with 0 nodes and has never had any nodes added to it": a spot group
 * that scaled up once and back to 0 would be invisible again. So provision writes these tags.
 */
import type { NodeGroupSpec } from './schema';

/** Every tag Cluster Autoscaler reads starts with this. */
export const AUTOSCALER_TAG_PREFIX = 'k8s.io/cluster-autoscaler/';
export const DISCOVERY_TAG = `${AUTOSCALER_TAG_PREFIX}enabled`;
export const LABEL_TAG_PREFIX = `${AUTOSCALER_TAG_PREFIX}node-template/label/`;
export const TAINT_TAG_PREFIX = `${AUTOSCALER_TAG_PREFIX}node-template/taint/`;

/** Auto Scaling's limit on a tag key (Auto Scaling API reference, `Tag.Key`: 1 to 128 characters). */
export const MAX_ASG_TAG_KEY = 128;

/** EKS spells taint effects NO_SCHEDULE; Kubernetes, and the node-template tag, NoSchedule. */
const KUBERNETES_EFFECT = { NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' } as const;

/** The labels EKS puts on every node of a managed node group (EKS User Guide, "Managed node groups" and "Capacity types"). */
export function managedNodeLabels(group: Pick<NodeGroupSpec, 'name' | 'capacityType'>): Record<string, string> {
  return { 'eks.amazonaws.com/nodegroup': group.name, 'eks.amazonaws.com/capacityType': group.capacityType };
}

/**
 * The tag keys provision owns on a group's Auto Scaling group: the two discovery keys and every
 * node-template label or taint key. Other tags (EKS's own, a person's, node-template resources or
 * autoscaling-options) are never changed or removed.
 *
 * @example
 * ownsAutoscalerTag('kianax', 'k8s.io/cluster-autoscaler/node-template/label/role'); // true
 * ownsAutoscalerTag('kianax', 'eks:cluster-name'); // false
 */
export function ownsAutoscalerTag(clusterName: string, key: string): boolean {
  return key === DISCOVERY_TAG || key === `${AUTOSCALER_TAG_PREFIX}${clusterName}` || key.startsWith(LABEL_TAG_PREFIX) || key.startsWith(TAINT_TAG_PREFIX);
}

/**
 * The tags Cluster Autoscaler needs on a managed node group's Auto Scaling group: discovery for the
 * cluster, then one node-template tag per label (the spec's and the two EKS adds) and per taint.
 *
 * @example
 * autoscalerTags('kianax', jobsNg);
 * // { 'k8s.io/cluster-autoscaler/enabled': 'true', 'k8s.io/cluster-autoscaler/kianax': 'owned',
 * //   'k8s.io/cluster-autoscaler/node-template/label/role': 'jobs', ...,
 * //   'k8s.io/cluster-autoscaler/node-template/taint/workload': 'jobs:NoSchedule' }
 */
export function autoscalerTags(clusterName: string, group: Pick<NodeGroupSpec, 'name' | 'capacityType' | 'labels' | 'taints'>): Record<string, string> {
  const tags: Record<string, string> = { [DISCOVERY_TAG]: 'true', [`${AUTOSCALER_TAG_PREFIX}${clusterName}`]: 'owned' };
  for (const [key, value] of Object.entries({ ...managedNodeLabels(group), ...group.labels })) tags[`${LABEL_TAG_PREFIX}${key}`] = value;
  for (const taint of group.taints) tags[`${TAINT_TAG_PREFIX}${taint.key}`] = `${taint.value ?? ''}:${KUBERNETES_EFFECT[taint.effect]}`;
  return tags;
}

/** A node-template taint tag read back as a Kubernetes taint, or undefined when it is not one. */
export interface TemplateTaint {
  key: string;
  value: string;
  effect: string;
}

/**
 * What Cluster Autoscaler makes of a group's tags when the group has no node: the labels and taints
 * of its template node, read as the README's "Scaling a node group to 0" describes.
 *
 * @example
 * templateNode({ 'k8s.io/cluster-autoscaler/node-template/taint/workload': 'jobs:NoSchedule' }).taints;
 * // [{ key: 'workload', value: 'jobs', effect: 'NoSchedule' }]
 */
export function templateNode(tags: Readonly<Record<string, string>>): { labels: Record<string, string>; taints: TemplateTaint[] } {
  const labels: Record<string, string> = {};
  const taints: TemplateTaint[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(LABEL_TAG_PREFIX)) labels[key.slice(LABEL_TAG_PREFIX.length)] = value;
    if (key.startsWith(TAINT_TAG_PREFIX)) {
      const colon = value.lastIndexOf(':');
      taints.push({
        key: key.slice(TAINT_TAG_PREFIX.length),
        value: colon < 0 ? value : value.slice(0, colon),
        effect: colon < 0 ? '' : value.slice(colon + 1),
      });
    }
  }
  return { labels, taints };
}

/**
 * Spec check run from the cluster's `checkCluster`: a label or taint key whose node-template tag
 * key would pass Auto Scaling's 128 characters cannot reach the autoscaler. The input may be
 * malformed (other fields failed), so it is read defensively.
 *
 * @example
 * autoscalerTagProblems({ nodeGroups: [{ labels: { ['a'.repeat(100)]: 'x' } }] }); // one issue at nodeGroups[0].labels.aaa…
 */
export function autoscalerTagProblems(fields: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const groups = Array.isArray(fields.nodeGroups) ? (fields.nodeGroups as unknown[]) : [];
  return groups.flatMap((item, index) => {
    const group = (item ?? {}) as { labels?: unknown; taints?: unknown };
    const labels = typeof group.labels === 'object' && group.labels !== null ? Object.keys(group.labels) : [];
    const taints = Array.isArray(group.taints) ? (group.taints as unknown[]) : [];
    const tooLong = (prefix: string, key: string) => prefix.length + key.length > MAX_ASG_TAG_KEY;
    const message = (prefix: string, key: string) =>
      `the Cluster Autoscaler tag ${prefix}${key} would be ${prefix.length + key.length} characters; Auto Scaling takes at most ${MAX_ASG_TAG_KEY}, so a key of at most ${MAX_ASG_TAG_KEY - prefix.length} characters`;
    return [
      ...labels
        .filter((key) => tooLong(LABEL_TAG_PREFIX, key))
        .map((key) => ({ path: ['nodeGroups', index, 'labels', key], message: message(LABEL_TAG_PREFIX, key) })),
      ...taints.flatMap((taint, taintIndex) => {
        const key = (taint as { key?: unknown } | null)?.key;
        return typeof key === 'string' && tooLong(TAINT_TAG_PREFIX, key)
          ? [{ path: ['nodeGroups', index, 'taints', taintIndex, 'key'], message: message(TAINT_TAG_PREFIX, key) }]
          : [];
      }),
    ];
  });
}
