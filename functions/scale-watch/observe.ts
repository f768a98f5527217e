/**
 * Reads what the plan of one rule needs and no more: its alarms (one DescribeAlarms), its node groups
 * (DescribeNodegroup by name) and, only when it moves HPAs, each HPA and the KEDA ScaledObject that
 * owns it (one or two GETs each).
 */
import type { EksReads } from '../../shared/ports/eks';
import type { CloudWatchAlarmsPort, DescribedAlarms } from '../../shared/ports/cloudwatch';
import type { KubernetesObject, KubernetesPort } from '../../shared/ports/kubernetes';
import type { ScalingRuleSpec } from '../../shared/model/cluster-spec/scaling';
import { ruleWatches } from '../../shared/model/cluster-spec/runtime';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { AlarmState, AlarmStateValue, ObservedScaler, RuleObservation } from './observed';
import { ALARM_STATES, scalerKey } from './observed';

export const HPA_API_VERSION = 'autoscaling/v2';

export interface ObservePorts {
  eks: Pick<EksReads, 'describeNodegroup'>;
  cloudWatch: Pick<CloudWatchAlarmsPort, 'describeAlarms'>;
  /** Connects on first use: a rule without HPAs never reaches the Kubernetes API. */
  kubernetes: () => Promise<KubernetesPort>;
}

/**
 * @example
 * const observed = await observeRule(spec, rule, { eks, cloudWatch, kubernetes: () => connectToCluster(...) });
 */
export async function observeRule(spec: ClusterSpec, rule: ScalingRuleSpec, ports: ObservePorts): Promise<RuleObservation> {
  const query = rule.alarm !== undefined ? { names: [rule.alarm] } : { prefix: rule.alarmPrefix ?? '' };
  const [described, nodeGroups, scalers] = await Promise.all([
    ports.cloudWatch.describeAlarms(query),
    Promise.all(rule.nodeGroups.map(async (target) => [target.name, await ports.eks.describeNodegroup(spec.name, target.name)] as const)),
    rule.hpas.length === 0
      ? Promise.resolve([])
      : ports
          .kubernetes()
          .then((k8s) => Promise.all(rule.hpas.map(async (target) => [scalerKey(target), await observeScaler(k8s, target.namespace, target.name)] as const))),
  ]);
  return {
    alarms: alarmStates(described).filter((alarm) => ruleWatches(rule, alarm.alarmName)),
    nodeGroups: Object.fromEntries(nodeGroups),
    scalers: Object.fromEntries(scalers),
  };
}

/** Each alarm's state and since when, from DescribeAlarms: the last transition, not the last reason update. */
export function alarmStates(described: DescribedAlarms): AlarmState[] {
  return [...described.metricAlarms, ...described.compositeAlarms].flatMap((alarm): AlarmState[] => {
    const value = alarm.StateValue as string | undefined;
    const since = alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp;
    if (alarm.AlarmName === undefined || !isState(value) || since === undefined) return [];
    return [{ alarmName: alarm.AlarmName, value, since, ...(alarm.StateReason === undefined ? {} : { reason: alarm.StateReason }) }];
  });
}

/**
 * The object that bounds an HPA: the HPA itself, or the KEDA ScaledObject that owns it (KEDA
 * reverts edits to its HPA), found through the HPA's controller owner reference. `null` when the
 * HPA, or its ScaledObject, does not exist.
 */
export async function observeScaler(k8s: KubernetesPort, namespace: string, name: string): Promise<ObservedScaler | null> {
  const hpa = await k8s.get(HPA_API_VERSION, 'HorizontalPodAutoscaler', namespace, name);
  if (hpa === null) return null;
  const owner = kedaOwner(hpa);
  if (owner === undefined) {
    const spec = fields(hpa.spec);
    return {
      via: 'hpa',
      apiVersion: HPA_API_VERSION,
      kind: 'HorizontalPodAutoscaler',
      namespace,
      name,
      min: count(spec.minReplicas),
      max: count(spec.maxReplicas),
      annotations: { ...(hpa.metadata.annotations ?? {}) },
    };
  }
  const scaledObject = await k8s.get(owner.apiVersion, 'ScaledObject', namespace, owner.name);
  if (scaledObject === null) return null;
  const spec = fields(scaledObject.spec);
  return {
    via: 'keda',
    apiVersion: owner.apiVersion,
    kind: 'ScaledObject',
    namespace,
    name: owner.name,
    min: count(spec.minReplicaCount),
    max: count(spec.maxReplicaCount),
    annotations: { ...(scaledObject.metadata.annotations ?? {}) },
  };
}

/** The ScaledObject owner reference KEDA puts on the HPA it creates (`keda-hpa-<name>`). */
function kedaOwner(hpa: KubernetesObject): { apiVersion: string; name: string } | undefined {
  const references = hpa.metadata.ownerReferences;
  if (!Array.isArray(references)) return undefined;
  for (const reference of references as unknown[]) {
    const { apiVersion, kind, name } = fields(reference);
    if (kind === 'ScaledObject' && typeof apiVersion === 'string' && apiVersion.startsWith('keda.sh/') && typeof name === 'string') {
      return { apiVersion, name };
    }
  }
  return undefined;
}

function isState(value: string | undefined): value is AlarmStateValue {
  return (ALARM_STATES as readonly string[]).includes(value ?? '');
}

function fields(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}
